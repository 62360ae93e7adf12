package sidecar

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/source"
)

// events builds a batch of n records {"seq": first+i, "tag": tag}.
func events(tag string, first, n int) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		b = source.AppendEventHead(b, time.Now())
		b = msgp.AppendMapHeader(b, 2)
		b = msgp.AppendString(b, "seq")
		b = msgp.AppendInt(b, first+i)
		b = msgp.AppendString(b, "tag")
		b = msgp.AppendString(b, tag)
	}
	return b
}

// jsonLines reads every JSON line of every object under prefix.
func jsonLines(t *testing.T, m *s3api.Memory, prefix string) []map[string]any {
	t.Helper()
	ctx := context.Background()
	objs, err := m.ListObjects(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, o := range objs {
		body, _, err := m.GetObject(ctx, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = bytes.NewReader(body)
		if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
			if r, err = gzip.NewReader(r); err != nil {
				t.Fatalf("%s: %v", o.Key, err)
			}
		}
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatalf("%s: %v", o.Key, err)
			}
			out = append(out, rec)
		}
	}
	return out
}

// The router hands each batch to every output whose match takes its tag,
// and a tag no output takes goes to the first output's dead letters: kept,
// counted and acknowledged, not dropped.
func TestRoutesByMatchAndKeepsUnmatchedAsDeadLetters(t *testing.T) {
	dir := t.TempDir()
	text := fmt.Sprintf(`
service:
  metrics_listen: 127.0.0.1:0
sources:
  - type: direct
    listen: 127.0.0.1:0
outputs:
  - match: 'app.*'
    bucket: apps
    store_dir: %[1]s
    s3_key_format: /$TAG/$UUID
    shutdown_timeout: 5m
  - match: '*.audit'
    bucket: audit
    store_dir: %[1]s
    s3_key_format: /$TAG/$UUID
    shutdown_timeout: 5m
`, dir)
	var built []*directSource
	cfg, err := Parse("t.yaml", []byte(text), testKinds(&built), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	stores := map[string]*s3api.Memory{"apps": s3api.NewMemory(), "audit": s3api.NewMemory()}
	var logs bytes.Buffer
	sc, err := start(cfg, &syncWriter{w: &logs}, func(oc *OutputConfig) s3api.Store { return stores[oc.Conf.Bucket] })
	if err != nil {
		t.Fatal(err)
	}
	sink := built[0].sink()
	for tag, n := range map[string]int{"app.web": 100, "app.audit": 10, "db.audit": 7, "stray": 3} {
		if res := sink.Deliver(tag, events(tag, 0, n)); res != source.OK {
			t.Fatalf("Deliver(%s) = %v", tag, res)
		}
	}
	metrics := get(t, "http://"+sc.MetricsAddr()+"/metrics")
	if got := get(t, "http://"+sc.MetricsAddr()+"/readyz"); !strings.Contains(got, "ready") {
		t.Errorf("/readyz while running: %q", got)
	}
	sc.Stop()

	count := func(recs []map[string]any) map[string]int {
		by := map[string]int{}
		for _, r := range recs {
			tag, _ := r["tag"].(string)
			by[tag]++
		}
		return by
	}
	apps := count(jsonLines(t, stores["apps"], "app."))
	if apps["app.web"] != 100 || apps["app.audit"] != 10 || len(apps) != 2 {
		t.Errorf("bucket apps holds %v, want app.web 100 and app.audit 10", apps)
	}
	audit := count(jsonLines(t, stores["audit"], ""))
	if audit["app.audit"] != 10 || audit["db.audit"] != 7 || len(audit) != 2 {
		t.Errorf("bucket audit holds %v, want app.audit 10 and db.audit 7", audit)
	}
	dead := jsonLines(t, stores["apps"], "s3append-dead-letter/")
	if len(dead) != 3 {
		t.Fatalf("%d dead letters in apps, want the 3 records of tag stray", len(dead))
	}
	for _, d := range dead {
		if d["tag"] != "stray" || d["reason"] != "no_output" {
			t.Errorf("dead letter %v, want tag stray and reason no_output", d)
		}
	}
	if !strings.Contains(metrics, "s3append_unmatched_records_total 3") {
		t.Errorf("metrics do not count the 3 unmatched records:\n%s", grep(metrics, "unmatched"))
	}
	if !strings.Contains(logs.String(), `tag "stray" matches no output's match`) {
		t.Errorf("no log line names the unmatched tag:\n%s", logs.String())
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func grep(text, word string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
