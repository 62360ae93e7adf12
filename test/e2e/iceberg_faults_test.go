package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/e2e/sample"
	"github.com/s3append/s3append/test/e2e/sidecarproc"
	"github.com/s3append/s3append/test/scrape"
)

// icebergSidecar starts the sidecar with an http source and an output
// committing to the table, objects completing every second or two.
func icebergSidecar(t *testing.T, dir, bucket, catalogPath string, extra map[string]string) *sidecarproc.Proc {
	t.Helper()
	opts := icebergOptions(bucket, catalogPath)
	delete(opts, "bucket")
	opts["upload_timeout"] = "2s"
	opts["late_data_window"] = "0s"
	for k, v := range extra {
		opts[k] = v
	}
	return startSidecar(t, dir, "  - type: http\n    listen: 127.0.0.1:0\n    time_key: timestamp\n",
		sidecarOutput("*", bucket, dir, opts), "http.0")
}

// postIDs posts records first..first+n-1 as NDJSON and says whether the
// sidecar acknowledged them (200).
func postIDs(client *http.Client, url string, first, n int64) bool {
	var body bytes.Buffer
	for id := first; id < first+n; id++ {
		rec := sample.Record(id)
		rec["timestamp"] = sample.Time(id%20000, t0, time.Second).Format(time.RFC3339Nano)
		line, _ := json.Marshal(rec)
		body.Write(append(line, '\n'))
	}
	resp, err := client.Post(url, "application/x-ndjson", &body)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func metricOf(p *sidecarproc.Proc, name string) float64 {
	m, err := scrape.Get(strings.TrimPrefix(p.MetricsURL(), "http://"))
	if err != nil {
		return -1
	}
	return m.Value(name)
}

// checkTableOnce checks the table against what was acknowledged: every
// acknowledged id once, no id twice, and the snapshot listing each object
// under tbl/ exactly once.
func checkTableOnce(t *testing.T, store s3api.Store, catalogPath, bucket string, acked map[int64]bool) {
	t.Helper()
	tbl := loadTable(t, catalogPath)
	ids := scanIDs(t, tbl)
	for id := range acked {
		if ids[id] != 1 {
			t.Errorf("acknowledged id %d is in the table %d times", id, ids[id])
		}
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("id %d is in the table %d times", id, n)
		}
	}
	files := currentFiles(t, tbl, bucket)
	var keys []string
	for _, f := range files {
		keys = append(keys, f.key)
	}
	objs := tableObjects(t, store)
	if !slices.Equal(keys, objs) {
		t.Errorf("the snapshot lists %d files, the bucket holds %d objects under tbl/: a file committed twice or left out\nlisted %v\nobjects %v", len(keys), len(objs), keys, objs)
	}
	noOpenUploads(t, store)
}

// kill -9 at random moments while objects complete and are committed:
// afterwards every acknowledged record is in the table once, and every
// object is committed once (S3APPEND_ICEBERG_KILLS sets how many kills).
func TestIcebergKillLoop(t *testing.T) {
	kills := 10
	if v := os.Getenv("S3APPEND_ICEBERG_KILLS"); v != "" {
		kills, _ = strconv.Atoi(v)
	}
	dir := t.TempDir()
	bucket, store := newBucket(t)
	catalogPath := filepath.Join(dir, "catalog.db")
	acked := map[int64]bool{}
	next := int64(0)
	rng := rand.New(rand.NewPCG(7, uint64(time.Now().UnixNano())))
	committedBefore := 0.0
	for round := 0; round <= kills; round++ {
		p := icebergSidecar(t, dir, bucket, catalogPath, nil)
		url := "http://" + p.Addr("http.0") + "/app.k"
		tr := &http.Transport{}
		client := &http.Client{Transport: tr, Timeout: patience}
		// Records until an object of this run is complete in S3 and on
		// its way to the table.
		deadline := time.Now().Add(patience)
		for metricOf(p, "s3append_objects_uploaded_total") < 1 && time.Now().Before(deadline) {
			if postIDs(client, url, next, 100) {
				for id := next; id < next+100; id++ {
					acked[id] = true
				}
			}
			next += 100
		}
		tr.CloseIdleConnections()
		if round == kills {
			stopSidecar(t, p)
			break
		}
		// Somewhere between the upload and the commit, or just after it.
		time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
		committedBefore += max(metricOf(p, "s3append_iceberg_files_committed_total"), 0)
		p.Kill()
		<-p.Done()
	}
	if committedBefore == 0 {
		t.Logf("no kill came after a commit")
	}
	checkTableOnce(t, store, catalogPath, bucket, acked)
	t.Logf("%d kills, %d records acknowledged", kills, len(acked))
}

// The catalog unreachable for 30 s while records keep coming (the test
// holds an exclusive lock on its SQLite database, so every commit waits
// out its busy timeout and fails): uploads go on, commits are held and
// counted as failures, and once it is back every object is committed once.
func TestIcebergCatalogDown(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	catalogPath := filepath.Join(dir, "catalog.db")
	p := icebergSidecar(t, dir, bucket, catalogPath, map[string]string{"shutdown_timeout": "60s"})
	url := "http://" + p.Addr("http.0") + "/app.d"
	client := &http.Client{Timeout: patience}
	acked := map[int64]bool{}
	next := int64(0)
	send := func(until func() bool) {
		deadline := time.Now().Add(patience)
		for !until() && time.Now().Before(deadline) {
			if !postIDs(client, url, next, 100) {
				t.Fatalf("POST refused while the catalog is down")
			}
			for id := next; id < next+100; id++ {
				acked[id] = true
			}
			next += 100
		}
	}
	// Up: a first commit creates the table.
	send(func() bool { return metricOf(p, "s3append_iceberg_commits_total") >= 1 })
	// Down for 30 s.
	db, err := sql.Open("sqlite", "file:"+catalogPath+"?_pragma=busy_timeout(30000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	lock, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	down := time.Now()
	uploadedAtDown := metricOf(p, "s3append_objects_uploaded_total")
	commitsAtDown := metricOf(p, "s3append_iceberg_commits_total")
	send(func() bool { return time.Since(down) > 30*time.Second })
	if got := metricOf(p, "s3append_objects_uploaded_total"); got <= uploadedAtDown {
		t.Errorf("no upload while the catalog was down (%v, then %v)", uploadedAtDown, got)
	}
	failures, waiting := metricOf(p, "s3append_iceberg_commit_failures_total"), metricOf(p, "s3append_iceberg_uncommitted_objects")
	if failures < 1 || waiting < 1 || metricOf(p, "s3append_iceberg_commits_total") != commitsAtDown {
		t.Errorf("while down: failures %v, waiting %v, commits %v (%v before)", failures, waiting, metricOf(p, "s3append_iceberg_commits_total"), commitsAtDown)
	}
	if !strings.Contains(p.Log(), "commits are held") {
		t.Errorf("the log does not say commits are held")
	}
	// Back.
	if _, err := lock.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	lock.Close()
	waitFor(t, "the waiting objects committed", func() bool {
		return metricOf(p, "s3append_iceberg_uncommitted_objects") == 0
	})
	if err := p.Stop(); err != nil {
		t.Fatalf("exit: %v\n%s", err, tail(p.Log(), 40))
	}
	checkTableOnce(t, store, catalogPath, bucket, acked)
}
