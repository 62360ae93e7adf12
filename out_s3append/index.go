package out_s3append

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"

	"github.com/s3append/s3append/buffer"
)

// indexCounter hands out $INDEX values per route and keeps them in the
// store directory, so a restart never reuses a number (which would
// overwrite an object already in the bucket).
type indexCounter struct {
	mu   sync.Mutex
	path string
	next map[string]uint64
}

func loadIndex(dir string) (*indexCounter, error) {
	c := &indexCounter{path: filepath.Join(dir, "index.json"), next: map[string]uint64{}}
	b, err := os.ReadFile(c.path)
	if os.IsNotExist(err) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &c.next); err != nil {
		// A damaged counter file must not stop the plugin; numbering
		// restarts past nothing we know of, which is logged by the caller.
		return c, err
	}
	return c, nil
}

// take returns the next index of route and saves the counter.
func (c *indexCounter) take(route string) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.next[route]
	c.next[route] = n + 1
	b, err := json.Marshal(c.next)
	if err != nil {
		return 0, err
	}
	if err := buffer.WriteFileAtomic(c.path, b); err != nil {
		c.next[route] = n
		return 0, err
	}
	return n, nil
}
