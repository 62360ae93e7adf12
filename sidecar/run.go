package sidecar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/source"
)

// sourceStopTimeout bounds how long sources get, at shutdown, to answer
// the batches they already handed to the engine: appending to the buffer
// takes milliseconds, so this is reached only by a stuck disk.
const sourceStopTimeout = 30 * time.Second

// Sidecar is a running sidecar.
type Sidecar struct {
	cfg     *Config
	log     *out_s3append.Logger
	logOut  io.Writer
	router  *router
	sources []*runningSource
	metrics *metricsEndpoint
	ready   atomic.Bool
}

type runningSource struct {
	cfg   *SourceConfig
	stats *source.Stats
}

// Start starts the outputs, then the metrics endpoint, then the sources,
// in that order, so nothing is accepted before it has somewhere to go.
// logOut receives every log line (stderr when nil).
func Start(cfg *Config, logOut io.Writer) (*Sidecar, error) {
	return start(cfg, logOut, nil)
}

// start is Start with the object store of each output given by store
// (tests: in memory); nil builds the S3 client from the options.
func start(cfg *Config, logOut io.Writer, store func(*OutputConfig) s3api.Store) (*Sidecar, error) {
	s := &Sidecar{cfg: cfg, logOut: logOut, log: out_s3append.NewComponentLogger(logOut, "sidecar")}
	s.log.SetLevel(cfg.Service.LogLevel)
	if cfg.Service.MemoryLimit > 0 {
		// A soft limit: the garbage collector works harder as the heap
		// nears it, instead of letting it grow to twice what is live.
		debug.SetMemoryLimit(cfg.Service.MemoryLimit)
	}
	s.router = &router{log: s.log}
	for _, oc := range cfg.Outputs {
		log := out_s3append.NewLogger(logOut, oc.Name)
		log.SetLevel(cfg.Service.LogLevel)
		var inst *out_s3append.Instance
		var err error
		if store != nil {
			inst, err = out_s3append.New(oc.Name, oc.Conf, store(oc), log)
		} else {
			inst, err = out_s3append.Start(oc.Name, oc.Conf, log, nil)
		}
		if err != nil {
			s.closeOutputs()
			return nil, fmt.Errorf("output %s (line %d): %w", oc.Name, oc.Line, err)
		}
		s.router.outputs = append(s.router.outputs, &output{name: oc.Name, match: oc.Match, inst: inst})
		log.Infof("match=%s bucket=%s store_dir=%s format=%s compression=%s total_file_size=%d upload_timeout=%s",
			oc.Match, oc.Conf.Bucket, oc.Conf.StoreDir, oc.Conf.Format, oc.Conf.Compression, oc.Conf.TotalFileSize, oc.Conf.UploadTimeout)
	}
	if cfg.Service.MetricsListen != "" {
		m, err := startMetrics(cfg.Service.MetricsListen, s)
		if err != nil {
			s.closeOutputs()
			return nil, err
		}
		s.metrics = m
		s.log.Infof("metrics at http://%s/metrics, health at /healthz and /readyz", m.addr)
	}
	for _, sc := range cfg.Sources {
		rs := &runningSource{cfg: sc, stats: &source.Stats{}}
		log := out_s3append.NewComponentLogger(logOut, "input:"+sc.Type+":"+sc.Name)
		log.SetLevel(cfg.Service.LogLevel)
		if err := sc.Source.Start(source.Env{Sink: s.router, Log: log, Stats: rs.stats}); err != nil {
			s.stopSources()
			s.closeOutputs()
			s.metrics.stop(s.router)
			return nil, fmt.Errorf("source %s (line %d): %w", sc.Name, sc.Line, err)
		}
		s.sources = append(s.sources, rs)
		registerSource(rs)
		if sc.Listen == "" {
			log.Infof("reading %s", sc.Source.Addr()) // a NoListen kind
		} else {
			log.Infof("listening on %s", sc.Source.Addr())
		}
	}
	s.ready.Store(true)
	return s, nil
}

// Addr is the address source name listens on ("" if there is none).
func (s *Sidecar) Addr(name string) string {
	for _, rs := range s.sources {
		if rs.cfg.Name == name {
			return rs.cfg.Source.Addr()
		}
	}
	return ""
}

// MetricsAddr is the bound address of the metrics endpoint ("": none).
func (s *Sidecar) MetricsAddr() string {
	if s.metrics == nil {
		return ""
	}
	return s.metrics.addr
}

// Stop shuts down: not ready any more, the sources stop accepting and
// answer what they already took, then each output closes within its own
// shutdown_timeout (sealing and uploading what it can, leaving the rest
// buffered for the next start), all outputs at once.
func (s *Sidecar) Stop() {
	s.ready.Store(false)
	s.log.Infof("stopping: sources first, then outputs (each within its shutdown_timeout)")
	s.stopSources()
	s.closeOutputs()
	s.metrics.stop(s.router)
	s.log.Infof("stopped")
}

func (s *Sidecar) stopSources() {
	ctx, cancel := context.WithTimeout(context.Background(), sourceStopTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, rs := range s.sources {
		wg.Add(1)
		go func(rs *runningSource) {
			defer wg.Done()
			if err := rs.cfg.Source.Stop(ctx); err != nil && !errors.Is(err, context.Canceled) {
				s.log.Warnf("source %s: stopping: %v", rs.cfg.Name, err)
			}
			unregisterSource(rs)
		}(rs)
	}
	wg.Wait()
}

func (s *Sidecar) closeOutputs() {
	var wg sync.WaitGroup
	for _, o := range s.router.outputs {
		wg.Add(1)
		go func(o *output) {
			defer wg.Done()
			o.inst.Close()
		}(o)
	}
	wg.Wait()
}

// Logf writes an info line of the sidecar itself.
func (s *Sidecar) Logf(format string, a ...any) { s.log.Infof(format, a...) }
