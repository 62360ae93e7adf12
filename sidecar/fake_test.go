package sidecar

import (
	"context"
	"sync"

	"github.com/s3append/s3append/source"
)

// directSource is a source kind for tests: it listens nowhere and hands
// the test its Env, so batches reach the router as a source's would.
type directSource struct {
	mu  sync.Mutex
	env *source.Env
}

func (d *directSource) Start(env source.Env) error {
	d.mu.Lock()
	d.env = &env
	d.mu.Unlock()
	return nil
}
func (d *directSource) Addr() string                   { return "direct" }
func (d *directSource) Stop(ctx context.Context) error { return nil }

func (d *directSource) sink() source.Sink {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.env.Sink
}

// testKinds are a forward-like kind with a key of its own and the direct
// source; built reports the sources Build made.
func testKinds(built *[]*directSource) []source.Kind {
	build := func(s *source.Settings) source.Source {
		if s.Has("shared_key") && s.String("shared_key", "") == "" {
			s.Fail("shared_key", "empty")
		}
		d := &directSource{}
		if built != nil {
			*built = append(*built, d)
		}
		return d
	}
	return []source.Kind{
		{Type: "forward", Keys: []string{"shared_key"}, Build: build},
		{Type: "direct", Build: build},
	}
}
