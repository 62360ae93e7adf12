package conf

import (
	"strings"
	"testing"
)

func TestMetricsListen(t *testing.T) {
	for _, v := range []string{"0.0.0.0:2021", "127.0.0.1:0", ":9090", "[::1]:2021", "localhost:2021"} {
		src := withBucket()
		src["metrics_listen"] = v
		c, err := Parse(src)
		if err != nil {
			t.Errorf("metrics_listen %q: %v", v, err)
			continue
		}
		if c.MetricsListen != v {
			t.Errorf("metrics_listen %q read as %q", v, c.MetricsListen)
		}
	}
	for v, want := range map[string]string{
		"2021":            "must be host:port",
		"0.0.0.0:http":    "port that is not a number",
		"0.0.0.0:70000":   "port that is not a number",
		"http://a:2021":   "must be host:port",
		"a b:2021":        "host that is not a name",
		"127.0.0.1:-1":    "port that is not a number",
		"[::1]:2021:2022": "must be host:port",
	} {
		src := withBucket()
		src["metrics_listen"] = v
		_, err := Parse(src)
		if err == nil || !strings.Contains(err.Error(), "metrics_listen") || !strings.Contains(err.Error(), want) {
			t.Errorf("metrics_listen %q: got %v, want a problem naming metrics_listen with %q", v, err, want)
		}
	}
}

func TestMetricsListenOffByDefault(t *testing.T) {
	c, err := Parse(withBucket())
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsListen != "" {
		t.Errorf("metrics_listen defaults to %q, want unset", c.MetricsListen)
	}
}
