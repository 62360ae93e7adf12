package duckdb

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// writeFile writes data to dir/rel, creating directories on the way.
func writeFile(t *testing.T, dir, rel string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// jsonLines returns n records {"id":first+i,"msg":"m<id>"}, one per line.
func jsonLines(first, n int) []byte {
	var b bytes.Buffer
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, "{\"id\":%d,\"msg\":\"m%d\"}\n", i, i)
	}
	return b.Bytes()
}

// gzipMembers compresses each chunk as its own gzip member and concatenates
// them, as an object made of separately compressed parts is.
func gzipMembers(t *testing.T, chunks ...[]byte) []byte {
	var out bytes.Buffer
	for _, c := range chunks {
		w := gzip.NewWriter(&out)
		if _, err := w.Write(c); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

// zstdFrames is gzipMembers for zstd frames.
func zstdFrames(t *testing.T, chunks ...[]byte) []byte {
	var out bytes.Buffer
	for _, c := range chunks {
		w, err := zstd.NewWriter(&out)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(c); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

func query(t *testing.T, sql string) []map[string]any {
	t.Helper()
	rows, err := Query(sql)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// single runs sql, which must return one row, and returns it printed as
// "col=value ..." in the order of cols.
func single(t *testing.T, sql string, cols ...string) string {
	t.Helper()
	rows := query(t, sql)
	if len(rows) != 1 {
		t.Fatalf("%s\nreturned %d rows, want 1: %v", sql, len(rows), rows)
	}
	var parts []string
	for _, c := range cols {
		parts = append(parts, fmt.Sprintf("%s=%v", c, rows[0][c]))
	}
	return strings.Join(parts, " ")
}

func TestReadJSONCompressions(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "plain.json", jsonLines(1, 3))
	writeFile(t, dir, "two-members.json.gz", gzipMembers(t, jsonLines(1, 2), jsonLines(3, 3)))
	writeFile(t, dir, "two-frames.json.zst", zstdFrames(t, jsonLines(1, 4), jsonLines(5, 1)))
	for _, c := range []struct {
		file, compression, want string
	}{
		{"plain.json", "uncompressed", "n=3 total=6 last=m3"},
		{"two-members.json.gz", "gzip", "n=5 total=15 last=m5"},
		{"two-frames.json.zst", "zstd", "n=5 total=15 last=m5"},
		// Without the option DuckDB picks the codec from the file name.
		{"two-members.json.gz", "auto_detect", "n=5 total=15 last=m5"},
		{"two-frames.json.zst", "auto_detect", "n=5 total=15 last=m5"},
	} {
		sql := fmt.Sprintf(`SELECT count(*)::INTEGER AS n, sum(id)::INTEGER AS total, max_by(msg, id) AS last
			FROM read_json('%s', format='newline_delimited', compression='%s')`, filepath.Join(dir, c.file), c.compression)
		if got := single(t, sql, "n", "total", "last"); got != c.want {
			t.Errorf("%s (%s): %s, want %s", c.file, c.compression, got, c.want)
		}
	}
}

func TestReadJSONGlobFilenameAndHivePartitions(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "logs/service=api/dt=2026-11-22/a.json.gz", gzipMembers(t, jsonLines(1, 2)))
	writeFile(t, dir, "logs/service=api/dt=2026-11-23/b.json.gz", gzipMembers(t, jsonLines(3, 1)))
	writeFile(t, dir, "logs/service=web/dt=2026-11-23/c.json.gz", gzipMembers(t, jsonLines(4, 4)))
	writeFile(t, dir, "logs/service=web/dt=2026-11-23/ignored.json", jsonLines(100, 1))
	rows := query(t, fmt.Sprintf(`
		SELECT service, dt::VARCHAR AS dt, typeof(dt) AS dt_type, parse_filename(filename) AS file,
		       count(*)::INTEGER AS n, min(id)::INTEGER AS first
		FROM read_json('%s/logs/**/*.json.gz', format='newline_delimited', compression='gzip',
		               filename=true, hive_partitioning=true)
		GROUP BY ALL ORDER BY file`, dir))
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%v/%v(%v) %v n=%v first=%v", r["service"], r["dt"], r["dt_type"], r["file"], r["n"], r["first"]))
	}
	want := []string{
		"api/2026-11-22(DATE) a.json.gz n=2 first=1",
		"api/2026-11-23(DATE) b.json.gz n=1 first=3",
		"web/2026-11-23(DATE) c.json.gz n=4 first=4",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows per file:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The partition columns filter like any other.
	sql := fmt.Sprintf(`SELECT count(*)::INTEGER AS n FROM read_json('%s/logs/**/*.json.gz', hive_partitioning=true)
		WHERE service = 'api' AND dt = DATE '2026-11-23'`, dir)
	if got := single(t, sql, "n"); got != "n=1" {
		t.Errorf("partition filter: %s, want n=1", got)
	}
}

func TestQueryValueTypes(t *testing.T) {
	got := single(t, `SELECT 7 AS small, 7::BIGINT AS big, 2.5::DOUBLE AS d, 'x' AS s, NULL AS missing, [1, 2] AS list`,
		"small", "big", "d", "s", "missing", "list")
	// BIGINT travels as a string; INTEGER and DOUBLE as numbers.
	if want := "small=7 big=7 d=2.5 s=x missing=<nil> list=[1 2]"; got != want {
		t.Errorf("values %s, want %s", got, want)
	}
	rows := query(t, `SELECT 7::BIGINT AS big`)
	if _, ok := rows[0]["big"].(string); !ok {
		t.Errorf("BIGINT decoded as %T, want string", rows[0]["big"])
	}
}

func TestQueryReportsErrors(t *testing.T) {
	_, err := Query("SELECT * FROM no_such_table")
	if err == nil || !strings.Contains(err.Error(), "no_such_table") {
		t.Errorf("Query of a missing table: %v, want DuckDB's message naming it", err)
	}
	_, err = Query(fmt.Sprintf("SELECT * FROM read_json('%s/*.json.gz')", t.TempDir()))
	if err == nil || !strings.Contains(err.Error(), "No files found") {
		t.Errorf("Query of an empty glob: %v, want DuckDB's No files found", err)
	}
}

func TestQueryOutsideRepository(t *testing.T) {
	t.Chdir(t.TempDir())
	if _, err := Query("SELECT 1"); err == nil || !strings.Contains(err.Error(), "go.mod") {
		t.Errorf("Query outside the repository: %v, want an error about go.mod", err)
	}
}
