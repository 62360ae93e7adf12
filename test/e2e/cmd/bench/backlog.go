package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/s3append/s3append/test/datagen"
	"github.com/s3append/s3append/test/e2e/feed"
)

// backlogRow is one run of the backlog scenario.
type backlogRow struct {
	name    string
	run     hostRun
	objects int64
}

// backlogPool is how much distinct data the backlog input cycles
// through: generating all of it would take longer than the runs.
const backlogPool = 256 << 20

// backlog measures memory with many open objects and a large backlog, in
// two runs of the host over one buffer directory:
//
//  1. the S3 server is down; size bytes of records arrive under `objects`
//     tags, each its own object, and the host exits leaving all of it
//     buffered (shutdown_timeout 0);
//  2. the server is back; the plugin recovers the backlog at start, and
//     completes and uploads every object before it exits.
func backlog(env *benchEnv, size int64, objects int) ([]backlogRow, error) {
	// Each object gets a few chunks, up to Fluent Bit's usual size.
	chunkSize := int(min(max(size/int64(objects)/4, 16<<10), 1<<20))
	pool, _ := datagen.Chunks(datagen.Kubernetes, 2, int(min(size, backlogPool)/900)+100, chunkSize)
	const bucket = "bench-backlog"
	store, err := env.srv.Store(bucket)
	if err != nil {
		return nil, err
	}
	if err := store.CreateBucket(context.Background()); err != nil {
		return nil, err
	}
	dir := filepath.Join(env.work, bucket)
	config := func(shutdown string) string {
		return outputConfig(env, bucket, env.srv.Endpoint, filepath.Join(dir, "buffer"),
			"/backlog/$TAG/$UUID.json.gz",
			"    compression       gzip\n    total_file_size   1G\n    shutdown_timeout  "+shutdown+"\n")
	}

	if err := env.srv.Stop(); err != nil {
		return nil, err
	}
	down, err := runHost(env, filepath.Join(dir, "down"), config("0s"), func(w *feed.Writer) (int64, error) {
		var n int64
		for i := 0; n < size; i++ {
			c := pool[i%len(pool)]
			if err := w.Write(fmt.Sprintf("app.%04d", i%objects), c); err != nil {
				return n, err
			}
			n += int64(len(c))
		}
		return n, nil
	})
	if err != nil {
		return nil, err
	}
	if err := env.srv.Restart(); err != nil {
		return nil, err
	}
	up, err := runHost(env, filepath.Join(dir, "up"), config("1h"), func(*feed.Writer) (int64, error) { return 0, nil })
	if err != nil {
		return nil, err
	}
	up.inBytes = down.inBytes // what it drained
	objs, err := store.ListObjects(context.Background(), "backlog/")
	if err != nil {
		return nil, err
	}
	if len(objs) != objects {
		return nil, fmt.Errorf("%d objects landed after the backlog drained, want %d (one per tag)", len(objs), objects)
	}
	return []backlogRow{
		{name: fmt.Sprintf("%d open objects, %d MB buffered while S3 is down", objects, size>>20), run: down},
		{name: fmt.Sprintf("restart: recover and upload the %d MB backlog (MB/s drained)", size>>20), run: up, objects: int64(len(objs))},
	}, nil
}
