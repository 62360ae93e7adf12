package forward

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"time"

	"github.com/tinylib/msgp/msgp"

	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/source"
)

const (
	// startBuffer is a connection's read buffer until a message needs
	// more; keepBuffer the most it keeps once that message is handled, so
	// thousands of idle connections cost little.
	startBuffer = 4 << 10
	keepBuffer  = 64 << 10
	// writeTimeout bounds writing an ack or a handshake line to a client
	// that does not read.
	writeTimeout = 30 * time.Second
)

// conn is one client connection, served by its own goroutine.
type conn struct {
	s    *Source
	nc   net.Conn
	peer string

	buf   []byte // buf[r:w] is received and not yet handled
	r, w  int
	off   int64 // stream offset of buf[r]
	rerr  error // a read error held back until the bytes before it are handled
	limit int   // the largest message taken: max_message_size after the handshake
	fr    framer
	dec   decoder
	reply []byte
}

func newConn(s *Source, nc net.Conn) *conn {
	c := &conn{s: s, nc: nc, peer: peerName(nc), limit: s.max}
	c.dec = decoder{max: s.max, now: time.Now}
	return c
}

// peerName names the client for the log; unix socket peers have no
// address of their own, so the socket's path stands in.
func peerName(nc net.Conn) string {
	if a := nc.RemoteAddr(); a != nil && a.String() != "" && a.String() != "@" {
		return a.String()
	}
	return "unix socket " + nc.LocalAddr().String()
}

func (c *conn) serve() {
	st := c.s.env.Stats
	st.ConnectionsOpen.Add(1)
	st.ConnectionsTotal.Add(1)
	defer func() {
		c.nc.Close()
		st.ConnectionsOpen.Add(-1)
		c.s.forget(c)
	}()
	if c.s.sharedKey != "" && !c.handshake() {
		return
	}
	for !c.s.stopping.Load() {
		start := c.off
		msg, err := c.next()
		if err != nil {
			c.readFailed(start, err)
			return
		}
		if !c.handle(msg, start) {
			return
		}
	}
}

// next returns the next whole message, read from the connection as
// needed. It aliases the read buffer until the next call.
func (c *conn) next() ([]byte, error) {
	c.fr.reset()
	for {
		if c.r == c.w {
			c.r, c.w = 0, 0
			if cap(c.buf) > keepBuffer || c.buf == nil {
				c.buf = make([]byte, startBuffer)
			}
		} else {
			n, done, need, err := c.fr.scan(c.buf[c.r:c.w])
			switch {
			case err != nil:
				return nil, &malformedError{err.Error()}
			case done && n <= c.limit:
				msg := c.buf[c.r : c.r+n : c.r+n]
				c.r += n
				c.off += int64(n)
				return msg, nil
			case done || need > c.limit:
				return nil, malformed("larger than the %d bytes allowed (max_message_size; 16K for the handshake's PING)", c.limit)
			}
			c.room(need)
		}
		if c.rerr != nil {
			return nil, c.rerr
		}
		k, err := c.nc.Read(c.buf[c.w:])
		c.w += k
		c.rerr = err
	}
}

// room makes the buffer hold need bytes from c.r, with space to read
// into: moving the message to the front, or into a larger buffer.
func (c *conn) room(need int) {
	switch {
	case c.r+need <= len(c.buf): // need > w-r, so there is space after w
	case need > len(c.buf):
		// A string or binary's header gives its length: grow to it in one
		// step, with room for the option map that follows.
		size := min(max(need+startBuffer, 2*len(c.buf)), c.s.max+startBuffer)
		nb := make([]byte, size)
		c.w = copy(nb, c.buf[c.r:c.w])
		c.buf, c.r = nb, 0
	default:
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
	}
}

// readFailed ends the connection after next failed: at a clean end, on
// Stop, on a client gone mid-message, or on bytes that are not a message.
func (c *conn) readFailed(start int64, err error) {
	s := c.s
	between := c.r == c.w // no part of a message is buffered
	var m *malformedError
	switch {
	case errors.As(err, &m):
		c.malformed(start, err)
	case s.stopping.Load() && between:
		// Stop interrupted a read between messages: nothing is lost.
	case s.stopping.Load():
		s.env.Log.Debugf("forward source %s: closing the connection from %s on shutdown inside a message at byte offset %d (%d bytes of it received, not acknowledged)", s.name, c.peer, start, c.w-c.r)
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.env.Log.Warnf("forward source %s: closing the connection from %s: no PING within %s of HELO", s.name, c.peer, handshakeTimeout)
	case errors.As(err, new(tls.RecordHeaderError)):
		s.env.Log.Limitedf(out_s3append.LevelWarn, "forward-tls:"+s.name,
			"forward source %s: TLS handshake with %s failed (a client without TLS?): %v", s.name, c.peer, err)
	case between && errors.Is(err, io.EOF):
		// The client closed the connection between messages.
	case between:
		s.env.Log.Debugf("forward source %s: the connection from %s ended: %v", s.name, c.peer, err)
	default:
		// A message cut short is bad input like a malformed one: the
		// client's records in it were not taken, and its operator should
		// hear of it.
		s.env.Stats.Reject("truncated", 1)
		s.env.Log.Limitedf(out_s3append.LevelWarn, "forward-truncated:"+s.name,
			"forward source %s: the connection from %s ended inside a message at byte offset %d (%d bytes of it received, not acknowledged): %v", s.name, c.peer, start, c.w-c.r, err)
	}
}

// malformed logs and counts a message the connection is closed for.
func (c *conn) malformed(start int64, err error) {
	s := c.s
	s.env.Stats.Reject("malformed", 1)
	s.env.Log.Limitedf(out_s3append.LevelWarn, "forward-malformed:"+s.name,
		"forward source %s: closing the connection from %s: malformed message at byte offset %d of the connection: %v", s.name, c.peer, start, err)
}

// handle decodes one message, hands its events to the Sink and answers
// the client. It reports false when the connection must close.
func (c *conn) handle(msg []byte, start int64) bool {
	s, st := c.s, c.s.env.Stats
	m, err := c.dec.decode(msg)
	if cap(c.dec.scratch) > keepBuffer {
		defer func() { c.dec.scratch = nil }()
	}
	if err != nil {
		c.malformed(start, err)
		return false
	}
	if m.signal != 0 {
		st.Reject("not_logs", 1)
		s.env.Log.Limitedf(out_s3append.LevelWarn, "forward-signal:"+s.name,
			"forward source %s: %s sent metrics or traces (fluent_signal %d) with tag %q: only logs are taken; not acknowledged", s.name, c.peer, m.signal, m.tag)
		return true
	}
	res := source.OK
	if m.records > 0 {
		res = s.env.Sink.Deliver(m.tag, m.events)
	}
	switch res {
	case source.OK:
		st.Acknowledged(int64(m.records), int64(len(msg)))
		return m.chunk == nil || c.ack(m.chunk)
	case source.Retry:
		st.Reject("buffer_full", int64(m.records))
		if m.chunk == nil {
			s.env.Log.Limitedf(out_s3append.LevelError, "forward-retry:"+s.name,
				"forward source %s: %d records with tag %q from %s were not taken (buffer full or shutting down) and the client asked for no ack: they are lost", s.name, m.records, m.tag, c.peer)
			return true
		}
		// No ack, and the connection closes: the client sees the chunk
		// fail now rather than at its ack timeout, and sends it again.
		s.env.Log.Limitedf(out_s3append.LevelWarn, "forward-retry:"+s.name,
			"forward source %s: %d records with tag %q from %s were not taken (buffer full or shutting down): closing the connection without an ack so the client resends", s.name, m.records, m.tag, c.peer)
		return false
	default:
		st.Reject("error", int64(m.records))
		s.env.Log.Limitedf(out_s3append.LevelError, "forward-error:"+s.name,
			"forward source %s: %d records with tag %q from %s (%s mode, message at byte offset %d) can never be taken: not acknowledged", s.name, m.records, m.tag, c.peer, m.mode, start)
		return true
	}
}

// ack answers {"ack": chunk}, chunk as the client sent it.
func (c *conn) ack(chunk []byte) bool {
	c.reply = msgp.AppendMapHeader(c.reply[:0], 1)
	c.reply = msgp.AppendString(c.reply, "ack")
	c.reply = append(c.reply, chunk...)
	return c.write(c.reply)
}

func (c *conn) write(b []byte) bool {
	c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := c.nc.Write(b); err != nil {
		c.s.env.Log.Debugf("forward source %s: writing to %s: %v", c.s.name, c.peer, err)
		return false
	}
	return true
}
