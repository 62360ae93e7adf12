package out_s3append

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
)

// flushZoned flushes n records one step apart from start (ids 0..n-1) into
// an instance with the given key format and time zone, and returns the ids
// landed per key prefix.
func flushZoned(t *testing.T, keyFormat, zone string, start time.Time, n int, step time.Duration) map[string][]int64 {
	t.Helper()
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{
		"s3_key_format": keyFormat, "time_zone": zone,
	}), s3)
	if r := in.Flush("app", chunk(0, n, start, step, 0)); r != OK {
		t.Fatalf("flush: %v", r)
	}
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	got := prefixesOf(t, landed(t, s3, ""))
	exactlyOnce(t, got, n)
	return got
}

func prefixList(m map[string][]int64) []string {
	var ps []string
	for p := range m {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// Asia/Kolkata is UTC+05:30: its hours start at :30 past UTC hours.
func TestHourPartitionsInKolkata(t *testing.T) {
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	// 09:00 to 11:59 UTC is 14:30 to 17:29 IST.
	start := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	got := flushZoned(t, "/logs/dt=%Y-%m-%d/hour=%H/%Z%z/$UUID", "Asia/Kolkata", start, 180, time.Minute)
	want := []string{
		"logs/dt=2026-11-22/hour=14/IST+0530/",
		"logs/dt=2026-11-22/hour=15/IST+0530/",
		"logs/dt=2026-11-22/hour=16/IST+0530/",
		"logs/dt=2026-11-22/hour=17/IST+0530/",
	}
	if ps := prefixList(got); strings.Join(ps, " ") != strings.Join(want, " ") {
		t.Fatalf("prefixes %v, want %v", ps, want)
	}
	for p, ids := range got {
		for _, id := range ids {
			local := start.Add(time.Duration(id) * time.Minute).In(kolkata)
			if !strings.Contains(p, local.Format("hour=15/")) {
				t.Errorf("record %d at %s landed in %s", id, local, p)
			}
		}
	}
	if n := len(got["logs/dt=2026-11-22/hour=14/IST+0530/"]); n != 30 {
		t.Errorf("hour 14 IST holds %d records, want 30 (09:00-09:29 UTC)", n)
	}
}

// A local day in Kolkata starts at 18:30 UTC the day before.
func TestDayPartitionsFollowTheLocalDay(t *testing.T) {
	start := time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC) // 23:30 IST
	got := flushZoned(t, "/logs/%Y%m%d/$UUID", "Asia/Kolkata", start, 60, time.Minute)
	if len(got["logs/20261121/"]) != 30 || len(got["logs/20261122/"]) != 30 || len(got) != 2 {
		t.Fatalf("prefixes %v", got)
	}
}

// When New York's clocks go back (1 November 2026, 02:00 EDT becomes 01:00
// EST), the hour 01 happens twice: one partition for %H, two with %z.
func TestRepeatedHourWhenClocksGoBack(t *testing.T) {
	start := time.Date(2026, 11, 1, 4, 30, 0, 0, time.UTC) // 00:30 EDT
	const n = 180                                          // to 07:29 UTC, 02:29 EST
	got := flushZoned(t, "/logs/%Y%m%d/%H/$UUID", "America/New_York", start, n, time.Minute)
	counts := map[string]int{}
	for p, ids := range got {
		counts[p] = len(ids)
	}
	want := map[string]int{"logs/20261101/00/": 30, "logs/20261101/01/": 120, "logs/20261101/02/": 30}
	if len(counts) != len(want) {
		t.Fatalf("partitions %v, want %v", counts, want)
	}
	for p, c := range want {
		if counts[p] != c {
			t.Errorf("partition %s holds %d records, want %d", p, counts[p], c)
		}
	}

	// With %z the two 01 hours are apart, though their wall-clock slot is
	// the same and the records are consecutive in one chunk.
	got = flushZoned(t, "/logs/%Y%m%d/%H%z/$UUID", "America/New_York", start, n, time.Minute)
	counts = map[string]int{}
	for p, ids := range got {
		counts[p] = len(ids)
	}
	want = map[string]int{
		"logs/20261101/00-0400/": 30, "logs/20261101/01-0400/": 60,
		"logs/20261101/01-0500/": 60, "logs/20261101/02-0500/": 30,
	}
	if len(counts) != len(want) {
		t.Fatalf("partitions %v, want %v", counts, want)
	}
	for p, c := range want {
		if counts[p] != c {
			t.Errorf("partition %s holds %d records, want %d", p, counts[p], c)
		}
	}
	for _, id := range got["logs/20261101/01-0500/"] {
		if id < 90 {
			t.Errorf("record %d (before 06:00 UTC) landed in the EST hour", id)
		}
	}
}

// When the clocks go forward (8 March 2026, 02:00 EST becomes 03:00 EDT),
// the hour 02 does not exist and gets no partition.
func TestSkippedHourWhenClocksGoForward(t *testing.T) {
	start := time.Date(2026, 3, 8, 6, 30, 0, 0, time.UTC) // 01:30 EST
	got := flushZoned(t, "/logs/%Y%m%d/%H/%Z/$UUID", "America/New_York", start, 60, time.Minute)
	counts := map[string]int{}
	for p, ids := range got {
		counts[p] = len(ids)
	}
	want := map[string]int{"logs/20260308/01/EST/": 30, "logs/20260308/03/EDT/": 30}
	if len(counts) != len(want) || counts["logs/20260308/01/EST/"] != 30 || counts["logs/20260308/03/EDT/"] != 30 {
		t.Fatalf("partitions %v, want %v", counts, want)
	}
}

func TestStrftimeInZone(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	for _, tc := range []struct {
		loc  *time.Location
		at   time.Time
		want string
	}{
		{time.UTC, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "2026 26 01 02 03 04 05 002 Jan Fri AM UTC +0000 1767323045"},
		{ny, time.Date(2026, 7, 4, 17, 0, 0, 0, time.UTC), "2026 26 07 04 13 00 00 185 Jul Sat PM EDT -0400 1783184400"},
		{time.FixedZone("", 5*3600+45*60), time.Date(2026, 12, 31, 18, 20, 0, 0, time.UTC), "2027 27 01 01 00 05 00 001 Jan Fri AM +0545 +0545 1798741200"},
	} {
		var z zoneSpan
		z.at(tc.loc, tc.at.Unix())
		kt := z.keyTimeOf(tc.at.Unix())
		var b []byte
		for i, c := range []byte("YymdHMSjbapZzs") {
			if i > 0 {
				b = append(b, ' ')
			}
			b = appendStrftime(b, c, &kt)
		}
		if string(b) != tc.want {
			t.Errorf("%s in %s:\n got %s\nwant %s", tc.at, tc.loc, b, tc.want)
		}
	}
}
