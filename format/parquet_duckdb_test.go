package format_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/test/e2e/duckdb"
)

// duckDBAvailable says whether test/e2e/duckdb can run DuckDB here: node
// on PATH and the package scripts/tools.sh installs.
func duckDBAvailable() error {
	if _, err := exec.LookPath("node"); err != nil {
		return err
	}
	root, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	_, err = os.Stat(filepath.Join(root, "test", "e2e", "duckdb", "node_modules", "@duckdb", "node-api"))
	return err
}

// A file assembled from row groups, with a pass rolled back on the way,
// reads back in DuckDB, an independent reader: every row, every row group.
func TestParquetFileReadByDuckDB(t *testing.T) {
	if testing.Short() {
		t.Skip("DuckDB runs in node: not in -short")
	}
	if err := duckDBAvailable(); err != nil {
		t.Skipf("DuckDB is not installed (scripts/tools.sh): %v", err)
	}
	const n = 5000
	levels := []string{"info", "warn", "error"}
	var chunk []byte
	t0 := time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC)
	for i := range n {
		chunk = format.AppendEvent(chunk, t0.Add(time.Duration(i)*time.Millisecond), nil, map[string]any{
			"i":     i,
			"level": levels[i%3],
			"log":   fmt.Sprintf("request %d took %d ms", i, i%977),
			"tags":  []any{i % 5, i % 7},
			"k8s":   map[string]any{"pod": fmt.Sprintf("api-%d", i%4)},
		})
	}
	var evs []format.Event
	r := format.NewReader(chunk)
	for {
		var ev format.Event
		if r.Next(&ev) != nil {
			break
		}
		evs = append(evs, ev)
	}
	opts := format.ParquetOptions{DateKey: "date", Codec: "zstd"}
	inf := format.NewInferrer(opts)
	for _, ev := range evs[:100] {
		if err := inf.Add(ev.Record); err != nil {
			t.Fatal(err)
		}
	}
	s, err := format.NewParquetSchema(inf.Fields(), opts)
	if err != nil {
		t.Fatal(err)
	}
	w := format.NewRowGroupWriter(s)
	f := format.NewParquetFile(s)
	var stream []byte
	write := func(from, to int) {
		for i := from; i < to; i++ {
			if err := w.Write(&evs[i]); err != nil {
				t.Fatal(err)
			}
		}
		if stream, err = f.AppendRowGroup(stream, w); err != nil {
			t.Fatal(err)
		}
	}
	write(0, 1000)
	write(1000, 1001)
	// A pass that fails: its bytes go, its rows are encoded again.
	write(1001, 3000)
	f.Truncate(2)
	stream = stream[:f.Size()]
	write(1001, 2500)
	write(2500, 4999)
	write(4999, n)
	if stream, err = f.AppendFooter(stream); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "object.parquet")
	if err := os.WriteFile(path, stream, 0o644); err != nil {
		t.Fatal(err)
	}
	from := fmt.Sprintf("read_parquet('%s')", strings.ReplaceAll(path, "'", "''"))
	rows, err := duckdb.Query(fmt.Sprintf(`SELECT count(*)::INTEGER AS n, count(DISTINCT i)::INTEGER AS d, min(i)::INTEGER AS lo, max(i)::INTEGER AS hi,
		sum(len(tags))::INTEGER AS tags, count(DISTINCT k8s.pod)::INTEGER AS pods,
		(SELECT count(DISTINCT row_group_id)::INTEGER FROM parquet_metadata('%s')) AS groups FROM %s`, path, from))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"n": float64(n), "d": float64(n), "lo": 0.0, "hi": float64(n - 1), "tags": float64(2 * n), "pods": 4.0, "groups": 5.0}
	for k, v := range want {
		if rows[0][k] != v {
			t.Errorf("DuckDB: %s = %v, want %v (%v)", k, rows[0][k], v, rows[0])
		}
	}
	// Every row, in order, with its values.
	rows, err = duckdb.Query(fmt.Sprintf(`SELECT i::INTEGER AS i, level, log, k8s.pod AS pod, epoch_ms(date)::BIGINT AS ms FROM %s`, from))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("DuckDB reads %d rows, want %d", len(rows), n)
	}
	for i, row := range rows {
		want := map[string]any{"i": float64(i), "level": levels[i%3], "log": fmt.Sprintf("request %d took %d ms", i, i%977),
			"pod": fmt.Sprintf("api-%d", i%4), "ms": fmt.Sprint(t0.UnixMilli() + int64(i))}
		for k, v := range want {
			if row[k] != v {
				t.Fatalf("DuckDB row %d: %s = %#v, want %#v", i, k, row[k], v)
			}
		}
	}
}
