package lines

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/source"
)

// Source is one lines listener and its connections.
type Source struct {
	cfg  config
	env  source.Env
	ln   net.Listener
	addr string

	stop      atomic.Bool   // Stop was called: read no more
	abort     chan struct{} // closed at Stop's deadline: give up retrying
	abortOnce sync.Once
	mu        sync.Mutex
	conns     map[net.Conn]struct{}
	wg        sync.WaitGroup // the accept loop and every connection
	accepted  atomic.Int64
}

func newSource(c config) *Source {
	return &Source{cfg: c, abort: make(chan struct{}), conns: map[net.Conn]struct{}{}}
}

// Start binds the listen address and accepts in the background.
func (s *Source) Start(env source.Env) error {
	s.env = env
	ln, err := source.Listen(s.cfg.listen, s.cfg.mode)
	if err != nil {
		return err
	}
	s.addr = source.AddrOf(ln)
	if s.cfg.tls != nil {
		ln = tls.NewListener(ln, s.cfg.tls)
	}
	s.ln = ln
	s.wg.Add(1)
	go s.accept()
	env.Log.Infof("listening on %s for lines, tag %s", s.addr, s.cfg.tag)
	return nil
}

// Addr is the address bound.
func (s *Source) Addr() string { return s.addr }

func (s *Source) stopping() bool { return s.stop.Load() }

func (s *Source) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if s.stopping() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: wait a little rather
			// than spin.
			s.env.Log.Limitedf(out_s3append.LevelError, "accept", "accepting on %s: %v", s.addr, err)
			select {
			case <-time.After(100 * time.Millisecond):
			case <-s.abort:
				return
			}
			continue
		}
		s.handle(nc)
	}
}

// handle serves a new connection in the background.
func (s *Source) handle(nc net.Conn) {
	peer := s.peerName(nc)
	if !s.track(nc) {
		nc.Close()
		return
	}
	s.env.Stats.ConnectionsTotal.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.untrack(nc)
		defer nc.Close()
		s.serve(nc, peer)
	}()
}

// peerName names a connection for the log: its address, or for a unix
// socket, whose peers have none, the socket and a number.
func (s *Source) peerName(nc net.Conn) string {
	n := s.accepted.Add(1)
	if a := nc.RemoteAddr(); a != nil && a.String() != "" && a.String() != "@" {
		return a.String()
	}
	return fmt.Sprintf("%s (connection %d)", s.addr, n)
}

// track registers a new connection, unless Stop has begun.
func (s *Source) track(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping() {
		return false
	}
	s.conns[nc] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Source) untrack(nc net.Conn) {
	s.mu.Lock()
	delete(s.conns, nc)
	s.mu.Unlock()
}

// Stop closes the listener and makes every connection stop reading and
// deliver what it has read (an unterminated last line included); it
// waits for them until ctx's deadline, then gives up retrying, closes
// what is left and returns ctx's error.
func (s *Source) Stop(ctx context.Context) error {
	if s.ln == nil {
		return nil
	}
	s.mu.Lock()
	s.stop.Store(true)
	for nc := range s.conns {
		nc.SetReadDeadline(time.Unix(1, 0))
	}
	s.mu.Unlock()
	s.ln.Close()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.abortOnce.Do(func() { close(s.abort) })
	s.mu.Lock()
	for nc := range s.conns {
		nc.Close()
	}
	s.mu.Unlock()
	<-done
	return fmt.Errorf("stopping %s: %w", s.addr, ctx.Err())
}
