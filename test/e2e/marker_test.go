package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// With on_complete_marker, each object that landed has a JSON marker
// beside it naming its key, size and record count; markers add up to
// every record sent, and DuckDB reads the objects the markers announce.
func TestCompletionMarkersE2E(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	entries := makeEntries(12, 500, 10*time.Millisecond, "kube.a", "kube.b", "kube.c")
	cfg := writeConfig(t, dir, output{match: "kube.*", workers: 2, opts: map[string]string{
		"bucket":             bucket,
		"on_complete_marker": ".done",
		"s3_key_format":      "/m/$TAG/%Y/%m/%d/$UUID.json.gz",
	}})
	runOK(t, dir, cfg, entries, 1)
	objs, err := store.ListObjects(context.Background(), "m/")
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[string]int64{}
	var markers []string
	for _, o := range objs {
		if strings.HasSuffix(o.Key, ".done") {
			markers = append(markers, o.Key)
		} else {
			sizes[o.Key] = o.Size
		}
	}
	if len(sizes) != 3 || len(markers) != len(sizes) {
		t.Fatalf("%d objects and %d markers, want one object per tag, each with its marker: %v", len(sizes), len(markers), markers)
	}
	total := int64(0)
	for _, key := range markers {
		body, meta, err := store.GetObject(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Key     string `json:"key"`
			Size    int64  `json:"size"`
			Records *int64 `json:"records"`
			Format  string `json:"format"`
		}
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("marker %s: %v: %s", key, err, body)
		}
		size, ok := sizes[m.Key]
		if !ok || m.Key+".done" != key || m.Size != size || m.Records == nil || m.Format != "json_lines" || meta.ContentType != "application/json" {
			t.Fatalf("marker %s says %s (Content-Type %q), object sizes %v", key, body, meta.ContentType, sizes)
		}
		total += *m.Records
	}
	if total != 12*500 {
		t.Fatalf("markers count %d records, %d were sent", total, 12*500)
	}
	down := filepath.Join(dir, "down")
	download(t, store, down)
	checkRecords(t, readBack(t, down+"/m/*/*/*/*/*.json.gz", "gzip"), wantIDs(entries), nil)
	noOpenUploads(t, store)
}
