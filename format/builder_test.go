package format

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"
)

func TestAppendEventIsDeterministic(t *testing.T) {
	rec := map[string]any{"b": 1, "a": 2, "c": map[string]any{"z": 1, "y": 2}}
	first := AppendEvent(nil, benchTime, map[string]any{"m": 1, "l": 2}, rec)
	for range 20 {
		if again := AppendEvent(nil, benchTime, map[string]any{"m": 1, "l": 2}, rec); !bytes.Equal(again, first) {
			t.Fatal("AppendEvent output depends on map iteration order")
		}
	}
	// Keys come out sorted, and the encoder keeps that order.
	var ev Event
	if err := NewReader(first).Next(&ev); err != nil {
		t.Fatal(err)
	}
	got := encodeLine(t, JSONOptions{}, &ev)
	if want := `{"a":2,"b":1,"c":{"y":2,"z":1}}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestAppendEventValueTypes(t *testing.T) {
	rec := map[string]any{
		"nil": nil, "s": "x", "bin": []byte{1, 2}, "t": true,
		"i": -5, "i8": int8(-8), "i16": int16(-16), "i32": int32(-32), "i64": int64(math.MinInt64),
		"u": uint(5), "u8": uint8(8), "u16": uint16(16), "u32": uint32(32), "u64": uint64(math.MaxUint64),
		"f32": float32(1.5), "f64": 2.5,
		"m": map[string]any{"k": "v"}, "a": []any{1, "two", nil},
	}
	chunk := AppendEvent(nil, benchTime, nil, rec)
	var ev Event
	if err := NewReader(chunk).Next(&ev); err != nil {
		t.Fatal(err)
	}
	got, _, err := msgp.ReadMapStrIntfBytes(ev.Record, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"nil": nil, "s": "x", "bin": []byte{1, 2}, "t": true,
		"i": int64(-5), "i8": int64(-8), "i16": int64(-16), "i32": int64(-32), "i64": int64(math.MinInt64),
		"u": int64(5), "u8": int64(8), "u16": int64(16), "u32": int64(32), "u64": uint64(math.MaxUint64),
		"f32": float32(1.5), "f64": 2.5,
		"m": map[string]any{"k": "v"}, "a": []any{int64(1), "two", nil},
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s: read back %#v (%T), want %#v (%T)", k, got[k], got[k], w, w)
		}
	}
	if !ev.Time().Equal(benchTime) {
		t.Errorf("time = %v, want %v", ev.Time(), benchTime)
	}
}

func TestAppendEventPanicsOnBadInput(t *testing.T) {
	expectPanic := func(name, want string, f func()) {
		t.Helper()
		defer func() {
			r := recover()
			if r == nil || !strings.Contains(r.(string), want) {
				t.Errorf("%s: panic %v, want one mentioning %q", name, r, want)
			}
		}()
		f()
	}
	expectPanic("unsupported type", `"when"`, func() {
		AppendEvent(nil, benchTime, nil, map[string]any{"when": time.Now()})
	})
	expectPanic("time before 1970", "EventTime", func() {
		AppendLegacyEvent(nil, time.Unix(-1, 0), nil)
	})
	expectPanic("time after 2106", "EventTime", func() {
		AppendLegacyEvent(nil, time.Unix(1<<32, 0), nil)
	})
}
