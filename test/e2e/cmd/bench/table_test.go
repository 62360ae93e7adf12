package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadStagesParsesBenchmarkLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	out := `goos: linux
BenchmarkStageRead/kubernetes-compact-2         	     100	  10000000 ns/op	 2000.5 MB/s	   6400000 rec/s	       3 B/op	       0 allocs/op
BenchmarkFlush/kubernetes/sync=none-2   	      39	  26836874 ns/op	1674.31 MB/s	   1863108 rec/s
PASS
ok  	github.com/s3append/s3append/format	12.3s
`
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, err := readStages(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].name != "StageRead/kubernetes-compact" || rows[1].name != "Flush/kubernetes/sync=none" {
		t.Fatalf("rows %+v", rows)
	}
	if rows[0].metrics["rec/s"] != 6400000 || rows[0].metrics["MB/s"] != 2000.5 || rows[1].metrics["rec/s"] != 1863108 {
		t.Errorf("metrics %v, %v", rows[0].metrics, rows[1].metrics)
	}
	if err := os.WriteFile(path, []byte("PASS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readStages(path); err == nil {
		t.Error("output with no benchmark lines: no error")
	}
}

func TestTableRows(t *testing.T) {
	tb := table{
		stages: []stageRow{{name: "StageRead/x", metrics: map[string]float64{"rec/s": 2.5e6, "MB/s": 900}}},
		endToEnd: []e2eRow{{name: "json_lines+gzip", records: 1e6, inBytes: 1e9, rawText: 3e8, outBytes: 1e8,
			run: hostRun{wall: 5 * time.Second, cpu: 8 * time.Second, peakRSS: 120e6, inBytes: 1e9}, objects: 8, parts: 24}},
	}
	var b bytes.Buffer
	tb.print(&b)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("table:\n%s", b.String())
	}
	if want := "| StageRead/x | 2.50M | 900 |"; !strings.HasPrefix(lines[2], want) {
		t.Errorf("stage row %q, want prefix %q", lines[2], want)
	}
	// 1M records in 5 s; 1 GB in; 100 B/rec out, 0.1 of the input; 3x
	// smaller than text;
	// 8 CPU-s per GB; 120 MB peak.
	if want := "| end to end: json_lines+gzip, 1.00M records, sync always | 200k | 200 | 100.0 | 0.100 | 3.0 | 8.0 | 120 | 8 / 24 |"; lines[3] != want {
		t.Errorf("end-to-end row\n got %q\nwant %q", lines[3], want)
	}
}
