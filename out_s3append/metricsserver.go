package out_s3append

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// registry holds the s3append collector and the Go and process
// collectors (the memory and CPU of the whole Fluent Bit process).
var registry = func() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collector{}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}()

// metricsServer is one HTTP endpoint, shared by the outputs configured
// with its address and stopped when the last of them closes.
type metricsServer struct {
	srv   *http.Server
	addr  string // as bound: the real port when 0 was asked for
	users int
}

var metricsServers = struct {
	mu sync.Mutex
	by map[string]*metricsServer // by metrics_listen as written
}{by: map[string]*metricsServer{}}

// acquireMetricsServer starts the endpoint for listen, or joins it; it
// returns the address it listens on.
func acquireMetricsServer(listen string, log *Logger) (string, error) {
	metricsServers.mu.Lock()
	defer metricsServers.mu.Unlock()
	if s := metricsServers.by[listen]; s != nil {
		s.users++
		return s.addr, nil
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return "", fmt.Errorf("metrics_listen %s: %w", listen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	s := &metricsServer{
		srv:   &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		addr:  ln.Addr().String(),
		users: 1,
	}
	go func() {
		// Serve fails only if the listener breaks; the output goes on
		// without its endpoint.
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Errorf("metrics endpoint %s stopped: %v", s.addr, err)
		}
	}()
	metricsServers.by[listen] = s
	return s.addr, nil
}

// releaseMetricsServer leaves the endpoint for listen, stopping it when no
// output uses it any more.
func releaseMetricsServer(listen string) {
	metricsServers.mu.Lock()
	s := metricsServers.by[listen]
	if s == nil {
		metricsServers.mu.Unlock()
		return
	}
	s.users--
	if s.users > 0 {
		metricsServers.mu.Unlock()
		return
	}
	delete(metricsServers.by, listen)
	metricsServers.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
}

// Registry is the registry the engine's metrics are in (with the Go and
// process collectors), for a host that serves its own endpoint and adds
// collectors of its own: the sidecar's sources.
func Registry() *prometheus.Registry { return registry }
