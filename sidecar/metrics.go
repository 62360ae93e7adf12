package sidecar

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/s3append/s3append/out_s3append"
)

// The sidecar's metrics are the engine's (one set per output, as the
// plugin exports them) and, per source, labelled source="forward.0",
// type="forward":
var (
	descConnOpen  = sourceDesc("connections_open", "Connections open now (http and otlp: requests being served).")
	descConnTotal = sourceDesc("connections_total", "Connections accepted (http and otlp: requests).")
	descBatches   = sourceDesc("batches_total", "Batches acknowledged to clients: durable in every matching output's buffer.")
	descRecords   = sourceDesc("records_total", "Records in the batches acknowledged.")
	descBytes     = sourceDesc("bytes_total", "Bytes of the batches acknowledged, as received (compressed when sent so).")
	descRejects   = sourceDesc("rejected_total", "What a source refused or could not have taken, by reason (buffer_full, malformed, bad_request, too_large, unauthorized, ...).", "reason")
	descUnmatched = prometheus.NewDesc("s3append_unmatched_records_total", "Records whose tag no output's match takes; each is kept as a dead letter of the first output (reason no_output).", nil, nil)
)

func sourceDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("s3append_source_"+name, help, append([]string{"source", "type"}, labels...), nil)
}

// running is every source and router the collector exports.
var running = struct {
	mu      sync.Mutex
	sources map[*runningSource]struct{}
	routers map[*router]struct{}
	once    sync.Once
}{sources: map[*runningSource]struct{}{}, routers: map[*router]struct{}{}}

func register() {
	running.once.Do(func() { out_s3append.Registry().MustRegister(sourceCollector{}) })
}

func registerSource(rs *runningSource) {
	register()
	running.mu.Lock()
	running.sources[rs] = struct{}{}
	running.mu.Unlock()
}

func unregisterSource(rs *runningSource) {
	running.mu.Lock()
	delete(running.sources, rs)
	running.mu.Unlock()
}

type sourceCollector struct{}

func (sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConnOpen, descConnTotal, descBatches, descRecords, descBytes, descRejects, descUnmatched} {
		ch <- d
	}
}

func (sourceCollector) Collect(ch chan<- prometheus.Metric) {
	running.mu.Lock()
	defer running.mu.Unlock()
	for rs := range running.sources {
		st, l := rs.stats, []string{rs.cfg.Name, rs.cfg.Type}
		ch <- prometheus.MustNewConstMetric(descConnOpen, prometheus.GaugeValue, float64(st.ConnectionsOpen.Load()), l...)
		ch <- prometheus.MustNewConstMetric(descConnTotal, prometheus.CounterValue, float64(st.ConnectionsTotal.Load()), l...)
		ch <- prometheus.MustNewConstMetric(descBatches, prometheus.CounterValue, float64(st.Batches.Load()), l...)
		ch <- prometheus.MustNewConstMetric(descRecords, prometheus.CounterValue, float64(st.Records.Load()), l...)
		ch <- prometheus.MustNewConstMetric(descBytes, prometheus.CounterValue, float64(st.Bytes.Load()), l...)
		reasons, counts := st.Rejects()
		for i, r := range reasons {
			ch <- prometheus.MustNewConstMetric(descRejects, prometheus.CounterValue, float64(counts[i]), append(l, r)...)
		}
	}
	var unmatched int64
	for r := range running.routers {
		unmatched += r.unmatched.Load()
	}
	ch <- prometheus.MustNewConstMetric(descUnmatched, prometheus.CounterValue, float64(unmatched))
}

// metricsEndpoint serves /metrics, /healthz (the process answers) and
// /readyz (every source listening, not shutting down).
type metricsEndpoint struct {
	srv  *http.Server
	addr string
}

func startMetrics(listen string, s *Sidecar) (*metricsEndpoint, error) {
	register()
	running.mu.Lock()
	running.routers[s.router] = struct{}{}
	running.mu.Unlock()
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("service: metrics_listen %s: %w", listen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(out_s3append.Registry(), promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "not ready: starting or shutting down", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	m := &metricsEndpoint{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, addr: ln.Addr().String()}
	go func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Errorf("metrics endpoint %s stopped: %v", m.addr, err)
		}
	}()
	return m, nil
}

func (m *metricsEndpoint) stop(r *router) {
	running.mu.Lock()
	delete(running.routers, r)
	running.mu.Unlock()
	if m == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = m.srv.Shutdown(ctx)
}
