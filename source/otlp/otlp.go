// Package otlp is the sidecar's OpenTelemetry logs source: OTLP/HTTP
// (POST /v1/logs, protobuf or JSON, optionally gzipped). Each LogRecord
// becomes one event; the client gets its success response only after the
// Sink has made every record durable.
package otlp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/source"
)

// Kind is the otlp source type of the configuration file.
var Kind = source.Kind{
	Type: "otlp",
	Keys: append([]string{"tag_from_resource", "max_body_size", "max_concurrent_requests", "auth_token", "socket_mode"}, source.TLSKeys...),
	Build: func(s *source.Settings) source.Source {
		return &Source{
			name:    s.Name,
			listen:  s.Listen(),
			mode:    s.FileMode("socket_mode", 0o660),
			tls:     s.TLS(),
			tag:     s.String("tag", "otlp"),
			fromRes: s.String("tag_from_resource", ""),
			maxBody: s.Size("max_body_size", 10<<20),
			slots:   source.NewSlots(s.Int("max_concurrent_requests", source.DefaultMaxConcurrentRequests, 1)),
			token:   s.String("auth_token", ""),
		}
	},
}

// Server timeouts: a header must arrive promptly; a body of max_body_size
// over a slow link still gets a minute. Handlers wait on the Sink (an
// fsync) and are not bounded here.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = time.Minute
	idleTimeout       = 2 * time.Minute
)

// Source is one OTLP/HTTP listener.
type Source struct {
	name    string
	listen  string
	mode    os.FileMode
	tls     *tls.Config
	tag     string
	fromRes string       // resource attribute whose value extends the tag
	maxBody int64        // bound on the body, compressed and decompressed
	slots   source.Slots // requests worked on at once
	token   string       // bearer token clients must present, when set

	env  source.Env
	ln   net.Listener
	srv  *http.Server
	done chan struct{}
}

// Start binds the listener and serves in the background.
func (s *Source) Start(env source.Env) error {
	ln, err := source.Listen(s.listen, s.mode)
	if err != nil {
		return err
	}
	if env.Stats == nil {
		env.Stats = new(source.Stats)
	}
	if env.Log == nil {
		env.Log = out_s3append.NewComponentLogger(nil, "input:otlp:"+s.name)
	}
	s.env, s.ln, s.done = env, ln, make(chan struct{})
	if s.token != "" {
		env.Log.Redact(s.token)
	}
	s.srv = &http.Server{
		Handler:           s,
		TLSConfig:         s.tls,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          log.New(serverLog{env.Log}, "", 0),
	}
	go func() {
		defer close(s.done)
		var err error
		if s.tls != nil {
			err = s.srv.ServeTLS(ln, "", "")
		} else {
			err = s.srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			env.Log.Errorf("stopped serving %s: %v", s.Addr(), err)
		}
	}()
	return nil
}

// serverLog passes net/http's own complaints (TLS handshakes, broken
// connections) to the source's log, rate limited: a scanner must not
// flood it.
type serverLog struct{ l *out_s3append.Logger }

func (w serverLog) Write(p []byte) (int, error) {
	w.l.Limitedf(out_s3append.LevelWarn, "http", "%s", bytes.TrimSpace(p))
	return len(p), nil
}

// Addr is the address bound.
func (s *Source) Addr() string {
	if s.ln == nil {
		return ""
	}
	return source.AddrOf(s.ln)
}

// Stop stops accepting and waits for requests in flight (each waits on the
// Sink, then answers) until ctx ends; then it closes what is left.
func (s *Source) Stop(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	<-s.done
	return err
}
