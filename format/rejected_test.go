package format

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// rejectedSizes are raw lengths that put the payload in each extension
// header: ext 8, ext 16 and ext 32.
var rejectedSizes = []int{0, 10, 200, 300, 70000}

func TestRejectedRoundTrip(t *testing.T) {
	heads := map[byte]bool{}
	for _, size := range rejectedSizes {
		in := Rejection{
			Reason: "s3 access log line: field key at byte 12: \"quoted\"",
			Origin: "s3://logs/logs/2026-01-02-03-04-05-ABC",
			Line:   7,
			Raw:    bytes.Repeat([]byte("x\xff\n"), size/3+1)[:size],
		}
		b := AppendRejected([]byte("prefix"), &in)
		if !bytes.HasPrefix(b, []byte("prefix")) {
			t.Fatalf("raw %d: the bytes already in dst are lost", size)
		}
		b = b[len("prefix"):]
		heads[b[0]] = true
		rest, err := msgp.Skip(b)
		if err != nil || len(rest) != 0 {
			t.Fatalf("raw %d: the extension does not frame as one msgpack value: %v, %d bytes after it", size, err, len(rest))
		}
		if typ, ok := extType(b); !ok || typ != RejectedExt {
			t.Fatalf("raw %d: extension type %d (%v), want %d", size, typ, ok, RejectedExt)
		}
		out, rest, err := ReadRejected(append(b, 0xc0))
		if err != nil {
			t.Fatalf("raw %d: ReadRejected: %v", size, err)
		}
		if !bytes.Equal(rest, []byte{0xc0}) {
			t.Fatalf("raw %d: rest %x, want the byte after the extension", size, rest)
		}
		if out.Reason != in.Reason || out.Origin != in.Origin || out.Line != in.Line || !bytes.Equal(out.Raw, in.Raw) {
			t.Fatalf("raw %d: read back %+v, want %+v", size, out, in)
		}
	}
	if !heads[msgpExt8] || !heads[0xc8] || !heads[0xc9] {
		t.Fatalf("extension headers written: %v; want ext 8, 16 and 32 (0xc7, 0xc8, 0xc9) each", heads)
	}
}

// extType is the type of the msgpack extension b starts with.
func extType(b []byte) (int8, bool) {
	var e rawExt
	for typ := math.MinInt8; typ <= math.MaxInt8; typ++ {
		e.typ = int8(typ)
		if _, err := msgp.ReadExtensionBytes(b, &e); err == nil {
			return e.typ, true
		}
	}
	return 0, false
}

func TestRejectedEventReadsAsSkippedWithTheRejection(t *testing.T) {
	rej := &Rejection{Reason: "the line ends after 3 fields", Origin: "s3://logs/key", Line: 12, Raw: []byte("79a59df9 short line")}
	good1 := AppendEvent(nil, benchTime, nil, map[string]any{"i": 1})
	bad := AppendRejectedEvent(nil, benchTime, rej)
	good2 := AppendLegacyEvent(nil, benchTime, map[string]any{"i": 2})
	chunk := append(append(append([]byte{}, good1...), bad...), good2...)

	r := NewReader(chunk)
	var ev Event
	mustNext(t, r, &ev)
	err := r.Next(&ev)
	var de *DecodeError
	if !errors.As(err, &de) || !de.Skipped || de.Offset != len(good1) {
		t.Fatalf("Next = %v, want a skipped DecodeError at %d", err, len(good1))
	}
	if de.Rejected == nil {
		t.Fatalf("the DecodeError carries no rejection: %+v", *de)
	}
	got := de.Rejected
	if got.Reason != rej.Reason || got.Origin != rej.Origin || got.Line != rej.Line || !bytes.Equal(got.Raw, rej.Raw) {
		t.Fatalf("rejection %+v, want %+v", *got, *rej)
	}
	if !bytes.Equal(ev.Raw, bad) {
		t.Fatalf("ev.Raw = %x, want the rejected event", ev.Raw)
	}
	msg := de.Error()
	for _, want := range []string{"line 12 of s3://logs/key", "the line ends after 3 fields", "offset"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Error() = %q, does not say %q", msg, want)
		}
	}
	mustNext(t, r, &ev)
	if m := decodeMap(t, ev.Record); m["i"] != int64(2) {
		t.Fatalf("the event after the rejected one = %v", m)
	}
	expectEOF(t, r)
}

func TestRejectedEventTime(t *testing.T) {
	for _, c := range []struct {
		in        time.Time
		sec, nsec int64
	}{
		{time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Unix(), 6},
		{time.Unix(-5, 7), 0, 0},
		{time.Unix(1<<33, 9), 1<<32 - 1, 9},
	} {
		b := AppendRejectedEvent(nil, c.in, &Rejection{Reason: "r"})
		var ev Event
		var de *DecodeError
		if err := NewReader(b).Next(&ev); !errors.As(err, &de) || de.Rejected == nil {
			t.Fatalf("%v: Next = %v, want the rejection", c.in, err)
		}
		// The time is read before the record: the header of a rejected
		// event is an EventTime like any event's.
		sec, nsec, ok := eventTimeOf(b[1:])
		if !ok || int64(sec) != c.sec || int64(nsec) != c.nsec {
			t.Errorf("%v: event time %d.%09d (%v), want %d.%09d", c.in, sec, nsec, ok, c.sec, c.nsec)
		}
	}
}

func TestRejectionString(t *testing.T) {
	for _, c := range []struct {
		r    Rejection
		want string
	}{
		{Rejection{Reason: "bad", Origin: "s3://b/k", Line: 3}, "line 3 of s3://b/k: bad"},
		{Rejection{Reason: "bad", Origin: "s3://b/k"}, "s3://b/k: bad"},
		{Rejection{Reason: "bad", Line: 3}, "line 3: bad"},
		{Rejection{Reason: "bad"}, "bad"},
	} {
		if got := c.r.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.r, got, c.want)
		}
	}
}

// ext wraps payload as an extension of type typ.
func ext(typ int8, payload []byte) []byte {
	b, err := msgp.AppendExtension(nil, &rawExt{typ: typ, data: payload})
	if err != nil {
		panic(err)
	}
	return b
}

// A malformed payload, or an extension of another type, is an event
// whose record is not a map, as any other extension.
func TestMalformedRejectedIsNotAMap(t *testing.T) {
	good := AppendRejected(nil, &Rejection{Reason: "r", Origin: "o", Line: 1, Raw: []byte("x")})
	var e rawExt
	e.typ = RejectedExt
	if _, err := msgp.ReadExtensionBytes(good, &e); err != nil {
		t.Fatal(err)
	}
	goodPayload := e.data
	entry := func(k string, v []byte) []byte { return append(msgp.AppendString(nil, k), v...) }
	mapOf := func(entries ...[]byte) []byte {
		b := msgp.AppendMapHeader(nil, uint32(len(entries)))
		for _, e := range entries {
			b = append(b, e...)
		}
		return b
	}
	cases := map[string][]byte{
		"payload not a map":    ext(RejectedExt, msgp.AppendString(nil, "x")),
		"empty payload":        ext(RejectedExt, nil),
		"reason not a string":  ext(RejectedExt, mapOf(entry("reason", msgp.AppendInt(nil, 1)))),
		"origin not a string":  ext(RejectedExt, mapOf(entry("origin", msgp.AppendNil(nil)))),
		"line not an integer":  ext(RejectedExt, mapOf(entry("line", msgp.AppendString(nil, "3")))),
		"negative line":        ext(RejectedExt, mapOf(entry("line", msgp.AppendInt(nil, -1)))),
		"line too large":       ext(RejectedExt, mapOf(entry("line", msgp.AppendUint64(nil, math.MaxUint64)))),
		"raw a string":         ext(RejectedExt, mapOf(entry("raw", msgp.AppendString(nil, "x")))),
		"key not a string":     ext(RejectedExt, append(msgp.AppendMapHeader(nil, 1), append(msgp.AppendInt(nil, 1), msgp.AppendInt(nil, 1)...)...)),
		"map cut short":        ext(RejectedExt, msgp.AppendMapHeader(nil, 2)),
		"bytes after the map":  ext(RejectedExt, append(append([]byte{}, goodPayload...), 0xc0)),
		"another type":         ext(81, goodPayload),
		"the EventTime type":   ext(0, goodPayload),
		"a payload of 8 bytes": ext(RejectedExt, []byte{0x81, 0xa1, 'x', 0xa4, 'a', 'b', 'c', 'd'}),
	}
	for name, record := range cases {
		b := msgp.AppendArrayHeader(nil, 2)
		b = msgp.AppendInt64(b, 1)
		b = append(b, record...)
		var ev Event
		err := NewReader(b).Next(&ev)
		var de *DecodeError
		if !errors.As(err, &de) || !de.Skipped {
			t.Errorf("%s: Next = %v, want a skipped DecodeError", name, err)
			continue
		}
		if name == "a payload of 8 bytes" {
			// Unknown keys are skipped: {"x": "abcd"} is a rejection with
			// nothing in it. Well-formed, so it is one.
			if de.Rejected == nil {
				t.Errorf("%s: not read as a rejection: %v", name, err)
			}
			continue
		}
		if de.Rejected != nil || !strings.Contains(de.Reason, "record is a msgpack ext, not a map") {
			t.Errorf("%s: %+v (%v), want no rejection and \"record is a msgpack ext, not a map\"", name, *de, de.Rejected)
		}
		if _, _, err := ReadRejected(record); err == nil {
			t.Errorf("%s: ReadRejected took it", name)
		}
	}
}
