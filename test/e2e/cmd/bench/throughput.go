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
	bucket := f.bucket
	store, err := env.srv.Store(bucket)
	if err != nil {
		return e2eRow{}, err
	}
	if err := store.CreateBucket(context.Background()); err != nil {
		return e2eRow{}, err
	}
	// The proxy only counts requests: it injects nothing.
	proxy, err := faultproxy.Start(env.srv.Endpoint, faultproxy.Config{})
	if err != nil {
		return e2eRow{}, err
	}
	defer proxy.Close()
	dir := filepath.Join(env.work, bucket)
	config := outputConfig(env, bucket, proxy.URL, filepath.Join(dir, "buffer"),
		"/$TAG/%Y/%m/%d/%H/$UUID"+f.ext,
		"    sync              always\n    shutdown_timeout  1h\n    "+f.options+"\n")
	run, err := runHost(env, dir, config, func(w *feed.Writer) (int64, error) {
		var n int64
		for i, c := range chunks {
			if err := w.Write(fmt.Sprintf("kube.app-%d", i%throughputTags), c); err != nil {
				return n, err
			}
			n += int64(len(c))
		}
		return n, nil
	})
	if err != nil {
		return e2eRow{}, err
	}
	row := e2eRow{name: f.name, records: int64(records), inBytes: run.inBytes, rawText: text, run: run}
	objs, err := store.ListObjects(context.Background(), "")
	if err != nil {
		return e2eRow{}, err
	}
	for _, o := range objs {
		row.objects++
		row.outBytes += o.Size
	}
	ops := proxy.Stats().ByOperation
	row.parts = ops["UploadPart"].Forwarded + ops["PutObject"].Forwarded
	if row.objects == 0 {
		return row, fmt.Errorf("no object landed in %s", bucket)
	}
	return row, nil
}
