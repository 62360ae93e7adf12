package s3access

import (
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// decoded is a record read back: its keys in order and its values (nil,
// string or int64).
type decoded struct {
	keys []string
	vals map[string]any
}

// decode reads one record ParseLine wrote, failing t unless it is exactly
// one msgpack map with string keys, string, integer or nil values.
func decode(t testing.TB, rec []byte) decoded {
	t.Helper()
	n, b, err := msgp.ReadMapHeaderBytes(rec)
	if err != nil {
		t.Fatalf("record is not a msgpack map: %v", err)
	}
	d := decoded{vals: make(map[string]any, n)}
	for range n {
		var k string
		if k, b, err = msgp.ReadStringBytes(b); err != nil {
			t.Fatalf("record key: %v", err)
		}
		var v any
		switch msgp.NextType(b) {
		case msgp.NilType, msgp.StrType, msgp.IntType:
			if v, b, err = msgp.ReadIntfBytes(b); err != nil {
				t.Fatalf("value of %s: %v", k, err)
			}
		default:
			t.Fatalf("value of %s is a msgpack %s", k, msgp.NextType(b))
		}
		if _, dup := d.vals[k]; dup {
			t.Fatalf("key %s twice", k)
		}
		d.keys = append(d.keys, k)
		d.vals[k] = v
	}
	if len(b) != 0 {
		t.Fatalf("%d bytes after the record", len(b))
	}
	return d
}

// mustParse parses line, failing t on error.
func mustParse(t testing.TB, line string) (decoded, time.Time) {
	t.Helper()
	rec, ts, err := ParseLine(nil, []byte(line))
	if err != nil {
		t.Fatalf("ParseLine(%q): %v", line, err)
	}
	return decode(t, rec), ts
}

// checkKeys checks that d has the known fields in line order, then extra
// ones.
func checkKeys(t testing.TB, d decoded, extra ...string) {
	t.Helper()
	want := append(Fields(), extra...)
	if len(d.keys) != len(want) {
		t.Fatalf("record keys %v, want %v", d.keys, want)
	}
	for i := range want {
		if d.keys[i] != want[i] {
			t.Fatalf("record key %d is %s, want %s (keys %v)", i, d.keys[i], want[i], d.keys)
		}
	}
}
