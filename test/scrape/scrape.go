// Package scrape reads a Prometheus text endpoint, for the tests of the
// metrics s3append serves.
package scrape

import (
	"fmt"
	"net/http"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Metrics is one read of an endpoint, by metric name.
type Metrics map[string]*dto.MetricFamily

// Get reads http://addr/metrics.
func Get(addr string) (Metrics, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET http://%s/metrics: %s", addr, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	m, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parsing the metrics of %s: %w", addr, err)
	}
	return m, nil
}

// Value is the sample of metric that has every label pair given (name,
// value, name, value...), counter or gauge; -1 when there is none.
func (m Metrics) Value(metric string, labels ...string) float64 {
	f := m[metric]
	if f == nil {
		return -1
	}
	for _, s := range f.GetMetric() {
		if hasLabels(s, labels) {
			if s.Counter != nil {
				return s.Counter.GetValue()
			}
			if s.Gauge != nil {
				return s.Gauge.GetValue()
			}
		}
	}
	return -1
}

func hasLabels(s *dto.Metric, pairs []string) bool {
	for i := 0; i+1 < len(pairs); i += 2 {
		found := false
		for _, l := range s.GetLabel() {
			if l.GetName() == pairs[i] && l.GetValue() == pairs[i+1] {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
