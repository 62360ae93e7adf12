package forward

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/tinylib/msgp/msgp"
)

// Bytes that are not a message close that connection, with a log line
// naming the peer and the offset; another connection goes on delivering.
func TestMalformedClosesOnlyItsConnection(t *testing.T) {
	h := start(t, nil, nil)
	a, b := h.dial(t), h.dial(t)
	ra, rb := msgp.NewReader(a), msgp.NewReader(b)
	good := array(str("app.m"), intTime(1), record(1), options("chunk", "a1"))
	write(t, a, good)
	if ack := readAck(t, ra); ack != "a1" {
		t.Fatalf("ack %q", ack)
	}
	write(t, a, []byte{0x93, 0xc1, 0x00, 0x00})
	if rest, err := io.ReadAll(ra); err != nil || len(rest) != 0 {
		t.Fatalf("after garbage: %x, %v; want the connection closed", rest, err)
	}
	want := fmt.Sprintf("closing the connection from %s: malformed message at byte offset %d", a.LocalAddr(), len(good))
	if !strings.Contains(h.log.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, h.log)
	}
	write(t, b, array(str("app.m"), intTime(2), record(2), options("chunk", "b1")))
	if ack := readAck(t, rb); ack != "b1" {
		t.Fatalf("ack %q", ack)
	}
	if h.rejects("malformed") != 1 || len(h.sink.Batches()) != 2 {
		t.Errorf("malformed %d, batches %d", h.rejects("malformed"), len(h.sink.Batches()))
	}
}

func TestMalformedKinds(t *testing.T) {
	rec := record(1)
	big := msgp.AppendBytesHeader(array(str("app"))[:0], 1<<20) // a 1 MiB bin's header alone
	for _, tc := range []struct {
		name, reason string
		msg          []byte
	}{
		{"not an array", "not a msgpack array", str("hello")},
		{"tag not a string", "the tag is a msgpack int", array(intTime(1), intTime(1), rec)},
		{"too short", "an array of 1 elements", array(str("app"))},
		{"map as time", "Message-mode time is a msgpack map", array(str("app"), rec, rec)},
		{"forward entry not an array", "Forward-mode entry 1", array(str("app"), array(entry(intTime(1), rec), rec))},
		{"entry of three", "an array of 3 elements", array(str("app"), array(array(intTime(1), rec, rec)))},
		{"packed truncated", "packed entry 1: truncated", array(str("app"), msgp.AppendBytes(nil, append(entry(intTime(1), rec), 0x92, 0x01)))},
		{"bad gzip", "not gzip", array(str("app"), msgp.AppendBytes(nil, []byte("not gzip at all")), options("compressed", "gzip"))},
		{"unknown compression", `only "gzip"`, array(str("app"), msgp.AppendBytes(nil, entries(0, 1)), options("compressed", "lz4"))},
		{"option not a map", "not a map", array(str("app"), array(), str("x"))},
		{"forward of four", "array of 4 elements", array(str("app"), array(), options(), options())},
		{"too large", "larger than the 1024 bytes", append(array(str("app"), nil)[:0], append([]byte{0x92, 0xa3, 'a', 'p', 'p'}, big...)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, map[string]string{"max_message_size": "1K"}, nil)
			c := h.dial(t)
			write(t, c, tc.msg)
			if rest, err := io.ReadAll(c); err != nil || len(rest) != 0 {
				t.Fatalf("%x, %v; want the connection closed", rest, err)
			}
			log := h.log.String()
			if !strings.Contains(log, "byte offset 0 of the connection: ") || !strings.Contains(log, tc.reason) {
				t.Errorf("log lacks the offset or %q:\n%s", tc.reason, log)
			}
			if h.rejects("malformed") != 1 || len(h.sink.Batches()) != 0 {
				t.Errorf("malformed %d, batches %d", h.rejects("malformed"), len(h.sink.Batches()))
			}
		})
	}
}

// Compressed entries may not unfold beyond max_message_size.
func TestGzipBound(t *testing.T) {
	h := start(t, map[string]string{"max_message_size": "64K"}, nil)
	c := h.dial(t)
	write(t, c, array(str("app"), msgp.AppendBytes(nil, gz(t, entries(0, 5000))), options("compressed", "gzip")))
	if rest, err := io.ReadAll(c); err != nil || len(rest) != 0 {
		t.Fatalf("%x, %v; want the connection closed", rest, err)
	}
	if !strings.Contains(h.log.String(), "unfold to more than max_message_size") {
		t.Errorf("log:\n%s", h.log)
	}
}

// Metrics and traces (fluent_signal 1, 2) are refused without an ack;
// the connection stays.
func TestNotLogs(t *testing.T) {
	h := start(t, nil, nil)
	c := h.dial(t)
	write(t, c, array(str("app"), msgp.AppendBytes(nil, entries(0, 1)), options("chunk", "m", "fluent_signal", 1)))
	write(t, c, array(str("app"), msgp.AppendBytes(nil, entries(0, 1)), options("chunk", "l", "fluent_signal", 0)))
	if ack := readAck(t, msgp.NewReader(c)); ack != "l" {
		t.Fatalf("ack %q", ack)
	}
	if h.rejects("not_logs") != 1 || len(h.sink.Batches()) != 1 {
		t.Errorf("not_logs %d, batches %d", h.rejects("not_logs"), len(h.sink.Batches()))
	}
}
