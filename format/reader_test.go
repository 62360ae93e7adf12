package format

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"
)

func mustNext(t *testing.T, r *Reader, ev *Event) {
	t.Helper()
	if err := r.Next(ev); err != nil {
		t.Fatalf("Next at offset %d: %v", r.Offset(), err)
	}
}

func expectEOF(t *testing.T, r *Reader) {
	t.Helper()
	var ev Event
	if err := r.Next(&ev); err != io.EOF {
		t.Fatalf("Next = %v, want io.EOF", err)
	}
}

func decodeMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	m, rest, err := msgp.ReadMapStrIntfBytes(b, nil)
	if err != nil {
		t.Fatalf("decoding map: %v", err)
	}
	if len(rest) != 0 {
		t.Fatalf("%d stray bytes after map", len(rest))
	}
	return m
}

func TestReaderCurrentShape(t *testing.T) {
	ts := time.Date(2025, 11, 22, 10, 0, 0, 123456789, time.UTC)
	meta := map[string]any{"otlp": map[string]any{"severity": "INFO"}}
	rec := map[string]any{"log": "hello", "n": int64(7)}
	chunk := AppendEvent(nil, ts, meta, rec)
	first := len(chunk)
	chunk = AppendEvent(chunk, ts.Add(time.Second), nil, map[string]any{"log": "second"})

	r := NewReader(chunk)
	var ev Event
	mustNext(t, r, &ev)
	if ev.Sec != ts.Unix() || ev.Nsec != 123456789 {
		t.Errorf("time = %d.%09d, want %d.123456789", ev.Sec, ev.Nsec, ts.Unix())
	}
	if !ev.Time().Equal(ts) || ev.Time().Location() != time.UTC {
		t.Errorf("Time() = %v, want %v in UTC", ev.Time(), ts)
	}
	if got := decodeMap(t, ev.Meta); !reflect.DeepEqual(got, meta) {
		t.Errorf("Meta = %v, want %v", got, meta)
	}
	if got := decodeMap(t, ev.Record); !reflect.DeepEqual(got, rec) {
		t.Errorf("Record = %v, want %v", got, rec)
	}
	if !bytes.Equal(ev.Raw, chunk[:first]) {
		t.Errorf("Raw is not the first event's bytes")
	}
	if r.Offset() != first {
		t.Errorf("Offset = %d, want %d", r.Offset(), first)
	}
	mustNext(t, r, &ev)
	if ev.Sec != ts.Unix()+1 {
		t.Errorf("second event sec = %d", ev.Sec)
	}
	if got := decodeMap(t, ev.Meta); len(got) != 0 {
		t.Errorf("nil meta decoded as %v, want empty map", got)
	}
	expectEOF(t, r)
	expectEOF(t, r)
}

func TestReaderLegacyShape(t *testing.T) {
	ts := time.Unix(1763805600, 5).UTC()
	rec := map[string]any{"log": "legacy"}
	chunk := AppendLegacyEvent(nil, ts, rec)
	r := NewReader(chunk)
	var ev Event
	mustNext(t, r, &ev)
	if ev.Meta != nil {
		t.Errorf("Meta = %x, want nil for the legacy shape", ev.Meta)
	}
	if ev.Sec != 1763805600 || ev.Nsec != 5 {
		t.Errorf("time = %d.%09d", ev.Sec, ev.Nsec)
	}
	if got := decodeMap(t, ev.Record); !reflect.DeepEqual(got, rec) {
		t.Errorf("Record = %v", got)
	}
	if !bytes.Equal(ev.Raw, chunk) {
		t.Errorf("Raw differs from the chunk")
	}
	expectEOF(t, r)
}

// rawEvent builds [ts, {"k":"v"}] or [[ts, {}], {"k":"v"}] around raw ts bytes.
func rawEvent(ts []byte, current bool) []byte {
	b := msgp.AppendArrayHeader(nil, 2)
	if current {
		b = msgp.AppendArrayHeader(b, 2)
		b = append(b, ts...)
		b = msgp.AppendMapHeader(b, 0)
	} else {
		b = append(b, ts...)
	}
	b = msgp.AppendMapHeader(b, 1)
	b = msgp.AppendString(b, "k")
	return msgp.AppendString(b, "v")
}

func TestReaderTimestampKinds(t *testing.T) {
	cases := []struct {
		name string
		ts   []byte
		sec  int64
		nsec int32
	}{
		{"fixext8", []byte{0xd7, 0, 0x69, 0x21, 0x89, 0xa0, 0x07, 0x5b, 0xcd, 0x15}, 1763805600, 123456789},
		{"ext8 len 8", []byte{0xc7, 8, 0, 0x69, 0x21, 0x89, 0xa0, 0, 0, 0, 1}, 1763805600, 1},
		{"positive fixint", msgp.AppendInt64(nil, 5), 5, 0},
		{"uint32", msgp.AppendUint32(nil, 1763805600), 1763805600, 0},
		{"uint64", []byte{0xcf, 0, 0, 0, 0, 0x69, 0x21, 0x89, 0xa0}, 1763805600, 0},
		{"int64", []byte{0xd3, 0, 0, 0, 0, 0x69, 0x21, 0x89, 0xa0}, 1763805600, 0},
		{"negative int", msgp.AppendInt64(nil, -86400), -86400, 0},
		{"float64", msgp.AppendFloat64(nil, 1763805600.25), 1763805600, 250000000},
		{"negative float64", msgp.AppendFloat64(nil, -1.5), -2, 500000000},
		{"float32", msgp.AppendFloat32(nil, 2.5), 2, 500000000},
		{"float rounds up to next second", msgp.AppendFloat64(nil, 0.9999999999), 1, 0},
	}
	for _, c := range cases {
		for _, current := range []bool{false, true} {
			r := NewReader(rawEvent(c.ts, current))
			var ev Event
			if err := r.Next(&ev); err != nil {
				t.Errorf("%s (current=%v): %v", c.name, current, err)
				continue
			}
			if ev.Sec != c.sec || ev.Nsec != c.nsec {
				t.Errorf("%s (current=%v): time = %d.%09d, want %d.%09d", c.name, current, ev.Sec, ev.Nsec, c.sec, c.nsec)
			}
			if current != (ev.Meta != nil) {
				t.Errorf("%s (current=%v): Meta = %x", c.name, current, ev.Meta)
			}
		}
	}
}

func TestReaderSkipsUnfitEvents(t *testing.T) {
	ts := msgp.AppendInt64(nil, 1)
	rec := msgp.AppendMapHeader(nil, 0)
	arr := func(parts ...[]byte) []byte {
		b := msgp.AppendArrayHeader(nil, uint32(len(parts)))
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	str := msgp.AppendString(nil, "x")
	cases := []struct {
		name, reason string
		event        []byte
	}{
		{"not an array", "not an array", rec},
		{"three elements", "3 elements", arr(ts, rec, rec)},
		{"one element", "1 elements", arr(ts)},
		{"record is a string", "record is a msgpack str", arr(ts, str)},
		{"record is an array", "record is a msgpack array", arr(ts, arr())},
		{"time is a string", "event time is a msgpack str", arr(str, rec)},
		{"time is nil", "event time is a msgpack nil", arr(msgp.AppendNil(nil), rec)},
		{"time is a msgpack timestamp", "not an 8-byte EventTime", arr(msgp.AppendTime(nil, time.Unix(1, 0)), rec)},
		{"time ext of 4 bytes", "not an 8-byte EventTime", arr([]byte{0xd6, 0, 1, 2, 3, 4}, rec)},
		{"time nanoseconds too large", "nanoseconds", arr([]byte{0xd7, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff}, rec)},
		{"time NaN", "out of range", arr(msgp.AppendFloat64(nil, math.NaN()), rec)},
		{"time +Inf", "out of range", arr(msgp.AppendFloat64(nil, math.Inf(1)), rec)},
		{"time huge uint", "out of range", arr(msgp.AppendUint64(nil, math.MaxUint64), rec)},
		{"header of three", "header array has 3", arr(arr(ts, rec, rec), rec)},
		{"metadata not a map", "metadata is a msgpack str", arr(arr(ts, str), rec)},
		{"bad time in header", "event time is a msgpack str", arr(arr(str, rec), rec)},
	}
	good1 := AppendEvent(nil, benchTime, nil, map[string]any{"i": 1})
	good2 := AppendLegacyEvent(nil, benchTime, map[string]any{"i": 2})
	for _, c := range cases {
		chunk := append(append(append([]byte{}, good1...), c.event...), good2...)
		r := NewReader(chunk)
		var ev Event
		mustNext(t, r, &ev)
		err := r.Next(&ev)
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: Next = %v, want *DecodeError", c.name, err)
			continue
		}
		if !de.Skipped || de.Offset != len(good1) || !strings.Contains(de.Reason, c.reason) {
			t.Errorf("%s: got %+v, want skipped at %d with reason containing %q", c.name, *de, len(good1), c.reason)
		}
		if !bytes.Equal(ev.Raw, c.event) || ev.Record != nil {
			t.Errorf("%s: after skip ev.Raw = %x, Record = %x; want Raw = the bad event", c.name, ev.Raw, ev.Record)
		}
		if !strings.Contains(de.Error(), "offset") {
			t.Errorf("%s: error text %q does not give the offset", c.name, de.Error())
		}
		mustNext(t, r, &ev)
		if got := decodeMap(t, ev.Record); got["i"] != int64(2) {
			t.Errorf("%s: event after the skipped one = %v", c.name, got)
		}
		expectEOF(t, r)
		if n, err := CountEvents(chunk); n != 2 || !errors.As(err, &de) || !de.Skipped {
			t.Errorf("%s: CountEvents = %d, %v; want 2 and the skip error", c.name, n, err)
		}
	}
}

// threeEvents returns a chunk of three events and the offset each starts at.
func threeEvents() ([]byte, []int) {
	var chunk []byte
	var starts []int
	recs := []map[string]any{
		{"log": "one", "nested": map[string]any{"a": []any{1, "x", nil}}},
		{"log": "two", "f": 1.5, "b": true},
		{"log": "three"},
	}
	for i, rec := range recs {
		starts = append(starts, len(chunk))
		if i == 1 {
			chunk = AppendLegacyEvent(chunk, benchTime, rec)
		} else {
			chunk = AppendEvent(chunk, benchTime, map[string]any{"m": i}, rec)
		}
	}
	return chunk, append(starts, len(chunk))
}

func TestReaderTruncatedAtEveryOffset(t *testing.T) {
	full, starts := threeEvents()
	for cut := 0; cut <= len(full); cut++ {
		chunk := full[:cut:cut]
		whole := 0 // events entirely inside chunk
		for whole < 3 && starts[whole+1] <= cut {
			whole++
		}
		r := NewReader(chunk)
		var ev Event
		got := 0
		var err error
		for {
			if err = r.Next(&ev); err != nil {
				break
			}
			got++
		}
		if got != whole {
			t.Fatalf("cut %d: read %d events, want %d", cut, got, whole)
		}
		if cut == starts[whole] {
			if err != io.EOF {
				t.Fatalf("cut %d on an event boundary: err = %v, want io.EOF", cut, err)
			}
			continue
		}
		var de *DecodeError
		if !errors.As(err, &de) || de.Skipped || de.Offset != starts[whole] || !strings.Contains(de.Reason, "truncated") {
			t.Fatalf("cut %d: err = %v, want fatal truncation at offset %d", cut, err, starts[whole])
		}
		if again := r.Next(&ev); again != err {
			t.Fatalf("cut %d: second Next = %v, want the same error", cut, again)
		}
		if n, cerr := CountEvents(chunk); n != whole || fmt.Sprint(cerr) != de.Error() {
			t.Fatalf("cut %d: CountEvents = %d, %v", cut, n, cerr)
		}
	}
}

func TestReaderInvalidTypeByte(t *testing.T) {
	chunk, starts := threeEvents()
	chunk = bytes.Clone(chunk)
	// Turn the second event's `true` (inside its record) into 0xc1, a type
	// byte msgpack never uses.
	at := bytes.IndexByte(chunk[starts[1]:starts[2]], 0xc3)
	if at < 0 {
		t.Fatal("no true value in the second event")
	}
	chunk[starts[1]+at] = 0xc1
	r := NewReader(chunk)
	var ev Event
	mustNext(t, r, &ev)
	err := r.Next(&ev)
	var de *DecodeError
	if !errors.As(err, &de) || de.Skipped || de.Offset != starts[1] || !strings.Contains(de.Reason, "0xc1") {
		t.Fatalf("err = %v, want fatal invalid type byte at offset %d", err, starts[1])
	}
	if r.Next(&ev) != err {
		t.Fatalf("error is not sticky")
	}
}

func TestReaderReset(t *testing.T) {
	chunk, _ := threeEvents()
	r := NewReader(chunk[:5])
	var ev Event
	if err := r.Next(&ev); err == nil || err == io.EOF {
		t.Fatalf("truncated chunk read cleanly: %v", err)
	}
	r.Reset(chunk)
	if r.Offset() != 0 {
		t.Fatalf("Offset after Reset = %d", r.Offset())
	}
	n := 0
	for r.Next(&ev) == nil {
		n++
	}
	if n != 3 {
		t.Fatalf("read %d events after Reset, want 3", n)
	}
}

func TestReaderEmptyChunk(t *testing.T) {
	expectEOF(t, NewReader(nil))
	if n, err := CountEvents(nil); n != 0 || err != nil {
		t.Fatalf("CountEvents(nil) = %d, %v", n, err)
	}
}

func TestReaderDeepNestingIsFatalNotPanic(t *testing.T) {
	// Deeper than msgp.Skip will frame: must be a clean error.
	b := msgp.AppendArrayHeader(nil, 2)
	b = msgp.AppendInt64(b, 1)
	for range 200000 {
		b = msgp.AppendArrayHeader(b, 1)
	}
	b = msgp.AppendNil(b)
	var ev Event
	err := NewReader(b).Next(&ev)
	var de *DecodeError
	if !errors.As(err, &de) || de.Offset != 0 {
		t.Fatalf("err = %v, want a DecodeError at offset 0", err)
	}
}

func TestReaderDoesNotAllocate(t *testing.T) {
	chunk, n := k8sChunk(64 << 10)
	r := NewReader(chunk)
	var ev Event
	allocs := testing.AllocsPerRun(20, func() {
		r.Reset(chunk)
		got := 0
		for r.Next(&ev) == nil {
			got++
		}
		if got != n {
			t.Fatalf("read %d events, want %d", got, n)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per chunk, want 0", allocs)
	}
}
