package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/s3append/s3append/test/datagen"
)

// The sidecar runs and the plugin run they are compared with send the
// same records: datagen's compact Kubernetes container logs (pod,
// namespace, container and node; about 420 B of msgpack, 480 B of JSON),
// the data set nearest the ~300 B records the per-record targets are
// stated for. Each protocol's client converts them once into its own
// messages, so that sending costs the bench process little.
const (
	sidecarSet  = datagen.KubernetesCompact
	sidecarSeed = 5
	// sidecarPool is how many distinct records the runs cycle through:
	// converting millions of records to gzip NDJSON would take longer
	// than sending them. Batches never straddle the end of the pool: it
	// is a multiple of every protocol's batch size.
	sidecarPool = 200_000
)

// sidecarTags spread the records over tags as the plugin's throughput
// runs do (the lines source has one tag, the otlp source its own).
const sidecarTags = throughputTags

func sidecarTag(batch int) string { return fmt.Sprintf("kube.app-%d", batch%sidecarTags) }

// poolRecords calls fn with each record of the pool, in order, with its
// event time.
func poolRecords(fn func(i int, t time.Time, record map[string]any)) {
	g := datagen.New(sidecarSet, sidecarSeed)
	for i := range sidecarPool {
		t, r := g.Next()
		fn(i, t, r)
	}
}

var (
	poolTextOnce  sync.Once
	poolTextBytes int64
)

// poolText is the size of the pool's records as raw text lines (the CRI
// lines "<time> <stream> F <log>" and a newline each), for the "×
// smaller than text" column.
func poolText() int64 {
	poolTextOnce.Do(func() {
		g := datagen.New(sidecarSet, sidecarSeed)
		for range sidecarPool {
			g.Next()
			poolTextBytes += int64(len(g.Text()) + 1)
		}
	})
	return poolTextBytes
}

// rawTextOf is the raw text size of records records cycled through the
// pool (approximated pro rata within a partial cycle).
func rawTextOf(records int64) int64 {
	return int64(float64(poolText()) * float64(records) / sidecarPool)
}

// batchesOf is how many batches of size each make at least records.
func batchesOf(records, size int) int { return (records + size - 1) / size }
