package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/s3append/s3append/test/e2e/host"
)

// Four writers, two plugin instances in two hosts and two sidecars, commit
// to one table at once for a minute (S3APPEND_ICEBERG_WRITERS_SECONDS):
// every acknowledged record is in the table once, every object committed
// once, and the conflicts between them counted.
func TestIcebergFourWriters(t *testing.T) {
	seconds := 60
	if v := os.Getenv("S3APPEND_ICEBERG_WRITERS_SECONDS"); v != "" {
		seconds, _ = strconv.Atoi(v)
	}
	dir := t.TempDir()
	bucket, store := newBucket(t)
	catalogPath := filepath.Join(dir, "catalog.db")
	end := time.Now().Add(time.Duration(seconds) * time.Second)

	var mu sync.Mutex
	acked := map[int64]bool{}
	ack := func(first, n int64) {
		mu.Lock()
		for id := first; id < first+n; id++ {
			acked[id] = true
		}
		mu.Unlock()
	}
	var wg sync.WaitGroup

	// Two hosts, each feeding chunks of 200 records until the end.
	for h := 0; h < 2; h++ {
		hdir := filepath.Join(dir, fmt.Sprint("host", h))
		os.MkdirAll(hdir, 0o755)
		opts := icebergOptions(bucket, catalogPath)
		opts["upload_timeout"] = "2s"
		opts["late_data_window"] = "0s"
		cfg := writeConfig(t, hdir, output{match: "*", opts: opts})
		acks := filepath.Join(hdir, "acks.log")
		var log bytes.Buffer
		cmd := hostCmd(host.Run{Config: cfg, Feed: "-", Acks: acks}, &log)
		stdin, w := startPiped(t, cmd)
		wg.Add(1)
		go func(h int) {
			defer wg.Done()
			base := int64(h+1) * 1_000_000
			n := 0
			for i := int64(0); time.Now().Before(end); i++ {
				e := entry{tag: "app.h", first: base + i*200, n: 200, step: 50 * time.Millisecond}
				if err := w.Write(e.tag, e.chunk()); err != nil {
					t.Errorf("host %d: %v", h, err)
					return
				}
				n++
				// The host acknowledges every chunk; its acks are read
				// after it exits.
				ack(e.first, e.n)
				time.Sleep(20 * time.Millisecond)
			}
			stdin.Close()
			if err := cmd.Wait(); err != nil {
				t.Errorf("host %d: %v\n%s", h, err, log.String())
			}
			waitAcks(t, acks, n, &log)
		}(h)
	}

	// Two sidecars, each posting batches of 200 until the end.
	var conflicts [2]float64
	for s := 0; s < 2; s++ {
		sdir := filepath.Join(dir, fmt.Sprint("sidecar", s))
		os.MkdirAll(sdir, 0o755)
		p := icebergSidecar(t, sdir, bucket, catalogPath, nil)
		url := "http://" + p.Addr("http.0") + "/app.s"
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			client := &http.Client{Timeout: patience}
			base := int64(s+3) * 1_000_000
			for i := int64(0); time.Now().Before(end); i++ {
				if !postIDs(client, url, base+i*200, 200) {
					t.Errorf("sidecar %d refused a batch", s)
					return
				}
				ack(base+i*200, 200)
				time.Sleep(20 * time.Millisecond)
			}
			conflicts[s] = metricOf(p, "s3append_iceberg_commit_conflicts_total")
			if err := p.Stop(); err != nil {
				t.Errorf("sidecar %d: %v\n%s", s, err, tail(p.Log(), 30))
			}
		}(s)
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	checkTableOnce(t, store, catalogPath, bucket, acked)
	t.Logf("%d records from four writers; the sidecars met %v conflicts", len(acked), conflicts)
}
