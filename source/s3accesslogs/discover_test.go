package s3accesslogs

import (
	"strings"
	"testing"
	"time"
)

// Keys of both layouts, as S3 names them.
func simpleKey(prefix string, t time.Time, unique string) string {
	return prefix + t.UTC().Format(nameLayout) + "-" + unique
}

func datedKey(prefix, account, region, bucket string, t time.Time, unique string) string {
	return prefix + account + "/" + region + "/" + bucket + "/" + t.UTC().Format(dayLayout) + t.UTC().Format(nameLayout) + "-" + unique
}

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// Both layouts are found, with every line of every object; a key that is
// not S3's is left alone (and logged at debug).
func TestBothLayoutsDiscovered(t *testing.T) {
	w := newWorld(t)
	lines := genLines(1, 40)
	keys := []string{
		simpleKey("logs/", t0, "A1B2C3D4E5F60001"),
		simpleKey("logs/", t0.Add(time.Minute), "A1B2C3D4E5F60002"),
		datedKey("logs/", "123456789012", "us-east-1", "src-a", t0, "A1B2C3D4E5F60003"),
		datedKey("logs/", "123456789012", "eu-west-1", "src-b", t0.Add(30*time.Second), "A1B2C3D4E5F60004"),
		// An account ID that sorts among the simple keys' years.
		datedKey("logs/", "202400000000", "us-east-1", "src-c", t0.Add(2*time.Minute), "A1B2C3D4E5F60005"),
	}
	for i, k := range keys {
		w.put(k, lines[i*8:i*8+8]...)
	}
	w.put("logs/README.txt", "not a log")
	w.put("other/"+t0.Format(nameLayout)+"-X", lines[0]) // outside prefix
	s := w.start()
	w.waitDone(s, keys...)
	expectExactlyOnce(t, w.sink, lines)
	if _, ok := taken(s, "logs/README.txt"); ok {
		t.Error("logs/README.txt was taken")
	}
	if !strings.Contains(w.log.String(), "s3://logs/logs/README.txt is not named as S3 names access log objects") {
		t.Errorf("no log line about logs/README.txt:\n%s", w.log)
	}
}

// An object delivered late under an earlier key is found while its key
// time is inside relist_window of the newest taken; one older than that
// is below the listing's floor and is not (by design: the window is how
// long the source waits for late deliveries).
func TestLateObjectsAndTheWindow(t *testing.T) {
	w := newWorld(t)
	lines := genLines(2, 30)
	newest := simpleKey("logs/", t0, "N")
	w.put(newest, lines[:10]...)
	s := w.start()
	w.waitDone(s, newest)
	var from time.Time
	s.keep.read(func(st *state) { from = st.ListFrom })
	if want := t0.Add(-2 * time.Hour); !from.Equal(want) {
		t.Fatalf("list_from %v, want newest - relist_window = %v", from, want)
	}
	late := simpleKey("logs/", t0.Add(-time.Hour), "LATE")
	tooLate := simpleKey("logs/", t0.Add(-3*time.Hour), "TOOLATE")
	lateDated := datedKey("logs/", "123456789012", "us-east-1", "src", t0.Add(-90*time.Minute), "LATE2")
	w.put(late, lines[10:15]...)
	w.put(tooLate, lines[15:20]...)
	w.put(lateDated, lines[20:25]...)
	w.waitDone(s, late, lateDated)
	time.Sleep(10 * w.cfg.pollInterval) // polls enough to have seen it, were it in reach
	if _, ok := taken(s, tooLate); ok {
		t.Errorf("%s, 3h before the newest, was taken: it is outside the 2h window", tooLate)
	}
	expectExactlyOnce(t, w.sink, append(append([]string(nil), lines[:15]...), lines[20:25]...))
}

// The floor never passes an object listed but not taken: with room for
// one object at a time, a backlog is read oldest first and whole.
func TestBacklogWithLittleRoom(t *testing.T) {
	w := newWorld(t)
	w.cfg.maxInFlight, w.cfg.getWorkers = 1, 1
	lines := genLines(3, 60)
	var keys []string
	for i := range 12 {
		// Twelve objects over six hours: more than the window.
		k := simpleKey("logs/", t0.Add(time.Duration(i)*30*time.Minute), "U")
		keys = append(keys, k)
		w.put(k, lines[i*5:i*5+5]...)
	}
	s := w.start()
	w.waitDone(s, keys...)
	expectExactlyOnce(t, w.sink, lines)
	var n int
	s.keep.read(func(st *state) { n = len(st.Taken) })
	if n > 5 {
		t.Errorf("the taken set holds %d keys; only those inside the 2h window (5) should stay", n)
	}
}

func TestKeyTimes(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"2024-05-01-12-00-00-A1B2C3D4E5F60001", true},
		{"2024-05-01-12-00-00-", false},
		{"2024-05-01-12-00-00", false},
		{"2024-5-01-12-00-00-X", false},
		{"2024-02-30-12-00-00-X", false},
		{"2024-05-01-24-00-00-X", false},
		{"2024/05/01-12-00-00-X", false},
		{"abcd-05-01-12-00-00-X", false},
	} {
		if _, ok := parseName(c.name); ok != c.ok {
			t.Errorf("parseName(%q) ok = %v, want %v", c.name, ok, c.ok)
		}
	}
	if _, ok := simpleKeyTime("logs/", "logs/x/2024-05-01-12-00-00-A"); ok {
		t.Error("a key in a folder read as the simple layout")
	}
	if tm, ok := datedKeyTime("r/", "r/2024/05/01/2024-05-01-12-00-00-A"); !ok || !tm.Equal(t0) {
		t.Errorf("datedKeyTime = %v, %v", tm, ok)
	}
}

// FuzzKeyTime: the name parser never panics, reads only what formats
// back to the same text, and the StartAfter of a key's own time never
// sorts after that key (or the listing would skip it).
func FuzzKeyTime(f *testing.F) {
	for _, s := range []string{"2024-05-01-12-00-00-A1B2C3D4E5F60001", "9999-12-31-23-59-59-Z", "0000-01-01-00-00-00-0",
		"2024-02-29-00-00-00-X", "2023-02-29-00-00-00-X", "2024-05-01-12-00-0", "2024-05-01-12-00-00-\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		tm, ok := parseName(name)
		if !ok {
			return
		}
		if got := tm.Format(nameLayout); got != name[:len(nameLayout)] {
			t.Fatalf("parseName(%q) = %v, which formats as %q", name, tm, got)
		}
		if tm.Location() != time.UTC {
			t.Fatalf("parseName(%q) is not UTC", name)
		}
		key := "p/" + name
		if strings.Contains(name, "/") {
			if _, ok := simpleKeyTime("p/", key); ok {
				t.Fatalf("simpleKeyTime took %q, which has a folder", key)
			}
			return
		}
		kt, ok := simpleKeyTime("p/", key)
		if !ok || !kt.Equal(tm) {
			t.Fatalf("simpleKeyTime(%q) = %v, %v; parseName says %v", key, kt, ok, tm)
		}
		if after := simpleStartAfter("p/", tm); after >= key {
			t.Fatalf("StartAfter %q of the key's own time is not before %q", after, key)
		}
		dated := "r/" + tm.Format(dayLayout) + name
		if dt, ok := datedKeyTime("r/", dated); !ok || !dt.Equal(tm) {
			t.Fatalf("datedKeyTime(%q) = %v, %v", dated, dt, ok)
		}
		if after := datedStartAfter("r/", tm); after >= dated {
			t.Fatalf("StartAfter %q of the key's own time is not before %q", after, dated)
		}
	})
}
