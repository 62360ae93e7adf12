package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// The access-log runs of `make bench`, at a small size: the objects are
// named as S3 names them, every line lands as a Parquet row (runAccessLogs
// counts them), the sidecar's CPU and peak memory are read, and the table
// prints a row per run, the targets beside them and AWS's reference.
func TestAccessLogRunsSmall(t *testing.T) {
	env, err := newBenchEnv(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer env.srv.Stop()
	runs := []accessRun{
		{bucket: "bench-al", objects: 3, lines: 200},
		{bucket: "bench-al-inflight", objects: 5, lines: 200, maxInFlight: 5},
	}
	rows, err := accessLogRuns(env, runs)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(runs) {
		t.Fatalf("%d rows, want %d", len(rows), len(runs))
	}
	for i, r := range rows {
		if r.accessRun != runs[i] || r.records != int64(runs[i].objects*runs[i].lines) || r.text < r.records*100 {
			t.Errorf("row %d: %+v, want run %+v with its lines and their text", i, r, runs[i])
		}
		if r.outObjects == 0 || r.parts < r.outObjects || r.outBytes == 0 {
			t.Errorf("%s: %d objects, %d parts, %d bytes landed", r.name(), r.outObjects, r.parts, r.outBytes)
		}
		if r.run.cpu <= 0 || r.run.peakRSS < 1<<20 || r.taken <= 0 || r.run.wall < r.taken {
			t.Errorf("%s: run %+v, taken after %s: want CPU time, a peak RSS, and the exit after the last line taken", r.name(), r.run, r.taken)
		}
	}

	src, err := env.srv.Store("bench-al-src")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := src.ListObjects(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`^logs/\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9A-F]{16}$`)
	for _, o := range objs {
		if !name.MatchString(o.Key) {
			t.Errorf("source object %q is not named as S3 names access logs", o.Key)
		}
	}
	if len(objs) != runs[0].objects {
		t.Errorf("%d source objects, want %d", len(objs), runs[0].objects)
	}

	var b bytes.Buffer
	(&table{access: rows}).print(&b)
	out := b.String()
	if n := strings.Count(out, "| sidecar: S3 access logs to Parquet zstd"); n != 2 {
		t.Errorf("%d access-log rows in the main table, want 2:\n%s", n, out)
	}
	for _, want := range []string{"rec/s per core end to end", "output ≤ 1/6 of the text",
		"peak RSS ≤ 150 MB with 5 objects in flight", "AWS's reference: 240M records in 1.5 h on 4 vCPUs"} {
		if !strings.Contains(out, want) {
			t.Errorf("%q missing from the table:\n%s", want, out)
		}
	}
}
