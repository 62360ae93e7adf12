package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/s3append/s3append/test/datagen"
	"github.com/s3append/s3append/test/e2e/faultproxy"
	"github.com/s3append/s3append/test/e2e/feed"
)

// outputFormat is one of the encodings the throughput runs compare.
type outputFormat struct {
	name    string
	options string // config lines
	ext     string
	bucket  string
}

var throughputFormats = []outputFormat{
	{"json_lines+gzip", "compression gzip", ".json.gz", "bench-gzip"},
	{"json_lines+zstd", "compression zstd", ".json.zst", "bench-zstd"},
	{"parquet+zstd", "format parquet", ".parquet", "bench-parquet"},
}

// throughputTags spread the records over a few tags, as a node's tail
// input spreads them over its containers' files.
const throughputTags = 8

// e2eRow is one throughput run's figures.
type e2eRow struct {
	name             string
	records, inBytes int64
	rawText          int64
	run              hostRun
	objects, parts   int64
	outBytes         int64
}

var (
	k8sOnce   sync.Once
	k8sChunks [][]byte
	k8sText   int64
)

// kubernetesChunks generates the throughput runs' input once: Kubernetes
// container logs with full metadata, in chunks of about 2 MB.
func kubernetesChunks(records int) ([][]byte, int64) {
	k8sOnce.Do(func() { k8sChunks, k8sText = datagen.Chunks(datagen.Kubernetes, 1, records, 2<<20) })
	return k8sChunks, k8sText
}

// throughput sends records through the plugin in format f with
// sync always, two workers and time-partitioned keys, and counts what
// landed in the bucket.
func throughput(env *benchEnv, f outputFormat, records int) (e2eRow, error) {
	chunks, text := kubernetesChunks(records)
	landed, err := countedRun(env, f.bucket, "/$TAG/%Y/%m/%d/%H/$UUID"+f.ext,
		"    sync              always\n    shutdown_timeout  1h\n    "+f.options+"\n",
		feedInTurns(chunks, func(i int) string { return fmt.Sprintf("kube.app-%d", i%throughputTags) }))
	if err != nil {
		return e2eRow{}, err
	}
	row := e2eRow{name: f.name, records: int64(records), inBytes: landed.run.inBytes, rawText: text, run: landed.run,
		objects: landed.objects, parts: landed.parts, outBytes: landed.outBytes}
	if row.objects == 0 {
		return row, fmt.Errorf("no object landed in %s", f.bucket)
	}
	return row, nil
}

// landedRun is what one counted run of the host cost and left in its
// bucket.
type landedRun struct {
	run                      hostRun
	objects, parts, outBytes int64
}

// countedRun runs the host with one output into a bucket of its own,
// behind a proxy that only counts the requests, feeding what feedChunks
// writes, and counts the objects, the parts (UploadPart and PutObject
// requests) and the bytes that landed.
func countedRun(env *benchEnv, bucket, keyFormat, extra string, feedChunks func(w *feed.Writer) (int64, error)) (landedRun, error) {
	store, err := env.srv.Store(bucket)
	if err != nil {
		return landedRun{}, err
	}
	if err := store.CreateBucket(context.Background()); err != nil {
		return landedRun{}, err
	}
	proxy, err := faultproxy.Start(env.srv.Endpoint, faultproxy.Config{})
	if err != nil {
		return landedRun{}, err
	}
	defer proxy.Close()
	dir := filepath.Join(env.work, bucket)
	config := outputConfig(env, bucket, proxy.URL, filepath.Join(dir, "buffer"), keyFormat, extra)
	run, err := runHost(env, dir, config, feedChunks)
	if err != nil {
		return landedRun{}, err
	}
	l := landedRun{run: run}
	objs, err := store.ListObjects(context.Background(), "")
	if err != nil {
		return landedRun{}, err
	}
	for _, o := range objs {
		l.objects++
		l.outBytes += o.Size
	}
	ops := proxy.Stats().ByOperation
	l.parts = ops["UploadPart"].Forwarded + ops["PutObject"].Forwarded
	return l, nil
}

// feedInTurns feeds chunks in order, chunk i under tag(i).
func feedInTurns(chunks [][]byte, tag func(i int) string) func(w *feed.Writer) (int64, error) {
	return func(w *feed.Writer) (int64, error) {
		var n int64
		for i, c := range chunks {
			if err := w.Write(tag(i), c); err != nil {
				return n, err
			}
			n += int64(len(c))
		}
		return n, nil
	}
}
