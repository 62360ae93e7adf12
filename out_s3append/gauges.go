package out_s3append

import "time"

// Gauges are the instance's state at one moment, read when metrics are
// scraped.
type Gauges struct {
	// BufferedBytes is the disk the buffer uses; BufferLimit is
	// store_dir_limit_size (0: none).
	BufferedBytes, BufferLimit int64
	// BufferedObjects are the objects not yet in S3; OpenObjects those of
	// them still taking records.
	BufferedObjects, OpenObjects int
	// OldestAge is how long the oldest buffered object has held records:
	// how far behind S3 is. Zero when nothing is buffered.
	OldestAge time.Duration
}

// Gauges reads the instance's state at now.
func (in *Instance) Gauges(now time.Time) Gauges {
	g := Gauges{BufferedBytes: in.store.Used(), BufferLimit: in.cfg.StoreDirLimitSize}
	in.mu.Lock()
	defer in.mu.Unlock()
	g.BufferedObjects, g.OpenObjects = len(in.all), len(in.open)
	for o := range in.all {
		if age := now.Sub(o.created); age > g.OldestAge {
			g.OldestAge = age
		}
	}
	return g
}
