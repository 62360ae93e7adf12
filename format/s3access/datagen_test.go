package s3access

import (
	"testing"
	"time"

	"github.com/s3append/s3append/test/datagen"
)

// intFields are the record fields that are numbers.
var intFields = map[string]bool{"http_status": true, "bytes_sent": true, "object_size": true, "total_time": true, "turn_around_time": true}

// wantValue is what ParseLine should write for field name of a generator
// record: strings as they are but "-" as nil, numbers as int64, absent
// numbers as nil.
func wantValue(t testing.TB, rec map[string]any, name string) any {
	t.Helper()
	v, present := rec[name]
	switch {
	case !present && intFields[name]:
		return nil
	case intFields[name]:
		n, ok := v.(int)
		if !ok {
			t.Fatalf("generator's %s is %#v, not an int", name, v)
		}
		return int64(n)
	case v == "-":
		return nil
	}
	s, ok := v.(string)
	if !ok {
		t.Fatalf("generator's %s is %#v, not a string", name, v)
	}
	return s
}

// Every field of generated lines reads back as the generator's record
// has it, typed: strings, int64 numbers, nil for "-"; the time is the
// record's time to the second.
func TestDatagenLinesMatchRecords(t *testing.T) {
	counts := map[string]int{}
	for seed := uint64(1); seed <= 3; seed++ {
		g := datagen.New(datagen.S3Access, seed)
		var dst []byte
		for i := range 4000 {
			at, rec := g.Next()
			var ts time.Time
			var err error
			dst, ts, err = ParseLine(dst[:0], []byte(g.Text()))
			if err != nil {
				t.Fatalf("seed %d line %d: %v\n%s", seed, i, err, g.Text())
			}
			if want := at.Truncate(time.Second); !ts.Equal(want) {
				t.Fatalf("seed %d line %d: time %v, want %v", seed, i, ts, want)
			}
			if got := ts.Format(timeLayout); got != rec[TimeKey] {
				t.Fatalf("seed %d line %d: time %s, generator wrote %v", seed, i, got, rec[TimeKey])
			}
			d := decode(t, dst)
			checkKeys(t, d)
			for _, name := range Fields() {
				want := wantValue(t, rec, name)
				if got := d.vals[name]; got != want {
					t.Fatalf("seed %d line %d: %s = %#v, want %#v\n%s", seed, i, name, got, want, g.Text())
				}
				if want != nil {
					counts[name]++
				}
			}
		}
	}
	// The data exercises every field with a value (and most without).
	for _, name := range Fields() {
		if counts[name] == 0 {
			t.Errorf("%s is never set in the generated lines", name)
		}
	}
	t.Logf("lines with a value, of 12000: %v", counts)
}
