package main

import (
	"testing"
)

// The end-to-end runs of `make bench`, at a small size, so that the
// benchmark cannot rot: every format lands its objects, the host's CPU and
// peak memory are read, the backlog drains into one object per tag, and
// the runs with many open objects land one object per tag.
func TestEndToEndRunsSmall(t *testing.T) {
	env, err := newBenchEnv(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer env.srv.Stop()
	const records = 20_000
	for _, f := range throughputFormats {
		row, err := throughput(env, f, records)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if row.records != records || row.inBytes == 0 || row.objects == 0 || row.parts < row.objects || row.outBytes == 0 {
			t.Errorf("%s: %+v", f.name, row)
		}
		if row.run.cpu <= 0 || row.run.peakRSS < 1<<20 || row.run.wall <= 0 {
			t.Errorf("%s: host run %+v: want CPU time and a peak RSS", f.name, row.run)
		}
	}
	const objects = 20
	rows, err := backlog(env, 8<<20, objects)
	if err != nil {
		t.Fatal(err) // also when not every tag's object landed
	}
	if len(rows) != 2 || rows[0].run.inBytes < 8<<20 || rows[1].objects != objects || rows[1].run.peakRSS == 0 {
		t.Errorf("backlog rows %+v", rows)
	}
	// The services' objects land alike in both formats (partitions checks
	// that each wide object passed a part).
	parts, err := partitions(env, records, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 3 || parts[0].objects == 0 || parts[1].objects != parts[0].objects || parts[2].run.peakRSS == 0 {
		t.Errorf("open-object rows %+v", parts)
	}
}
