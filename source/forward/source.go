// Package forward is the sidecar's Fluent forward protocol v1 source: what
// Fluentd's out_forward, Fluent Bit's forward output, Docker's fluentd log
// driver and the fluent-logger libraries send, over TCP or a unix socket,
// optionally TLS, optionally with the shared-key handshake.
//
// Every mode of the protocol is taken: Message, Forward, PackedForward
// and CompressedPackedForward (gzip). PackedForward entries go to the
// Sink as received, without a copy: the fast path. A message with the
// chunk option is acknowledged only after the Sink answered OK.
//
// Settings beyond type and listen: shared_key, self_hostname,
// max_message_size, socket_mode, tls_cert_file, tls_key_file. tag is not
// used by forward: the protocol carries its own tags, so setting it is an
// error. UDP heartbeats (Fluentd's out_forward heartbeat_type udp) are not
// answered: no UDP socket is opened; use heartbeat_type transport or none.
//
// Rejects are counted by reason: malformed (messages; the connection is
// closed), unauthorized (failed handshakes), buffer_full and error
// (records the Sink answered Retry or Error), not_logs (messages of
// metrics or traces, fluent_signal 1 or 2).
package forward

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/source"
)

// Kind is the forward source type of the configuration file.
var Kind = source.Kind{
	Type:  "forward",
	Keys:  append([]string{"shared_key", "self_hostname", "max_message_size", "socket_mode"}, source.TLSKeys...),
	Build: build,
}

// defaultMaxMessage bounds one message (and its decompressed entries):
// far above the 8 MiB chunks Fluentd and Fluent Bit send by default.
const defaultMaxMessage = 64 << 20

func build(s *source.Settings) source.Source {
	if s.Has("tag") {
		s.Fail("tag", "the forward protocol carries its own tags: remove tag from this source")
	}
	src := &Source{
		name:      s.Name,
		listen:    s.Listen(),
		mode:      s.FileMode("socket_mode", 0o660),
		tls:       s.TLS(),
		sharedKey: s.String("shared_key", ""),
		self:      s.String("self_hostname", ""),
	}
	max := s.Size("max_message_size", defaultMaxMessage)
	if max < 1024 || max > 1<<31 {
		s.Fail("max_message_size", "%d bytes is out of range: give 1K to 2G", max)
	}
	src.max = int(max)
	if s.Has("self_hostname") && src.sharedKey == "" {
		s.Fail("self_hostname", "only the shared_key handshake uses it: set shared_key too")
	}
	if src.self == "" {
		src.self, _ = os.Hostname()
	}
	return src
}

// Source is one forward listener.
type Source struct {
	name      string
	listen    string
	mode      os.FileMode
	tls       *tls.Config
	sharedKey string // the handshake runs when set
	self      string // our hostname in PONG
	max       int    // max_message_size

	env        source.Env
	ln         net.Listener
	socket     os.FileInfo // the unix socket file bound, removed by Stop
	acceptDone chan struct{}
	wg         sync.WaitGroup // one per connection
	stopping   atomic.Bool

	mu    sync.Mutex // guards conns, and orders read deadlines with stopping
	conns map[*conn]struct{}
}

// Start binds the listener and accepts in the background.
func (s *Source) Start(env source.Env) error {
	if env.Log == nil {
		env.Log = out_s3append.NewComponentLogger(io.Discard, "input:forward:"+s.name)
	}
	if env.Stats == nil {
		env.Stats = new(source.Stats)
	}
	ln, err := source.Listen(s.listen, s.mode)
	if err != nil {
		return err
	}
	if ul, ok := ln.(*net.UnixListener); ok {
		// Stop removes the file only if it is still the one bound here: a
		// newer source may have taken the path over.
		ul.SetUnlinkOnClose(false)
		s.socket, _ = os.Lstat(ul.Addr().String())
	}
	if s.sharedKey != "" {
		env.Log.Redact(s.sharedKey)
	}
	s.env, s.ln = env, ln
	s.conns = map[*conn]struct{}{}
	s.acceptDone = make(chan struct{})
	go s.accept()
	return nil
}

// Addr is the address bound.
func (s *Source) Addr() string {
	if s.ln == nil {
		return ""
	}
	return source.AddrOf(s.ln)
}

func (s *Source) accept() {
	defer close(s.acceptDone)
	backoff := 5 * time.Millisecond
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if s.stopping.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: wait, do not spin.
			s.env.Log.Limitedf(out_s3append.LevelError, "forward-accept:"+s.name,
				"forward source %s: accepting on %s: %v", s.name, s.Addr(), err)
			time.Sleep(backoff)
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		if s.tls != nil {
			nc = tls.Server(nc, s.tls)
		}
		c := newConn(s, nc)
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go c.serve()
	}
}

// pastDeadline makes every read return at once.
var pastDeadline = time.Unix(1, 0)

// Stop closes the listener, lets each connection finish the message it is
// handling (a Deliver in flight is answered and acknowledged), then closes
// the connections; it waits for them until ctx ends.
func (s *Source) Stop(ctx context.Context) error {
	if s.ln == nil {
		return nil
	}
	s.mu.Lock()
	s.stopping.Store(true)
	s.mu.Unlock()
	s.ln.Close()
	<-s.acceptDone
	// Interrupt every read: an idle connection ends now, a busy one after
	// answering its message, since it checks stopping before reading again.
	s.mu.Lock()
	for c := range s.conns {
		c.nc.SetReadDeadline(pastDeadline)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		s.mu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
	}
	s.removeSocket()
	return err
}

func (s *Source) removeSocket() {
	if s.socket == nil {
		return
	}
	path := s.ln.Addr().String()
	if fi, err := os.Lstat(path); err == nil && os.SameFile(fi, s.socket) {
		os.Remove(path)
	}
}

// forget drops a finished connection.
func (s *Source) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// setDeadline sets a connection's own read deadline (zero: none), unless
// Stop has set its own: then it reports false and the connection ends.
func (s *Source) setDeadline(nc net.Conn, t time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping.Load() {
		return false
	}
	nc.SetReadDeadline(t)
	return true
}
