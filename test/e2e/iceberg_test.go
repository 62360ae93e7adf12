package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/s3append/s3append/test/e2e/sample"
)

// The plugin (through the host) and the sidecar write into one Iceberg
// table on a SQLite catalog, its warehouse on the local S3 server: the
// table holds every record once, read by iceberg-go's scan and by DuckDB
// over exactly the files its snapshot lists, typed as declared, each file
// in the partition of its rows; every object in the bucket is in the
// table.
func TestIcebergPluginAndSidecarOneTable(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	catalogPath := filepath.Join(dir, "catalog.db")

	// The plugin: 8,000 records over two hours and a quarter.
	pluginDir, sideDir := filepath.Join(dir, "plugin"), filepath.Join(dir, "sidecar")
	for _, d := range []string{pluginDir, sideDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	opts := icebergOptions(bucket, catalogPath)
	config := writeConfig(t, pluginDir, output{match: "*", opts: opts})
	_, log := runOK(t, pluginDir, config, makeEntries(16, 500, time.Second, "app.a"), 1)
	if !bytes.Contains([]byte(log), []byte("created table logs.app")) || !bytes.Contains([]byte(log), []byte("committed")) {
		t.Fatalf("plugin log lacks the table's creation or a commit:\n%s", log)
	}

	// The sidecar: 3,000 records over HTTP, as Vector's http sink sends.
	sideOpts := icebergOptions(bucket, catalogPath)
	delete(sideOpts, "bucket")
	p := startSidecar(t, sideDir, "  - type: http\n    listen: 127.0.0.1:0\n    time_key: timestamp\n",
		sidecarOutput("*", bucket, sideDir, sideOpts), "http.0")
	url := "http://" + p.Addr("http.0") + "/app.b"
	const sideFirst, sideN = 100000, 3000
	for first := int64(sideFirst); first < sideFirst+sideN; first += 1000 {
		var body bytes.Buffer
		for id := first; id < first+1000; id++ {
			rec := sample.Record(id)
			rec["timestamp"] = sample.Time(id-sideFirst, t0, time.Second).Format(time.RFC3339Nano)
			line, _ := json.Marshal(rec)
			body.Write(append(line, '\n'))
		}
		resp, err := http.Post(url, "application/x-ndjson", &body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST: %s", resp.Status)
		}
	}
	stopSidecar(t, p)

	tbl := loadTable(t, catalogPath)
	ids := scanIDs(t, tbl)
	want := 8000 + sideN
	if len(ids) != want {
		t.Errorf("the scan read %d distinct ids, want %d", len(ids), want)
	}
	for id, n := range ids {
		if n != 1 || !(id < 8000 || id >= sideFirst && id < sideFirst+sideN) {
			t.Errorf("id %d read %d times", id, n)
		}
	}
	files := currentFiles(t, tbl, bucket)
	var keys []string
	for _, f := range files {
		keys = append(keys, f.key)
	}
	if objs := tableObjects(t, store); !slices.Equal(keys, objs) {
		t.Errorf("the snapshot lists %d files, the bucket holds %d objects under tbl/:\n%v\n%v", len(keys), len(objs), keys, objs)
	}
	checkWithDuckDB(t, store, tbl, files, dir, want)
	noOpenUploads(t, store)
}
