package out_s3append

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/scrape"
)

func scrapeMetrics(t *testing.T, addr string) scrape.Metrics {
	t.Helper()
	m, err := scrape.Get(addr)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var metricsAddrLine = regexp.MustCompile(`Prometheus metrics at http://([^/]+)/metrics`)

// metricsAddr is the address an instance logged it serves metrics on.
func metricsAddr(t *testing.T, logs *syncBuffer) string {
	t.Helper()
	m := metricsAddrLine.FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no metrics address in the log:\n%s", logs.String())
	}
	return m[1]
}

// While S3 is down, records are acknowledged and buffered but not
// uploaded; once it is back, they count as uploaded only when their
// object is complete.
func TestMetricsCountUploadedOnlyWhenComplete(t *testing.T) {
	s3 := s3api.NewMemory()
	down := errors.New("connection refused")
	s3.SetFault(func(op, key string) error { return down })
	backoffBase[s3api.Retryable] = time.Millisecond
	defer func() { backoffBase[s3api.Retryable] = 200 * time.Millisecond }()
	cfg := testConfig(t, t.TempDir(), map[string]string{"compression": "none", "metrics_listen": "127.0.0.1:0", "upload_timeout": "1s"})
	in, logs := startInstance(t, cfg, s3)
	defer in.Close()
	addr := metricsAddr(t, logs)
	var bytes int
	for i := 0; i < 3; i++ {
		c := chunk(i*100, 100, t0, time.Millisecond, 20)
		bytes += len(c)
		if r := in.Flush("app", c); r != OK {
			t.Fatal(r)
		}
	}
	name := []string{"name", "s3append.0"}
	waitFor(t, "upload errors while S3 is down", func() bool {
		return scrapeMetrics(t, addr).Value("s3append_upload_errors_total", "name", "s3append.0", "class", "retryable") > 0
	})
	s := scrapeMetrics(t, addr)
	for metric, want := range map[string]float64{
		"s3append_records_acknowledged_total": 300,
		"s3append_bytes_acknowledged_total":   float64(bytes),
		"s3append_records_uploaded_total":     0,
		"s3append_objects_uploaded_total":     0,
		"s3append_parts_uploaded_total":       0,
		"s3append_buffered_objects":           1,
	} {
		if got := s.Value(metric, name...); got != want {
			t.Errorf("S3 down: %s = %v, want %v", metric, got, want)
		}
	}
	if got := s.Value("s3append_flushes_total", "name", "s3append.0", "result", "ok"); got != 3 {
		t.Errorf("S3 down: flushes ok = %v, want 3", got)
	}
	if got := s.Value("s3append_buffered_bytes", name...); got <= float64(bytes) {
		t.Errorf("S3 down: buffered_bytes = %v, want more than the %d chunk bytes (frames add headers)", got, bytes)
	}
	if got := s.Value("s3append_oldest_buffered_record_age_seconds", name...); got <= 0 {
		t.Errorf("S3 down: oldest buffered age = %v, want > 0", got)
	}
	if s.Value("s3append_upload_retries_total", name...) <= 0 {
		t.Error("S3 down: no retries counted")
	}

	s3.SetFault(nil)
	waitFor(t, "the object to complete", func() bool {
		return scrapeMetrics(t, addr).Value("s3append_objects_uploaded_total", name...) == 1
	})
	s = scrapeMetrics(t, addr)
	for metric, want := range map[string]float64{
		"s3append_records_uploaded_total":             300,
		"s3append_buffered_objects":                   0,
		"s3append_buffered_bytes":                     0,
		"s3append_oldest_buffered_record_age_seconds": 0,
	} {
		if got := s.Value(metric, name...); got != want {
			t.Errorf("S3 back: %s = %v, want %v", metric, got, want)
		}
	}
	stored := 0
	for _, body := range objectBodies(t, s3) {
		stored += len(body)
	}
	if got := s.Value("s3append_bytes_uploaded_total", name...); got != float64(stored) {
		t.Errorf("bytes_uploaded = %v, want %d (the objects' size in S3)", got, stored)
	}
}

// objectBodies reads every object in s3.
func objectBodies(t *testing.T, s3 s3api.Store) [][]byte {
	t.Helper()
	ctx := context.Background()
	objs, err := s3.ListObjects(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, o := range objs {
		b, _, err := s3.GetObject(ctx, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// Rejected records are counted by reason, and a chunk answered RETRY
// counts nothing but the retry: Fluent Bit sends it again.
func TestMetricsRejectedAndRetried(t *testing.T) {
	s3 := s3api.NewMemory()
	cfg := testConfig(t, t.TempDir(), map[string]string{"compression": "none", "store_dir_limit_size": "64K"})
	in, _ := startInstance(t, cfg, s3)
	defer in.Close()
	bad := append(chunk(0, 2, t0, time.Second, 0), notMapEvent()...)
	if r := in.Flush("app", bad); r != OK {
		t.Fatal(r)
	}
	big := chunk(10, 400, t0, time.Millisecond, 400) // over 64K
	if r := in.Flush("app", big); r != Retry {
		t.Fatalf("flush over store_dir_limit_size: %v, want RETRY", r)
	}
	st := in.Stats()
	checks := []struct {
		what      string
		got, want int64
	}{
		{"records acknowledged", st.RecordsAcknowledged.Load(), 2},
		{"bytes acknowledged", st.BytesAcknowledged.Load(), int64(len(bad))},
		{"rejected unreadable", st.RecordsRejected[RejectUnreadable].Load(), 1},
		{"rejected key_too_long", st.RecordsRejected[RejectKeyTooLong].Load(), 0},
		{"dead letters", st.DeadLetterRecords.Load(), 1},
		{"flushes ok", st.Flushes[OK].Load(), 1},
		{"flushes retry", st.Flushes[Retry].Load(), 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.what, c.got, c.want)
		}
	}
}

// Two outputs with the same metrics_listen share one endpoint, each
// under its own name; a third on an address in use does not start, and
// says which option is at fault.
func TestMetricsSharedEndpointAndBusyAddress(t *testing.T) {
	s3 := s3api.NewMemory()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	// Port 0 twice: the second output joins the first one's endpoint.
	var addr string
	for i, dir := range []string{t.TempDir(), t.TempDir()} {
		name := fmt.Sprintf("s3append.%d", i)
		logs := &syncBuffer{}
		cfg := testConfig(t, dir, map[string]string{"metrics_listen": "127.0.0.1:0"})
		in, err := New(name, cfg, s3, NewLogger(logs, name))
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		if r := in.Flush("app", chunk(0, 5*(i+1), t0, time.Second, 0)); r != OK {
			t.Fatal(r)
		}
		if a := metricsAddr(t, logs); addr == "" {
			addr = a
		} else if a != addr {
			t.Errorf("second output serves metrics on %s, the first on %s", a, addr)
		}
	}
	s := scrapeMetrics(t, addr)
	for i, want := range []float64{5, 10} {
		if got := s.Value("s3append_records_acknowledged_total", "name", fmt.Sprintf("s3append.%d", i)); got != want {
			t.Errorf("s3append.%d records acknowledged = %v, want %v", i, got, want)
		}
	}
	if s["process_resident_memory_bytes"] == nil {
		t.Error("no process metrics")
	}

	cfg := testConfig(t, t.TempDir(), map[string]string{"metrics_listen": fmt.Sprintf("127.0.0.1:%d", port)})
	_, err = New("s3append.2", cfg, s3, NewLogger(&syncBuffer{}, "s3append.2"))
	if err == nil || !strings.Contains(err.Error(), "metrics_listen") {
		t.Fatalf("New with metrics_listen on a busy port: %v, want an error naming metrics_listen", err)
	}
}

// The endpoint stops with the last output that uses it.
func TestMetricsEndpointStopsWithLastOutput(t *testing.T) {
	s3 := s3api.NewMemory()
	in, logs := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"metrics_listen": "127.0.0.1:0"}), s3)
	addr := metricsAddr(t, logs)
	scrapeMetrics(t, addr)
	in.Close()
	if _, err := http.Get("http://" + addr + "/metrics"); err == nil {
		t.Fatal("metrics endpoint still answers after its output closed")
	}
}

// A torn tail cut at start is counted among the recovery actions, and so
// is the object taken over from the earlier run.
func TestMetricsCountTornTailCut(t *testing.T) {
	s3 := s3api.NewMemory()
	dir := t.TempDir()
	cfg := testConfig(t, dir, map[string]string{"compression": "none", "shutdown_timeout": "0"})
	in, _ := startInstance(t, cfg, s3)
	for i := 0; i < 3; i++ {
		if r := in.Flush("app", chunk(i*10, 10, t0, time.Millisecond, 20)); r != OK {
			t.Fatal(r)
		}
	}
	in.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "logs", "objects", "*", "data.seg"))
	if len(segs) != 1 {
		t.Fatalf("test setup: %d segments buffered, want 1", len(segs))
	}
	fi, err := os.Stat(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(segs[0], fi.Size()-3); err != nil {
		t.Fatal(err)
	}
	in2, _ := startInstance(t, testConfig(t, dir, map[string]string{"compression": "none"}), s3)
	in2.Close()
	st := in2.Stats()
	if c, a := st.Recovery[RecoveryTailCut].Load(), st.Recovery[RecoveryObjectAdopted].Load(); c != 1 || a != 1 {
		t.Errorf("recovery: %d tails cut, %d objects adopted; want 1 and 1", c, a)
	}
	exactlyOnce(t, landed(t, s3, ""), 20) // the torn last chunk is gone
}
