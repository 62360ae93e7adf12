package e2e

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/datagen"
	"github.com/s3append/s3append/test/e2e/duckdb"
)

// putAccessLogs writes objects of S3 server access log lines from the
// generator into store under prefix, named as S3 names them
// (prefixYYYY-mm-DD-HH-MM-SS-UniqueString), and returns the lines'
// request ids and status codes.
func putAccessLogs(t *testing.T, store s3api.Store, prefix string, objects, lines int) map[string]int {
	t.Helper()
	g := datagen.New(datagen.S3Access, 7)
	sent := map[string]int{}
	for o := 0; o < objects; o++ {
		var b bytes.Buffer
		var first time.Time
		for i := 0; i < lines; i++ {
			tm, rec := g.Next()
			if i == 0 {
				first = tm
			}
			b.WriteString(g.Text())
			b.WriteByte('\n')
			status, _ := strconv.Atoi(fmt.Sprint(rec["http_status"]))
			sent[fmt.Sprint(rec["request_id"])] = status
		}
		key := fmt.Sprintf("%s%s-%016X", prefix, first.UTC().Format("2006-01-02-15-04-05"), o)
		if err := store.PutObject(context.Background(), key, b.Bytes(), s3api.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return sent
}

// Access-log objects in a bucket are converted to Parquet with the
// shipped schema, partitioned by request time in a zone that is not UTC:
// DuckDB finds every line once, its columns typed, each in the partition
// of its request time.
func TestSidecarS3AccessLogsToParquet(t *testing.T) {
	dir := t.TempDir()
	srcBucket, srcStore := newBucket(t)
	bucket, store := newBucket(t)
	const objects, perObject = 12, 1500
	sent := putAccessLogs(t, srcStore, "logs/", objects, perObject)
	sourceYAML := fmt.Sprintf(`  - type: s3_access_logs
    bucket: %s
    prefix: logs/
    region: %s
    endpoint: %s
    use_path_style: true
    checksum: when_required
    store_dir: %s
    poll_interval: 1s
    batch_lines: 1000
`, srcBucket, server.Region, server.Endpoint, filepath.Join(dir, "source"))
	p := startSidecar(t, dir, sourceYAML, sidecarOutput("*", bucket, dir, map[string]string{
		"format": "parquet", "compression": "zstd", "parquet_schema": "s3_access_logs",
		"time_zone":     "America/New_York",
		"s3_key_format": "/access/dt=%Y-%m-%d/hour=%H/$UUID.parquet",
	}), "s3_access_logs.0")
	waitFor(t, "every line taken", func() bool { return sourceRecords(t, p, "s3_access_logs.0") == int64(objects*perObject) })
	stopSidecar(t, p)

	down := filepath.Join(dir, "landed")
	download(t, store, down)
	rows, err := duckdb.Query(fmt.Sprintf(`
SELECT count(*) AS n, count(DISTINCT request_id) AS ids,
       count(*) FILTER (WHERE (hour(time) + 24 - 5) %% 24 = CAST(hour AS INTEGER)) AS in_zone_hour,
       any_value(typeof(http_status)) AS status_type, any_value(typeof(bytes_sent)) AS bytes_type,
       any_value(typeof(time)) AS time_type
FROM read_parquet('%s/access/**/*.parquet', hive_partitioning=true)`, down))
	if err != nil {
		t.Fatal(err)
	}
	r := rows[0]
	want := objects * perObject
	if fmt.Sprint(r["n"]) != strconv.Itoa(want) || fmt.Sprint(r["ids"]) != strconv.Itoa(want) {
		t.Errorf("read back %v; want %d lines, each once", r, want)
	}
	if fmt.Sprint(r["in_zone_hour"]) != strconv.Itoa(want) {
		t.Errorf("%v of %d records are in the hour partition of their request time in America/New_York (UTC-5 in November)", r["in_zone_hour"], want)
	}
	if r["status_type"] != "BIGINT" || r["bytes_type"] != "BIGINT" || r["time_type"] == "VARCHAR" {
		t.Errorf("column types %v / %v / %v; want BIGINT, BIGINT and a timestamp", r["status_type"], r["bytes_type"], r["time_type"])
	}
	statuses, err := duckdb.Query(fmt.Sprintf(`SELECT request_id, http_status FROM read_parquet('%s/access/**/*.parquet')`, down))
	if err != nil {
		t.Fatal(err)
	}
	wrong := 0
	for _, s := range statuses {
		if st, ok := sent[fmt.Sprint(s["request_id"])]; !ok || fmt.Sprint(st) != fmt.Sprint(s["http_status"]) {
			wrong++
		}
	}
	if wrong > 0 {
		t.Errorf("%d records differ from the lines sent in request_id or http_status", wrong)
	}
	noOpenUploads(t, store)
}
