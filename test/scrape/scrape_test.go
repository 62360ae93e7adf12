package scrape

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestValue(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`# TYPE a_total counter
a_total{name="x",class="c1"} 3
a_total{name="x",class="c2"} 5
a_total{name="y",class="c1"} 7
# TYPE g gauge
g{name="x"} 1.5
`))
	}))
	defer srv.Close()
	m, err := Get(strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		metric string
		labels []string
		want   float64
	}{
		{"a_total", []string{"name", "x", "class", "c2"}, 5},
		{"a_total", []string{"name", "y"}, 7},
		{"a_total", []string{"name", "z"}, -1},
		{"g", []string{"name", "x"}, 1.5},
		{"missing", nil, -1},
	} {
		if got := m.Value(c.metric, c.labels...); got != c.want {
			t.Errorf("Value(%s, %v) = %v, want %v", c.metric, c.labels, got, c.want)
		}
	}
	if _, err := Get(strings.TrimPrefix(srv.URL, "http://") + "/nothing"); err == nil {
		t.Error("Get of a path that answers 404: no error")
	}
}
