package forward

import (
	"io"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tinylib/msgp/msgp"

	"github.com/s3append/s3append/source"
	"github.com/s3append/s3append/source/sourcetest"
)

// On Retry the chunk gets no ack and the connection closes, so the client
// resends; the resend, answered OK, is acknowledged.
func TestRetryWithholdsAck(t *testing.T) {
	var calls atomic.Int32
	sink := &sourcetest.Sink{Answer: func(string, []byte) source.Result {
		if calls.Add(1) == 1 {
			return source.Retry
		}
		return source.OK
	}}
	h := start(t, nil, sink)
	msg := array(str("app.r"), msgp.AppendBytes(nil, entries(0, 3)), options("chunk", "r1"))

	c := h.dial(t)
	write(t, c, msg)
	got, err := io.ReadAll(c)
	if err != nil || len(got) != 0 {
		t.Fatalf("after Retry: read %x, %v; want no bytes and the connection closed", got, err)
	}
	if n := h.rejects("buffer_full"); n != 3 {
		t.Errorf("buffer_full rejects %d, want 3", n)
	}
	if len(h.sink.Events()) != 0 || h.stats.Records.Load() != 0 {
		t.Fatal("a retried batch was counted as taken")
	}

	c = h.dial(t)
	write(t, c, msg)
	if ack := readAck(t, msgp.NewReader(c)); ack != "r1" {
		t.Fatalf("ack %q", ack)
	}
	checkSeqs(t, seqs(t, h.sink), 3)
}

// Error: no ack, the connection stays for the next message. Without a
// chunk, Retry is only counted and logged.
func TestErrorAndFireAndForget(t *testing.T) {
	var mu sync.Mutex
	answer := source.Error
	sink := &sourcetest.Sink{Answer: func(string, []byte) source.Result {
		mu.Lock()
		defer mu.Unlock()
		return answer
	}}
	h := start(t, nil, sink)
	c := h.dial(t)
	write(t, c, array(str("app.e"), array(entry(intTime(1), record(1)), entry(intTime(2), record(2))), options("chunk", "e1")))
	waitFor(t, "the error counted", func() bool { return h.rejects("error") == 2 })

	mu.Lock()
	answer = source.Retry
	mu.Unlock()
	write(t, c, array(str("app.e"), intTime(3), record(3)))
	waitFor(t, "the retry counted", func() bool { return h.rejects("buffer_full") == 1 })

	mu.Lock()
	answer = source.OK
	mu.Unlock()
	write(t, c, array(str("app.e"), intTime(4), record(4), options("chunk", "ok")))
	// The first reply on the connection is the OK's: e1 got none.
	if ack := readAck(t, msgp.NewReader(c)); ack != "ok" {
		t.Fatalf("ack %q", ack)
	}
	if h.stats.Records.Load() != 1 {
		t.Errorf("%d records acknowledged", h.stats.Records.Load())
	}
}
