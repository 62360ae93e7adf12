package lines

import (
	"errors"
	"io"
	"net"
	"os"
	"time"

	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/source"
)

// initialBuffer is a connection's read buffer at first; it grows up to
// max_line_size+2 only while a line longer than it is being read.
const initialBuffer = 64 << 10

// Backoff of a batch the Sink answered Retry for.
const (
	firstBackoff = 50 * time.Millisecond
	maxBackoff   = 5 * time.Second
)

// conn is one connection's reading state: bytes received and not yet
// split, and the batch being built.
type conn struct {
	s      *Source
	c      net.Conn
	peer   string
	buf    []byte
	split  splitter
	events []byte
	count  int   // records in events
	raw    int64 // bytes received that events hold, newlines included
}

// flushWait is how long a connection with lines not yet delivered waits
// for more before delivering them.
const flushWait = 10 * time.Millisecond

// serve reads lines until EOF, an error or Stop, delivering batches.
func (s *Source) serve(nc net.Conn, peer string) {
	st := s.env.Stats
	st.ConnectionsOpen.Add(1)
	defer st.ConnectionsOpen.Add(-1)
	c := &conn{s: s, c: nc, peer: peer, buf: make([]byte, 0, min(initialBuffer, s.cfg.maxLine+2)),
		split: splitter{max: s.cfg.maxLine}}
	waiting := false // a read deadline is set for flushWait
	for {
		if len(c.buf) == cap(c.buf) {
			c.grow()
		}
		// Lines are left undelivered only after a read that filled the
		// buffer; if nothing more comes soon, deliver them anyway.
		if c.count > 0 {
			c.setDeadline(time.Now().Add(flushWait))
			waiting = true
		} else if waiting {
			c.setDeadline(time.Time{})
			waiting = false
		}
		free := cap(c.buf) - len(c.buf)
		n, err := nc.Read(c.buf[len(c.buf):cap(c.buf)])
		c.buf = c.buf[:len(c.buf)+n]
		if waiting && errors.Is(err, os.ErrDeadlineExceeded) && !s.stopping() {
			c.take(time.Now(), false)
			c.deliver()
			continue
		}
		eof := err != nil
		c.take(time.Now(), eof)
		// A read that did not fill the buffer found nothing more waiting:
		// deliver now for latency. Under load reads fill the buffer and
		// batches grow to batch_size.
		if eof || n < free {
			c.deliver()
		}
		if eof {
			c.ended(err)
			return
		}
	}
}

// setDeadline sets the read deadline, unless Stop has asked the
// connection to stop reading: then the deadline stays in the past.
func (c *conn) setDeadline(t time.Time) {
	c.c.SetReadDeadline(t)
	if c.s.stopping() {
		c.c.SetReadDeadline(time.Unix(1, 0))
	}
}

// take splits what was received into events, delivering each time the
// batch reaches batch_size (the connection is not read meanwhile).
func (c *conn) take(arrival time.Time, eof bool) {
	used := 0
	for {
		p, u, ok := c.split.next(c.buf[used:], eof)
		used += u
		c.raw += int64(u)
		if !ok {
			break
		}
		c.events = c.s.cfg.appendEvent(c.events, p, arrival)
		c.count++
		if len(c.events) >= c.s.cfg.batchSize {
			c.deliver()
		}
	}
	c.buf = c.buf[:copy(c.buf, c.buf[used:])]
	if cap(c.buf) > initialBuffer && len(c.buf) < initialBuffer/2 {
		// The long line is read: give its memory back.
		c.buf = append(make([]byte, 0, initialBuffer), c.buf...)
	}
}

// grow makes room in a full buffer: it is full only when it holds part
// of a line longer than itself, and the splitter needs max_line_size+2
// bytes at most to cut a piece.
func (c *conn) grow() {
	size := max(min(2*cap(c.buf), c.s.cfg.maxLine+2), cap(c.buf)+1)
	c.buf = append(make([]byte, 0, size), c.buf...)
}

// deliver hands the batch to the Sink. On Retry it keeps the batch and
// tries again with backoff, not reading meanwhile, until the Sink takes
// it or Stop's deadline passes.
func (c *conn) deliver() {
	if c.count == 0 {
		c.raw = 0 // skipped empty lines only
		return
	}
	s, st := c.s, c.s.env.Stats
	backoff := firstBackoff
	defer c.reset()
	for {
		switch s.env.Sink.Deliver(s.cfg.tag, c.events) {
		case source.OK:
			st.Acknowledged(int64(c.count), c.raw)
			return
		case source.Error:
			st.Reject("error", int64(c.count))
			s.env.Log.Limitedf(out_s3append.LevelError, "error", "%d lines from %s for tag %s cannot be taken: dropped", c.count, c.peer, s.cfg.tag)
			return
		}
		s.env.Log.Limitedf(out_s3append.LevelWarn, "retry", "buffer full: holding %d lines from %s for tag %s and not reading until they are taken",
			c.count, c.peer, s.cfg.tag)
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-s.abort:
			t.Stop()
			st.Reject("shutdown", int64(c.count))
			s.env.Log.Errorf("%d lines from %s for tag %s were never taken (buffer full) by the stop deadline: lost", c.count, c.peer, s.cfg.tag)
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func (c *conn) reset() {
	c.events, c.count, c.raw = c.events[:0], 0, 0
}

// ended logs why the connection ended, unless it simply closed or Stop
// ended it.
func (c *conn) ended(err error) {
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || c.s.stopping() && errors.Is(err, os.ErrDeadlineExceeded) {
		return
	}
	c.s.env.Log.Limitedf(out_s3append.LevelWarn, "read", "reading from %s: %v (what was read is delivered)", c.peer, err)
}
