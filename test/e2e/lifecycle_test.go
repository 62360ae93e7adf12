package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/test/e2e/duckdb"
	"github.com/s3append/s3append/test/e2e/feed"
	"github.com/s3append/s3append/test/e2e/host"
	"github.com/s3append/s3append/test/e2e/s3server"
)

// A record field too long for the server's file names makes a key the
// server refuses for good. Its records go to the dead letters with the
// reason, and the objects of the other services land on time: one refused
// key holds no upload worker.
func TestRefusedKeyGoesToDeadLettersE2E(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket":         bucket,
		"s3_key_format":  "/hol/svc=$RECORD['service']/$UUID.json.gz",
		"upload_timeout": "1s",
		"upload_workers": "2",
	}})
	long := strings.Repeat("s", 300)
	var chunks [][]byte
	chunks = append(chunks, serviceRecords(long, 0, 3))
	for i := 0; i < 10; i++ {
		chunks = append(chunks, serviceRecords(fmt.Sprintf("ok%d", i), int64(100+i), 1))
	}
	feedPath := filepath.Join(dir, "feed.bin")
	var buf bytes.Buffer
	w := feed.NewWriter(&buf)
	for _, c := range chunks {
		if err := w.Write("app", c); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(feedPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	cmd := hostCmd(host.Run{Config: cfg, Feed: feedPath, Acks: filepath.Join(dir, "acks"), RetryBase: 20 * time.Millisecond}, &log)
	if err := cmd.Run(); err != nil {
		t.Fatalf("host: %v\n%s", err, log.String())
	}
	down := filepath.Join(dir, "down")
	keys := download(t, store, down)
	okObjects := 0
	for _, k := range keys {
		if strings.HasPrefix(k, "hol/svc=ok") {
			okObjects++
		}
		if strings.Contains(k, long) {
			t.Fatalf("an object of the refused key landed: %s", k)
		}
	}
	if okObjects != 10 {
		t.Fatalf("%d objects of the other services landed, want 10: %v", okObjects, keys)
	}
	rows, err := duckdb.Query(fmt.Sprintf(`
SELECT count(*)::VARCHAR AS n, count(DISTINCT id)::VARCHAR AS ids
FROM read_json('%s/hol/*/*.json.gz', format='newline_delimited', compression='gzip', columns={id: 'BIGINT'})`, down))
	if err != nil {
		t.Fatal(err)
	}
	if rows[0]["n"] != "10" || rows[0]["ids"] != "10" {
		t.Fatalf("DuckDB read %v rows of the other services, want 10 distinct", rows[0])
	}
	dead, err := duckdb.Query(fmt.Sprintf(`
SELECT reason, tag FROM read_json('%s/s3append-dead-letter/**/*.json.gz', format='newline_delimited', compression='gzip')`, down))
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 3 {
		t.Fatalf("%d dead letters, want the 3 records of the refused key", len(dead))
	}
	for _, d := range dead {
		if r := fmt.Sprint(d["reason"]); !strings.Contains(r, "refuses the object key") || d["tag"] != "app" {
			t.Fatalf("dead letter %v does not say the key was refused", d)
		}
	}
	if !strings.Contains(log.String(), "dead-letter prefix") {
		t.Fatalf("no log line for the refused key:\n%s", log.String())
	}
	noOpenUploads(t, store)
}

// serviceRecords is a chunk of n records of one service, with ids from
// first.
func serviceRecords(service string, first, n int64) []byte {
	var b []byte
	for i := int64(0); i < n; i++ {
		b = format.AppendEvent(b, t0.Add(time.Duration(i)*time.Millisecond), nil, map[string]any{
			"id": first + i, "service": service, "log": "line",
		})
	}
	return b
}

// A thousand open objects, sealed during an S3 outage and at exit while
// the upload workers are busy: every record lands exactly once, read back
// by DuckDB, no upload is left open, and the log has no error line.
func TestManyOpenObjectsThroughAnOutageE2E(t *testing.T) {
	for _, tc := range []struct {
		name, key string
		opts      map[string]string
	}{
		{"json_lines", "/many/$TAG/$UUID.json.gz", nil},
		{"parquet", "/many/$TAG/$UUID.parquet", map[string]string{"format": "parquet"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const objects = 1000
			dir := t.TempDir()
			srv := s3server.StartForTest(t)
			store, err := srv.Store("many")
			if err != nil {
				t.Fatal(err)
			}
			if err := store.CreateBucket(t.Context()); err != nil {
				t.Fatal(err)
			}
			opts := map[string]string{
				"bucket": "many", "endpoint": srv.Endpoint, "s3_key_format": tc.key,
				"upload_timeout": "2s", "max_open_objects": "2000",
			}
			for k, v := range tc.opts {
				opts[k] = v
			}
			cfg := writeConfig(t, dir, output{match: "*", opts: opts})
			tags := make([]string, objects)
			for i := range tags {
				tags[i] = fmt.Sprintf("t%04d", i)
			}
			entries := makeEntries(3*objects, 5, time.Millisecond, tags...)
			acks := filepath.Join(dir, "acks")
			log := &lockedLog{}
			cmd := hostCmd(host.Run{Config: cfg, Feed: "-", Acks: acks, RetryBase: 20 * time.Millisecond}, nil)
			cmd.Stdout, cmd.Stderr = log, log
			stdin, w := startPiped(t, cmd)
			send := func(es []entry) {
				for _, e := range es {
					if err := w.Write(e.tag, e.chunk()); err != nil {
						t.Fatal(err)
					}
				}
			}
			send(entries[:objects])
			poll(t, "the first thousand entries acknowledged", log, func() bool { return countOK(acks) == objects })
			if err := srv.Stop(); err != nil {
				t.Fatal(err)
			}
			send(entries[objects : 2*objects])
			poll(t, "uploads failing while the server is away", log, func() bool {
				return countOK(acks) == 2*objects && strings.Contains(log.String(), "retrying")
			})
			if err := srv.Restart(); err != nil {
				t.Fatal(err)
			}
			send(entries[2*objects:]) // open at exit
			stdin.Close()
			if err := cmd.Wait(); err != nil {
				t.Fatalf("host: %v\n%s", err, log.String())
			}
			if lines := errorLines(log.String()); lines != "" {
				t.Fatalf("error lines after an outage and a clean exit:\n%s", lines)
			}
			down := filepath.Join(dir, "down")
			if tc.name == "parquet" {
				downloadParquet(t, store, down)
				want := wantIDs(entries)
				checkParquetRecords(t, readParquet(t, down+"/many/*/*.parquet"), want, want, false)
			} else {
				download(t, store, down)
				checkRecords(t, readBack(t, down+"/many/*/*.json.gz", "gzip"), wantIDs(entries), nil)
			}
			noOpenUploads(t, store)
		})
	}
}

// errorLines are the lines of a log at level error.
func errorLines(log string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "[error]") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
