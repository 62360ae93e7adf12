package httpjson

import (
	"context"
	"errors"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/s3append/s3append/source"
)

// Server limits. A batch is read whole before it is answered, so the read
// timeout bounds how long a slow client holds its buffer: 2 minutes lets
// a 10 MB body through at 85 KB/s.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 2 * time.Minute
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// Source is one http listener.
type Source struct {
	cfg    config
	env    source.Env
	bodies *bodyReader
	slots  source.Slots
	srv    *http.Server
	addr   string
	done   chan struct{} // closed when Serve has returned
}

func newSource(c config) *Source {
	return &Source{cfg: c, bodies: newBodyReader(c.maxBody), slots: source.NewSlots(max(c.slots, 1))}
}

// Start binds the listen address and serves in the background.
func (s *Source) Start(env source.Env) error {
	s.env = env
	ln, err := source.Listen(s.cfg.listen, s.cfg.mode)
	if err != nil {
		return err
	}
	s.addr = source.AddrOf(ln)
	s.srv = &http.Server{
		Handler:           s,
		TLSConfig:         s.cfg.tls,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          newServerLog(env),
	}
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		var err error
		if s.cfg.tls != nil {
			err = s.srv.ServeTLS(ln, "", "")
		} else {
			err = s.srv.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			env.Log.Errorf("serving %s stopped: %v", s.addr, err)
		}
	}()
	scheme := "http"
	if s.cfg.tls != nil {
		scheme = "https"
	}
	env.Log.Infof("listening on %s (%s), tag of POST / is %s", s.addr, scheme, s.cfg.tag)
	return nil
}

// Addr is the address bound.
func (s *Source) Addr() string { return s.addr }

// Stop stops accepting and waits for the requests being served to be
// answered (each after its Deliver returned), by ctx's deadline at the
// latest; then it closes what is left.
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

// serverLog passes net/http's own complaints (TLS handshakes failing,
// broken connections) to the source's log at debug level: a client's
// fault, not the operator's.
type serverLog struct{ env source.Env }

func (l serverLog) Write(p []byte) (int, error) {
	l.env.Log.Debugf("%s", strings.TrimSpace(string(p)))
	return len(p), nil
}

func newServerLog(env source.Env) *log.Logger { return log.New(serverLog{env}, "", 0) }
