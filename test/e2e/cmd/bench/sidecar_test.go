package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/proto"

	"github.com/s3append/s3append/format"
)

// The sidecar runs of `make bench`, at a small size: every protocol's
// records all land (runSidecar counts them in the bucket), the sidecar's
// CPU and peak memory are read, the idle connections were open, and the
// table prints a row per run and the targets beside them.
func TestSidecarRunsSmall(t *testing.T) {
	env, err := newBenchEnv(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer env.srv.Stop()
	const records, idle = 4000, 20
	rows, err := sidecarRuns(env, records, idle)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7 || !rows[0].plugin {
		t.Fatalf("%d rows, want the plugin's first and six sidecar runs: %+v", len(rows), rows)
	}
	for _, r := range rows {
		if r.records < records || r.inBytes == 0 || r.objects == 0 || r.parts < r.objects || r.outBytes == 0 {
			t.Errorf("%s: %+v", r.name, r)
		}
		if r.run.cpu <= 0 || r.run.peakRSS < 1<<20 || r.run.wall <= 0 {
			t.Errorf("%s: run %+v: want CPU time, a peak RSS and a duration", r.name, r.run)
		}
		if !r.plugin && r.records != records {
			t.Errorf("%s: %d records, want %d", r.name, r.records, records)
		}
	}
	if rows[2].idleConnections != idle || rows[3].idleConnections != idle || rows[1].idleConnections != 0 {
		t.Errorf("idle connections %d, %d and %d, want 0, %d and %d", rows[1].idleConnections, rows[2].idleConnections, rows[3].idleConnections, idle, idle)
	}
	if !strings.Contains(rows[3].name, "memory_limit 64M") {
		t.Errorf("the fourth row is %q, want the idle run with memory_limit 64M", rows[3].name)
	}
	var b bytes.Buffer
	(&table{sidecar: rows}).print(&b)
	out := b.String()
	if n := strings.Count(out, "| sidecar: "); n != 6 {
		t.Errorf("%d sidecar rows in the table, want 6:\n%s", n, out)
	}
	if !strings.Contains(out, "peak RSS ≤ 80 MB with 20 connections") || !strings.Contains(out, "≥ 250k rec/s") {
		t.Errorf("targets missing from the table:\n%s", out)
	}
}

// Every protocol carries the same records: the first batch of each holds
// the pool's first records, their log text and event times alike.
func TestSidecarLoadsCarryTheSameRecords(t *testing.T) {
	type rec struct {
		log string
		t   time.Time
	}
	var want []rec
	poolRecords(func(i int, tm time.Time, r map[string]any) {
		if i < linesBlock {
			want = append(want, rec{r["log"].(string), tm})
		}
	})

	msgs := packedMessages()
	if len(msgs) != sidecarPool/forwardBatch {
		t.Fatalf("%d forward messages, want %d", len(msgs), sidecarPool/forwardBatch)
	}
	rd := format.NewReader(msgs[0].entries)
	for i := range forwardBatch {
		var ev format.Event
		if err := rd.Next(&ev); err != nil {
			t.Fatalf("forward entry %d: %v", i, err)
		}
		if !ev.Time().Equal(want[i].t) || !bytes.Contains(ev.Record, []byte(want[i].log)) {
			t.Fatalf("forward entry %d at %s, want %s with log %q", i, ev.Time(), want[i].t, want[i].log)
		}
	}

	batches := ndjsonBatches()
	zr, err := gzip.NewReader(bytes.NewReader(batches[0].body))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(zr)
	for i := range want {
		var r map[string]any
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("NDJSON line %d: %v", i, err)
		}
		if r["log"] != want[i].log || r["timestamp"] != want[i].t.Format(time.RFC3339Nano) {
			t.Fatalf("NDJSON line %d: %v, want log %q at %s", i, r, want[i].log, want[i].t)
		}
	}

	blocks := lineBlocks()
	lines := strings.Split(strings.TrimSuffix(string(blocks[0].text), "\n"), "\n")
	if len(lines) != linesBlock {
		t.Fatalf("%d lines in the first block, want %d", len(lines), linesBlock)
	}
	for i, l := range lines {
		if l != want[i].log {
			t.Fatalf("line %d %q, want %q", i, l, want[i].log)
		}
	}

	reqs := otlpRequests()
	var req collogs.ExportLogsServiceRequest
	if err := proto.Unmarshal(reqs[0].body, &req); err != nil {
		t.Fatal(err)
	}
	i := 0
	for _, rl := range req.ResourceLogs {
		for _, lr := range rl.ScopeLogs[0].LogRecords {
			if lr.Body.GetStringValue() != want[i].log || lr.TimeUnixNano != uint64(want[i].t.UnixNano()) {
				t.Fatalf("OTLP record %d: %v, want log %q at %s", i, lr, want[i].log, want[i].t)
			}
			i++
		}
	}
	if i != otlpBatch {
		t.Errorf("%d records in the first OTLP request, want %d", i, otlpBatch)
	}
}

func TestProcFields(t *testing.T) {
	status := []byte("Name:\tx\nVmPeak:\t  9000 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 100 kB\n")
	if kb, ok := statusKB(status, "VmHWM:"); !ok || kb != 12345 {
		t.Errorf("VmHWM %d, %v", kb, ok)
	}
	if _, ok := statusKB([]byte("Name:\tx\nState:\tZ (zombie)\n"), "VmHWM:"); ok {
		t.Error("a zombie's status has no VmHWM")
	}
	// The command name may hold spaces and parentheses.
	stat := []byte("4242 (s3 (a) x) S 1 2 3 4 5 6 7 8 9 10 250 75 0 0 20 0\n")
	if cpu, ok := statCPU(stat); !ok || cpu != 3250*time.Millisecond {
		t.Errorf("CPU %s, %v; want 3.25s", cpu, ok)
	}
	if _, ok := statCPU([]byte("4242 (x) S 1 2")); ok {
		t.Error("a short stat line read")
	}
	// This process's own figures read, and are positive: the watcher
	// samples once before it looks at finish's stop.
	peak, _, samples := watchProc(os.Getpid()).finish()
	if samples == 0 || peak < 1<<20 {
		t.Errorf("own process: peak %d after %d samples", peak, samples)
	}
}

// The /proc readers take any bytes: a field is read or refused, never
// negative.
func FuzzProcFields(f *testing.F) {
	f.Add([]byte("VmHWM:\t   12345 kB\n"))
	f.Add([]byte("VmHWM:\t-1 kB\n"))
	f.Add([]byte("VmHWM:"))
	f.Add([]byte("4242 (s3 (a) x) S 1 2 3 4 5 6 7 8 9 10 250 75 0 0 20 0\n"))
	f.Add([]byte("1 () R 0 0 0 0 0 0 0 0 0 0 -3 99999999999999999999\n"))
	f.Add([]byte(")"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if kb, ok := statusKB(b, "VmHWM:"); ok && kb < 0 {
			t.Errorf("VmHWM %d", kb)
		}
		if cpu, ok := statCPU(b); ok && cpu < 0 {
			t.Errorf("CPU %s", cpu)
		}
	})
}
