package forward

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"

	"github.com/s3append/s3append/format"
)

// Fed one byte at a time, or the bytes it asks for, the framer ends each
// message exactly where msgp.Skip does, and asks for a string's or
// binary's whole length once its header is in.
func TestFramer(t *testing.T) {
	for _, tc := range modeCases(t) {
		want := len(tc.msg)
		var f framer
		got := 0
		for k := 1; k <= len(tc.msg); k++ {
			n, done, _, err := f.scan(tc.msg[:k])
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if done {
				got = n
				break
			}
		}
		if got != want {
			t.Errorf("%s byte by byte: framed %d bytes, want %d", tc.name, got, want)
		}
		f.reset()
		reads, k := 0, 1
		for {
			reads++
			n, done, need, err := f.scan(tc.msg[:k])
			if err != nil || done {
				if n != want || err != nil {
					t.Errorf("%s on demand: %d, %v", tc.name, n, err)
				}
				break
			}
			if need <= k || need > want {
				t.Fatalf("%s: need %d with %d of %d bytes", tc.name, need, k, want)
			}
			k = need
		}
		t.Logf("%s: %d bytes framed in %d reads on demand", tc.name, want, reads)
	}
	// A binary's header tells its whole length.
	msg := array(str("a"), msgp.AppendBytes(nil, make([]byte, 100_000)))
	var f framer
	if _, done, need, _ := f.scan(msg[:10]); done || need != len(msg) {
		t.Errorf("need %d, want %d", need, len(msg))
	}
	deep := make([]byte, maxDepth+2)
	for i := range deep {
		deep[i] = 0x91
	}
	f.reset()
	if _, _, _, err := f.scan(deep); !errors.Is(err, errTooDeep) {
		t.Errorf("deep nesting: %v", err)
	}
}

// decodeAll frames b with the framer, fed in two pieces split at cut, and
// decodes each message; it checks the framer against msgp.Skip and that
// whatever is handed on reads with the engine's reader.
func decodeAll(t *testing.T, b []byte, cut int) {
	d := decoder{max: 1 << 20, now: func() time.Time { return time.Unix(1_700_000_000, 0) }}
	for len(b) > 0 {
		var f framer
		n, done, need, err := f.scan(b[:min(cut, len(b))])
		if err == nil && !done && need <= len(b) { // resumed, as after a read
			n, done, _, err = f.scan(b)
		}
		rest, serr := msgp.Skip(b)
		switch {
		case errors.Is(err, errTooDeep):
			return
		case serr == nil && (!done || n != len(b)-len(rest)):
			t.Fatalf("framer: %d %v %v; msgp.Skip: %d", n, done, err, len(b)-len(rest))
		case serr != nil && done:
			t.Fatalf("framer framed %d bytes msgp.Skip cannot: %v", n, serr)
		case !done:
			return
		}
		m, err := d.decode(b[:n])
		b = b[n:]
		if err != nil {
			var me *malformedError
			if !errors.As(err, &me) {
				t.Fatalf("decode error of type %T: %v", err, err)
			}
			continue
		}
		var r format.Reader
		r.Reset(m.events)
		events := 0
		for {
			var ev format.Event
			err := r.Next(&ev)
			if err == io.EOF {
				break
			}
			var de *format.DecodeError
			if err != nil && (!errors.As(err, &de) || !de.Skipped) {
				t.Fatalf("%s mode handed on events the engine cannot frame: %v", m.mode, err)
			}
			events++
		}
		if events != m.records {
			t.Fatalf("%s mode: %d records counted, the reader found %d", m.mode, m.records, events)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, tc := range modeCases(f) {
		f.Add(tc.msg, 3)
	}
	f.Add(array(str("PING"), str("h"), str("s"), str("d"), str(""), str("")), 2)
	f.Add(array(str("a"), msgp.AppendNil(nil), record(1)), 4)
	f.Add(array(str("a"), msgp.AppendBytes(nil, gz(f, entries(0, 2))), options("compressed", "gzip", "fluent_signal", "2")), 9)
	f.Add([]byte{0xdd, 0xff, 0xff, 0xff, 0xff}, 1)
	f.Add([]byte{0x93, 0xc1}, 1)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		decodeAll(t, b, max(cut, 1))
	})
}
