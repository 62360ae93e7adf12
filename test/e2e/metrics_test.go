package e2e

import (
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/s3append/s3append/test/e2e/faultproxy"
	"github.com/s3append/s3append/test/e2e/host"
	"github.com/s3append/s3append/test/scrape"
)

// metrics is one scrape of the endpoint of instance s3append.0.
type metrics struct{ scrape.Metrics }

func scrapeInstance(t *testing.T, addr string) metrics {
	t.Helper()
	m, err := scrape.Get(addr)
	if err != nil {
		t.Fatal(err)
	}
	return metrics{m}
}

// get is the value of metric for instance s3append.0 and the given label
// pairs; -1 if there is none.
func (m metrics) get(metric string, labels ...string) float64 {
	return m.Value(metric, append([]string{"name", "s3append.0"}, labels...)...)
}

var metricsAt = regexp.MustCompile(`\[ info\] \[output:s3append:s3append\.0\] Prometheus metrics at http://([^/\s]+)/metrics`)

// The real .so in the host serves metrics that mean what they say: while
// S3 throttles every request, records are acknowledged and buffered but
// none counts as uploaded; once S3 answers, every record counts as
// uploaded when its object is complete, and the counts match what DuckDB
// reads from the bucket.
func TestMetricsE2E(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	proxy := throttlingProxy(t)
	cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket": bucket, "endpoint": proxy.URL, "metrics_listen": "127.0.0.1:0", "upload_timeout": "1s",
		"s3_key_format": "/m/$TAG/%Y%m%d%H/$UUID.json.gz",
	}})
	entries := makeEntries(20, 200, 10*time.Millisecond, "a", "b")
	acks := filepath.Join(dir, "acks")
	log := &lockedLog{}
	cmd := hostCmd(host.Run{Config: cfg, Feed: "-", Acks: acks, RetryBase: 20 * time.Millisecond}, nil)
	cmd.Stdout, cmd.Stderr = log, log
	stdin, w := startPiped(t, cmd)
	chunkBytes := 0
	for _, e := range entries {
		c := e.chunk()
		chunkBytes += len(c)
		if err := w.Write(e.tag, c); err != nil {
			t.Fatal(err)
		}
	}
	var addr string
	poll(t, "the metrics address in the log", log, func() bool {
		if m := metricsAt.FindStringSubmatch(log.String()); m != nil {
			addr = m[1]
		}
		return addr != ""
	})
	poll(t, "every entry acknowledged and a throttled upload counted", log, func() bool {
		return countOK(acks) == len(entries) && scrapeInstance(t, addr).get("s3append_upload_errors_total", "class", "throttled") > 0
	})
	m := scrapeInstance(t, addr)
	records := float64(len(entries) * 200)
	for _, c := range []struct {
		metric string
		labels []string
		want   float64
	}{
		{"s3append_records_acknowledged_total", nil, records},
		{"s3append_bytes_acknowledged_total", nil, float64(chunkBytes)},
		{"s3append_flushes_total", []string{"result", "ok"}, float64(len(entries))},
		{"s3append_records_uploaded_total", nil, 0},
		{"s3append_objects_uploaded_total", nil, 0},
		{"s3append_buffered_objects", nil, 2},
		{"s3append_upload_errors_total", []string{"class", "permanent"}, 0},
	} {
		if got := m.get(c.metric, c.labels...); got != c.want {
			t.Errorf("while S3 throttles: %s%v = %v, want %v", c.metric, c.labels, got, c.want)
		}
	}
	if m.get("s3append_buffered_bytes") <= 0 || m.get("s3append_oldest_buffered_record_age_seconds") <= 0 {
		t.Errorf("while S3 throttles: buffered bytes %v, oldest age %v; want both above 0",
			m.get("s3append_buffered_bytes"), m.get("s3append_oldest_buffered_record_age_seconds"))
	}

	proxy.SetConfig(faultproxy.Config{})
	poll(t, "every record counted as uploaded", log, func() bool {
		m := scrapeInstance(t, addr)
		return m.get("s3append_records_uploaded_total") == records && m.get("s3append_buffered_objects") == 0
	})
	m = scrapeInstance(t, addr)
	down := filepath.Join(dir, "down")
	keys := download(t, store, down)
	if got := m.get("s3append_objects_uploaded_total"); got != float64(len(keys)) {
		t.Errorf("objects_uploaded_total = %v, the bucket holds %d objects", got, len(keys))
	}
	got := readBack(t, filepath.Join(down, "m/*/*/*.json.gz"), "gzip")
	if float64(len(got)) != m.get("s3append_records_uploaded_total") {
		t.Errorf("records_uploaded_total = %v, DuckDB reads %d records", m.get("s3append_records_uploaded_total"), len(got))
	}
	if m.get("s3append_buffered_bytes") != 0 {
		t.Errorf("buffered_bytes = %v after everything was uploaded", m.get("s3append_buffered_bytes"))
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("host: %v\n%s", err, log.String())
	}
	noOpenUploads(t, store)
}

// throttlingProxy is a proxy to the S3 server that answers every request
// 503 SlowDown until its config is changed.
func throttlingProxy(t *testing.T) *faultproxy.Proxy {
	t.Helper()
	proxy, err := faultproxy.Start(server.Endpoint, faultproxy.Config{SlowDown: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	return proxy
}

// poll waits for cond, failing with the log after a deadline.
func poll(t *testing.T, what string, log *lockedLog, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached\n%s", what, log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Each output logs at its own log_level, which Fluent Bit keeps from the
// plugin and answers about through its API: an output at error writes no
// info line, one at debug writes debug lines too.
func TestLogLevelPerOutputE2E(t *testing.T) {
	dir := t.TempDir()
	quiet, _ := newBucket(t)
	chatty, _ := newBucket(t)
	cfg := writeConfig(t, dir,
		output{match: "a", opts: map[string]string{"bucket": quiet, "log_level": "error"}},
		output{match: "a", opts: map[string]string{"bucket": chatty, "log_level": "debug"}},
	)
	_, log := runOK(t, dir, cfg, makeEntries(4, 50, time.Second, "a"), 2)
	lines := regexp.MustCompile(`(?m)^\[\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}\.\d{9}\] \[(error| warn| info|debug|trace)\] \[output:s3append:(s3append\.\d)\] `)
	count := map[string]int{}
	for _, m := range lines.FindAllStringSubmatch(log, -1) {
		count[m[2]+" "+m[1]]++
	}
	if n := count["s3append.0  info"] + count["s3append.0 debug"] + count["s3append.0  warn"]; n != 0 {
		t.Errorf("the output at log_level error wrote %d lines below error:\n%s", n, log)
	}
	if count["s3append.1  info"] == 0 || count["s3append.1 debug"] == 0 {
		t.Errorf("the output at log_level debug wrote %d info and %d debug lines, want some of each:\n%s",
			count["s3append.1  info"], count["s3append.1 debug"], log)
	}
}
