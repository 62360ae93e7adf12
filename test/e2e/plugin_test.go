package e2e

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// hourOf is the hour of a record's event time as rendered in keys.
func hourOf(l landed) string { return l.Date[11:13] }

// Two tags, records spanning two hours, Workers 2: each record lands once,
// in the object of its own tag and event hour, and every field reads back.
func TestChunksToObjects(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	// 250 records a chunk, 1.5 s apart: the feed spans 09:40 to 13:50.
	entries := makeEntries(40, 250, 1500*time.Millisecond, "app.web.log", "app.db.log")
	cfg := writeConfig(t, dir, output{match: "app.*", workers: 2, opts: map[string]string{
		"bucket":        bucket,
		"s3_key_format": "/e2e/$TAG[1]/%Y/%m/%d/%H/$UUID.json.gz",
	}})
	runOK(t, dir, cfg, entries, 1)
	down := filepath.Join(dir, "down")
	keys := download(t, store, down)
	keyRe := regexp.MustCompile(`^e2e/(web|db)/2026/11/22/(\d\d)/[0-9a-f-]{36}\.json\.gz$`)
	hours := map[string]bool{}
	for _, k := range keys {
		m := keyRe.FindStringSubmatch(k)
		if m == nil {
			t.Fatalf("key %q not as templated", k)
		}
		hours[m[2]] = true
	}
	if len(hours) < 2 {
		t.Fatalf("records spanning hours landed in hours %v", hours)
	}
	want := wantIDs(entries)
	got := readBack(t, down+"/**/*.json.gz", "gzip")
	checkRecords(t, got, want, func(l landed) {
		m := keyRe.FindStringSubmatch(strings.TrimPrefix(filepath.ToSlash(l.File), filepath.ToSlash(down)+"/"))
		if m == nil {
			t.Fatalf("record %d in unexpected file %s", l.ID, l.File)
		}
		if wantTag := []string{"web", "db"}[(l.ID/250)%2]; m[1] != wantTag {
			t.Fatalf("record %d of tag %s landed under %s", l.ID, wantTag, m[1])
		}
		if m[2] != hourOf(l) {
			t.Fatalf("record %d of hour %s landed in the object of hour %s", l.ID, hourOf(l), m[2])
		}
	})
	noOpenUploads(t, store)
}

// The configuration of the design's "done means": two s3append outputs,
// two tags, workers 2 each.
func TestTwoInstances(t *testing.T) {
	dir := t.TempDir()
	bucketA, storeA := newBucket(t)
	bucketB, storeB := newBucket(t)
	entries := makeEntries(30, 200, time.Second, "web", "db")
	cfg := writeConfig(t, dir,
		output{match: "web", workers: 2, opts: map[string]string{"bucket": bucketA, "s3_key_format": "/a/$TAG/%Y%m%d/$UUID.json.gz"}},
		output{match: "db", workers: 2, opts: map[string]string{"bucket": bucketB, "s3_key_format": "/b/$TAG/%Y%m%d/$UUID.json.gz"}},
	)
	code, log, acks := runHost(t, dir, cfg, entries)
	if code != 0 {
		t.Fatalf("host exit %d\n%s", code, log)
	}
	var webIDs, dbIDs []entry
	for i, e := range entries {
		if i%2 == 0 {
			webIDs = append(webIDs, e)
		} else {
			dbIDs = append(dbIDs, e)
		}
	}
	// Each instance acknowledged exactly the entries routed to it.
	final := map[[2]int]bool{}
	for _, a := range acks {
		if a.Kind == "OK" {
			final[[2]int{a.Instance, int(a.Seq)}] = true
		}
	}
	for i := range entries {
		inst := i % 2
		if !final[[2]int{inst, i}] || final[[2]int{1 - inst, i}] {
			t.Fatalf("entry %d: acks %v", i, acks)
		}
	}
	downA, downB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, k := range download(t, storeA, downA) {
		if !strings.HasPrefix(k, "a/web/20261122/") {
			t.Fatalf("bucket A has key %s", k)
		}
	}
	for _, k := range download(t, storeB, downB) {
		if !strings.HasPrefix(k, "b/db/20261122/") {
			t.Fatalf("bucket B has key %s", k)
		}
	}
	checkRecords(t, readBack(t, downA+"/**/*.json.gz", "gzip"), wantIDs(webIDs), nil)
	checkRecords(t, readBack(t, downB+"/**/*.json.gz", "gzip"), wantIDs(dbIDs), nil)
	noOpenUploads(t, storeA)
	noOpenUploads(t, storeB)
}

func TestCompressions(t *testing.T) {
	for _, c := range []struct{ name, ext, duck string }{
		{"zstd", ".json.zst", "zstd"},
		{"none", ".json", "uncompressed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			bucket, store := newBucket(t)
			entries := makeEntries(6, 300, time.Second, "app")
			cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{"bucket": bucket, "compression": c.name}})
			runOK(t, dir, cfg, entries, 1)
			down := filepath.Join(dir, "down")
			for _, k := range download(t, store, down) {
				if !strings.HasPrefix(k, "fluent-bit-logs/app/2026/11/22/") || !strings.HasSuffix(k, c.ext) {
					t.Fatalf("default key %q for compression %s", k, c.name)
				}
			}
			checkRecords(t, readBack(t, down+"/**/*"+c.ext, c.duck), wantIDs(entries), nil)
		})
	}
}

// Enough records for an object of several parts: they go up while the
// object is open and the last one at exit; the object reads back whole.
func TestMultipartObject(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	entries := makeEntries(60, 1000, 10*time.Millisecond, "big")
	cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket": bucket, "compression": "none", "upload_chunk_size": "5M",
		"s3_key_format": "/big/%Y/%m/%d/$UUID.json",
	}})
	runOK(t, dir, cfg, entries, 1)
	down := filepath.Join(dir, "down")
	keys := download(t, store, down)
	if len(keys) != 1 {
		t.Fatalf("%d objects, want 1: %v", len(keys), keys)
	}
	etag := objectETag(t, bucket, keys[0])
	if !regexp.MustCompile(`-[3-9]"?$`).MatchString(etag) {
		t.Fatalf("object ETag %s: want a multipart object of at least 3 parts", etag)
	}
	checkRecords(t, readBack(t, down+"/**/*.json", "uncompressed"), wantIDs(entries), nil)
	noOpenUploads(t, store)
}

// A configuration with several mistakes fails Init, naming each option.
func TestInvalidConfigFailsInit(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket": "b", "upload_chunk_size": "1M", "compression": "lz4", "format": "avro",
	}})
	code, log, _ := runHost(t, dir, cfg, []entry{{tag: "x", first: 0, n: 1, step: time.Second}})
	if code != 1 {
		t.Fatalf("host exit %d, want 1\n%s", code, log)
	}
	for _, opt := range []string{"upload_chunk_size", "compression", "format"} {
		if !strings.Contains(log, "configuration: "+opt) {
			t.Errorf("log does not name %s:\n%s", opt, log)
		}
	}
}

// Two outputs pointed at the same buffer directory would corrupt it: the
// second one fails Init with a message saying why.
func TestSharedStoreDirIsRefused(t *testing.T) {
	dir := t.TempDir()
	bucket, _ := newBucket(t)
	cfg := writeConfig(t, dir,
		output{match: "a", opts: map[string]string{"bucket": bucket}},
		output{match: "b", opts: map[string]string{"bucket": bucket}},
	)
	code, log, _ := runHost(t, dir, cfg, []entry{{tag: "a", first: 0, n: 1, step: time.Second}})
	if code != 1 {
		t.Fatalf("host exit %d, want 1\n%s", code, log)
	}
	if !strings.Contains(log, "in use by another s3append instance") {
		t.Fatalf("no clear message:\n%s", log)
	}
}
