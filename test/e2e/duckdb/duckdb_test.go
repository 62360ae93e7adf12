package duckdb

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The reads the end-to-end tests rely on: newline-delimited JSON, plain,
// gzip (also as concatenated members) and zstd (also as concatenated
// frames), globbing, file names and hive partitions.
func TestReads(t *testing.T) {
	dir := t.TempDir()
	lines := "{\"id\":1,\"s\":\"a\"}\n{\"id\":2,\"s\":\"b\"}\n"
	write(t, filepath.Join(dir, "plain", "svc=x", "a.json"), []byte(lines))

	var gz bytes.Buffer
	for i := 0; i < 2; i++ { // two members, as parts of one object are
		w := gzip.NewWriter(&gz)
		w.Write([]byte(lines))
		w.Close()
	}
	write(t, filepath.Join(dir, "gz", "d", "a.json.gz"), gz.Bytes())

	var zs bytes.Buffer
	for i := 0; i < 2; i++ { // two frames
		w, _ := zstd.NewWriter(&zs)
		w.Write([]byte(lines))
		w.Close()
	}
	write(t, filepath.Join(dir, "zst", "a.json.zst"), zs.Bytes())

	for _, c := range []struct {
		glob, compression string
		want              string
	}{
		{dir + "/plain/**/*.json", "uncompressed", "2"},
		{dir + "/gz/**/*.json.gz", "gzip", "4"},
		{dir + "/zst/*.json.zst", "zstd", "4"},
	} {
		rows, err := Query("SELECT count(*)::VARCHAR AS n, sum(id)::INTEGER AS s, min(filename) AS f FROM read_json('" +
			c.glob + "', format='newline_delimited', compression='" + c.compression + "', filename=true)")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0]["n"] != c.want || !strings.HasPrefix(rows[0]["f"].(string), dir) {
			t.Fatalf("%s: %v, want %s rows", c.glob, rows, c.want)
		}
	}
	rows, err := Query("SELECT DISTINCT svc FROM read_json('" + dir + "/plain/*/*.json', hive_partitioning=true)")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0]["svc"] != "x" {
		t.Fatalf("hive partition column: %v", rows)
	}
}

func TestQueryErrorIsReported(t *testing.T) {
	if _, err := Query("SELECT * FROM no_such_table"); err == nil || !strings.Contains(err.Error(), "no_such_table") {
		t.Fatalf("error: %v", err)
	}
}
