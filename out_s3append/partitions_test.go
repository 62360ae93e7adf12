package out_s3append

import (
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
)

func openCount(in *Instance) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.open)
}

// An object is completed once its event-time slot is over and no record
// came for late_data_window; a record later still opens a new object of
// its own slot.
func TestLateDataWindowCompletesFinishedSlots(t *testing.T) {
	s3 := s3api.NewMemory()
	cfg := testConfig(t, t.TempDir(), map[string]string{"late_data_window": "2m", "upload_timeout": "24h", "s3_key_format": "/logs/%Y%m%d/%H/$UUID"})
	in, logs := startInstance(t, cfg, s3)
	// Event times two hours ahead: the background ticker, on the real
	// clock, leaves them alone; the test drives tick with its own clock.
	hour := time.Now().UTC().Truncate(time.Hour).Add(2 * time.Hour)
	if r := in.Flush("app", chunk(0, 100, hour.Add(10*time.Minute), time.Second, 5)); r != OK {
		t.Fatal(r)
	}
	if r := in.Flush("app", chunk(100, 100, hour.Add(70*time.Minute), time.Second, 5)); r != OK {
		t.Fatal(r)
	}
	if n := openCount(in); n != 2 {
		t.Fatalf("%d open objects, want one per hour", n)
	}
	slotEnd := hour.Add(time.Hour)
	in.tick(slotEnd.Add(time.Minute)) // the slot is over, the window not yet
	if n := openCount(in); n != 2 {
		t.Fatalf("%d open objects a minute after the hour, want 2", n)
	}
	in.tick(slotEnd.Add(2*time.Minute + time.Second)) // window over too
	if n := openCount(in); n != 1 {
		t.Fatalf("%d open objects after the late-data window, want 1 (the next hour's)\n%s", n, logs.String())
	}
	waitFor(t, "the first hour's object", func() bool { return in.Stats().ObjectsUploaded.Load() == 1 })
	// A record of the finished hour, later than the window: a new object
	// of that same hour.
	if r := in.Flush("app", chunk(200, 1, hour.Add(59*time.Minute), time.Second, 5)); r != OK {
		t.Fatal(r)
	}
	if n := openCount(in); n != 2 {
		t.Fatalf("%d open objects, want the late record in an object of its own", n)
	}
	in.Close()
	got := landed(t, s3, "")
	if len(got) != 3 {
		t.Fatalf("objects %v, want 3", keysOf(got))
	}
	for key, ids := range got {
		wantHour := hour.Format("/15/")
		if ids[0] >= 100 && ids[0] < 200 {
			wantHour = hour.Add(time.Hour).Format("/15/")
		}
		for _, id := range ids {
			if (id >= 100 && id < 200) != (ids[0] >= 100 && ids[0] < 200) {
				t.Fatalf("object %s mixes hours: %v", key, ids)
			}
		}
		if !strings.Contains(key, wantHour) {
			t.Errorf("object %s holds ids %v of another hour", key, ids)
		}
	}
	exactlyOnce(t, got, 201)
}

// A record stream that keeps writing to a slot long over (a backfill of
// old logs) keeps its object open: no object per tick.
func TestBackfillKeepsWritingOneObject(t *testing.T) {
	s3 := s3api.NewMemory()
	cfg := testConfig(t, t.TempDir(), map[string]string{"late_data_window": "1m"})
	in, _ := startInstance(t, cfg, s3)
	old := time.Date(2026, 1, 5, 3, 0, 0, 0, time.UTC)
	if r := in.Flush("app", chunk(0, 10, old, time.Second, 5)); r != OK {
		t.Fatal(r)
	}
	in.tick(time.Now().Add(30 * time.Second)) // written 30 s ago: still open
	if n := openCount(in); n != 1 {
		t.Fatalf("%d open objects, want the backfill's object still open", n)
	}
	in.tick(time.Now().Add(61 * time.Second)) // idle for the window
	if n := openCount(in); n != 0 {
		t.Fatalf("%d open objects after a minute without records, want 0", n)
	}
	in.Close()
	exactlyOnce(t, landed(t, s3, ""), 10)
}

func TestMaxOpenObjectsCompletesLeastRecentlyWritten(t *testing.T) {
	s3 := s3api.NewMemory()
	cfg := testConfig(t, t.TempDir(), map[string]string{"max_open_objects": "3"})
	in, logs := startInstance(t, cfg, s3)
	tags := []string{"a", "b", "c", "a", "d", "e"}
	for i, tag := range tags {
		if r := in.Flush(tag, chunk(i*10, 10, t0, time.Millisecond, 5)); r != OK {
			t.Fatal(r)
		}
		if n := openCount(in); n > 3 {
			t.Fatalf("after tag %s: %d open objects, max_open_objects is 3", tag, n)
		}
	}
	in.mu.Lock()
	var open []string
	for _, o := range in.open {
		open = append(open, o.tag)
	}
	in.mu.Unlock()
	// b then c were written least recently when d and e came.
	for _, tag := range open {
		if tag == "b" || tag == "c" {
			t.Errorf("open objects %v: %s was written least recently and should be completed", open, tag)
		}
	}
	if !strings.Contains(logs.String(), "max_open_objects (3) reached") || !strings.Contains(logs.String(), "the tag") {
		t.Errorf("no warning naming the cause:\n%s", logs.String())
	}
	in.Close()
	exactlyOnce(t, landed(t, s3, ""), len(tags)*10)
}
