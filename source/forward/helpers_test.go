package forward

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"

	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/source"
	"github.com/s3append/s3append/source/sourcetest"
)

// bound is how long a test waits for something that should happen at
// once; reaching it fails the test.
const bound = 20 * time.Second

type harness struct {
	src   *Source
	sink  *sourcetest.Sink
	stats *source.Stats
	log   *sourcetest.Log
}

// start builds and starts a forward source on 127.0.0.1:0 (or listen as
// given), delivering to sink; it is stopped at the end of the test.
func start(t testing.TB, values map[string]string, sink *sourcetest.Sink) *harness {
	t.Helper()
	if values == nil {
		values = map[string]string{}
	}
	if values["listen"] == "" {
		values["listen"] = "127.0.0.1:0"
	}
	if sink == nil {
		sink = &sourcetest.Sink{}
	}
	set := &source.Settings{Name: "forward.0", Values: values}
	src := Kind.Build(set)
	if p := set.Problems(); len(p) > 0 {
		t.Fatalf("settings: %v", p)
	}
	h := &harness{src: src.(*Source), sink: sink, stats: new(source.Stats), log: new(sourcetest.Log)}
	log := out_s3append.NewComponentLogger(h.log, "input:forward:forward.0")
	if err := src.Start(source.Env{Sink: sink, Log: log, Stats: h.stats}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), bound)
		defer cancel()
		if err := src.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return h
}

func (h *harness) dial(t testing.TB) net.Conn {
	t.Helper()
	network, addr := "tcp", h.src.Addr()
	if p, ok := strings.CutPrefix(addr, "unix://"); ok {
		network, addr = "unix", p
	}
	c, err := net.DialTimeout(network, addr, bound)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(bound))
	t.Cleanup(func() { c.Close() })
	return c
}

func (h *harness) rejects(reason string) int64 {
	reasons, counts := h.stats.Rejects()
	for i, r := range reasons {
		if r == reason {
			return counts[i]
		}
	}
	return 0
}

// waitFor polls cond until it holds, failing the test after bound.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func write(t testing.TB, c net.Conn, b []byte) {
	t.Helper()
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
}

// readAck reads {"ack": chunk} and returns chunk.
func readAck(t testing.TB, r *msgp.Reader) string {
	t.Helper()
	n, err := r.ReadMapHeader()
	if err != nil || n != 1 {
		t.Fatalf("ack: map of %d, %v", n, err)
	}
	if k, err := r.ReadString(); err != nil || k != "ack" {
		t.Fatalf("ack key %q, %v", k, err)
	}
	v, err := r.ReadString()
	if err != nil {
		t.Fatalf("ack value: %v", err)
	}
	return v
}

// Builders of the protocol's msgpack, written from the specification.

func eventTime(sec, nsec uint32) []byte {
	return []byte{0xd7, 0x00, byte(sec >> 24), byte(sec >> 16), byte(sec >> 8), byte(sec),
		byte(nsec >> 24), byte(nsec >> 16), byte(nsec >> 8), byte(nsec)}
}

func intTime(sec int64) []byte { return msgp.AppendInt64(nil, sec) }

func record(seq int) []byte {
	b := msgp.AppendMapHeader(nil, 2)
	b = msgp.AppendString(b, "seq")
	b = msgp.AppendInt(b, seq)
	b = msgp.AppendString(b, "log")
	return msgp.AppendString(b, "GET /index.html 200 5123 \"curl/8.5.0\"")
}

func entry(tm, rec []byte) []byte { return append(append([]byte{0x92}, tm...), rec...) }

// options is the option map; pairs are key, value (string or int).
func options(pairs ...any) []byte {
	b := msgp.AppendMapHeader(nil, uint32(len(pairs)/2))
	for i := 0; i < len(pairs); i += 2 {
		b = msgp.AppendString(b, pairs[i].(string))
		switch v := pairs[i+1].(type) {
		case string:
			b = msgp.AppendString(b, v)
		case int:
			b = msgp.AppendInt(b, v)
		}
	}
	return b
}

// array joins raw msgpack values under an array header.
func array(elems ...[]byte) []byte {
	b := msgp.AppendArrayHeader(nil, uint32(len(elems)))
	for _, e := range elems {
		b = append(b, e...)
	}
	return b
}

func str(s string) []byte { return msgp.AppendString(nil, s) }

// entries returns n events [time, record] back to back, seq from first.
func entries(first, n int) []byte {
	var b []byte
	for i := range n {
		b = append(b, entry(eventTime(1_700_000_000+uint32(i), 123_456_789), record(first+i))...)
	}
	return b
}

// seqs returns the seq field of every event the sink acknowledged.
func seqs(t testing.TB, sink *sourcetest.Sink) []int {
	t.Helper()
	var out []int
	for _, ev := range sink.Events() {
		n, b, err := msgp.ReadMapHeaderBytes(ev.Record)
		if err != nil {
			t.Fatalf("record: %v", err)
		}
		for range n {
			var k []byte
			k, b, _ = msgp.ReadStringZC(b)
			if string(k) == "seq" {
				v, _, err := msgp.ReadIntBytes(b)
				if err != nil {
					t.Fatalf("seq: %v", err)
				}
				out = append(out, v)
			}
			b, _ = msgp.Skip(b)
		}
	}
	return out
}
