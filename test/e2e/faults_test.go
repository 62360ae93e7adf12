package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/s3append/s3append/test/e2e/feed"
	"github.com/s3append/s3append/test/e2e/host"
)

// waitAcks polls the ack log until n entries are acknowledged OK.
func waitAcks(t *testing.T, path string, n int, log *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		ok := countOK(path)
		if ok >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d entries acknowledged\n%s", ok, n, log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The host is killed with SIGKILL after its flushes were acknowledged, once
// between flushes and once while a multipart upload is in progress; after
// a restart every acknowledged record is in the bucket exactly once and no
// upload is left open.
func TestKill9(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket": bucket, "compression": "none", "s3_key_format": "/k/$TAG/%Y%m%d/$UUID.json",
	}})
	var sent []entry
	next := int64(0)
	chunkOf := func(tag string, n int64) entry {
		e := entry{tag: tag, first: next, n: n, step: time.Millisecond}
		next += n
		sent = append(sent, e)
		return e
	}
	killAfter := func(phase string, entries []entry, ready func() bool) {
		killAfterAcks(t, cfg, filepath.Join(dir, phase+".acks"), entries, ready)
	}

	// Phase 1: small flushes, killed between flushes.
	var phase1 []entry
	for i := 0; i < 10; i++ {
		phase1 = append(phase1, chunkOf("a", 100))
	}
	killAfter("between-flushes", phase1, nil)
	if objs, _ := os.ReadDir(filepath.Join(dir, "store", bucket, "objects")); len(objs) == 0 {
		t.Fatal("nothing buffered on disk after the kill")
	}

	// Phase 2: enough for parts; killed once a multipart upload is open.
	var phase2 []entry
	for i := 0; i < 40; i++ {
		phase2 = append(phase2, chunkOf("b", 1000))
	}
	killAfter("during-upload", phase2, func() bool {
		ups, err := store.ListMultipartUploads(context.Background(), "")
		return err == nil && len(ups) > 0
	})

	// Phase 3: a clean run takes over what the killed runs left.
	code, log, _ := runHost(t, dir, cfg, []entry{chunkOf("c", 100)})
	if code != 0 {
		t.Fatalf("host exit %d\n%s", code, log)
	}
	down := filepath.Join(dir, "down")
	download(t, store, down)
	checkRecords(t, readBack(t, down+"/**/*.json", "uncompressed"), wantIDs(sent), nil)
	noOpenUploads(t, store)
}

// killAfterAcks runs the host on a piped feed of entries, waits until all
// of them are acknowledged and ready (if set) holds, then kills the host
// with SIGKILL.
func killAfterAcks(t *testing.T, cfg, acks string, entries []entry, ready func() bool) {
	t.Helper()
	var log bytes.Buffer
	cmd := hostCmd(host.Run{Config: cfg, Feed: "-", Acks: acks}, &log)
	stdin, w := startPiped(t, cmd)
	for _, e := range entries {
		if err := w.Write(e.tag, e.chunk()); err != nil {
			t.Fatal(err)
		}
	}
	waitAcks(t, acks, len(entries), &log)
	deadline := time.Now().Add(patience)
	for ready != nil && !ready() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: state before the kill not reached\n%s", acks, log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	stdin.Close()
	t.Logf("killed after %d acknowledged entries", len(entries))
}

// A tiny store_dir_limit_size: flushes are answered FLB_RETRY while the
// buffer is full, and every record still arrives, once.
func TestStoreLimitRetries(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket": bucket, "store_dir_limit_size": "400K", "upload_timeout": "1s",
	}})
	entries := makeEntries(16, 500, time.Millisecond, "app")
	acks, log := runOK(t, dir, cfg, entries, 1)
	retries := 0
	for _, n := range feed.Retries(acks) {
		retries += n
	}
	if retries == 0 {
		t.Fatalf("store_dir_limit_size never made a flush retry\n%s", log)
	}
	t.Logf("flushes retried %d times", retries)
	down := filepath.Join(dir, "down")
	download(t, store, down)
	checkRecords(t, readBack(t, down+"/**/*.json.gz", "gzip"), wantIDs(entries), nil)
}
