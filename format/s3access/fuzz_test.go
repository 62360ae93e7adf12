package s3access

import (
	"errors"
	"strings"
	"testing"

	"github.com/s3append/s3append/test/datagen"
	"github.com/tinylib/msgp/msgp"
)

// FuzzParseLine: any bytes give either a *LineError and dst unchanged, or
// exactly one msgpack map appended to dst holding every known field in
// order, and ExtraKey only as a string.
func FuzzParseLine(f *testing.F) {
	for _, l := range []string{docLine, docLineRegion, docLineObject, "", "-", "a b [", `a b [06/Feb/2019:00:00:38 +0000] "`,
		strings.Join(strings.Split(docLine, " ")[:20], " "), docLine + ` x "y z" \"`, strings.ReplaceAll(docLine, `"`, `\"`)} {
		f.Add([]byte(l))
	}
	g := datagen.New(datagen.S3Access, 11)
	for range 8 {
		g.Next()
		f.Add([]byte(g.Text()))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		prefix := []byte{0xc0} // a nil before the record: it must stay
		out, ts, err := ParseLine(prefix, line)
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) || le.Field == "" || le.Offset < 0 || le.Offset > len(line) {
				t.Fatalf("error %#v", err)
			}
			if len(out) != 1 || out[0] != 0xc0 {
				t.Fatalf("on error dst became %x", out)
			}
			return
		}
		if ts.IsZero() || ts.Location().String() != "UTC" {
			t.Fatalf("time %v", ts)
		}
		rec := out[1:]
		rest, err := msgp.Skip(rec)
		if err != nil || len(rest) != 0 {
			t.Fatalf("record is not one msgpack value: %v, %d bytes after it", err, len(rest))
		}
		d := decode(t, rec)
		want := Fields()
		if len(d.keys) < len(want) || len(d.keys) > len(want)+1 {
			t.Fatalf("%d keys: %v", len(d.keys), d.keys)
		}
		for i, k := range want {
			if d.keys[i] != k {
				t.Fatalf("key %d is %s, want %s", i, d.keys[i], k)
			}
			if v := d.vals[k]; intFields[k] {
				if _, ok := v.(int64); !ok && v != nil {
					t.Fatalf("%s is %#v", k, v)
				}
			} else if _, ok := v.(string); !ok && v != nil {
				t.Fatalf("%s is %#v", k, v)
			}
		}
		if len(d.keys) > len(want) {
			if s, ok := d.vals[ExtraKey].(string); d.keys[len(want)] != ExtraKey || !ok || s == "" {
				t.Fatalf("key after the known ones: %s = %#v", d.keys[len(want)], d.vals[d.keys[len(want)]])
			}
		}
	})
}
