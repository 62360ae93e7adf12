package httpjson

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/source"
	"github.com/s3append/s3append/source/sourcetest"
	"github.com/tinylib/msgp/msgp"
)

// running is a started source with a client for it.
type running struct {
	src    *Source
	sink   *sourcetest.Sink
	stats  *source.Stats
	log    *sourcetest.Log
	url    string
	client *http.Client
}

// start builds and starts a source on 127.0.0.1:0 (unless values say
// otherwise) and stops it when the test ends.
func start(t *testing.T, values map[string]string, sink *sourcetest.Sink) *running {
	t.Helper()
	v := map[string]string{"type": "http", "listen": "127.0.0.1:0"}
	for k, x := range values {
		v[k] = x
	}
	set := &source.Settings{Name: "http.test", Values: v}
	src := Kind.Build(set).(*Source)
	if p := set.Problems(); len(p) != 0 {
		t.Fatalf("settings: %v", p)
	}
	if sink == nil {
		sink = &sourcetest.Sink{}
	}
	r := &running{src: src, sink: sink, stats: &source.Stats{}, log: &sourcetest.Log{}, client: &http.Client{Timeout: time.Minute}}
	logger := out_s3append.NewComponentLogger(r.log, "input:http:test")
	logger.SetLevel(out_s3append.LevelDebug)
	if err := src.Start(source.Env{Sink: sink, Log: logger, Stats: r.stats}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := src.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
		if bad := sink.Bad(); len(bad) != 0 {
			t.Errorf("the engine's reader could not read delivered batches: %v", bad)
		}
	})
	r.url = "http://" + src.Addr()
	if strings.HasPrefix(src.Addr(), "unix://") {
		path := strings.TrimPrefix(src.Addr(), "unix://")
		r.url = "http://unix"
		r.client.Transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}}
	}
	return r
}

// post sends body to path with the headers given as name, value pairs.
func (r *running) post(t *testing.T, path string, body []byte, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return r.do(t, req)
}

func (r *running) do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstded(t testing.TB, b []byte) []byte {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// records decodes the records of the events the sink took, as JSON
// would decode them (numbers as float64), with their times.
func records(t *testing.T, sink *sourcetest.Sink) ([]map[string]any, []time.Time) {
	t.Helper()
	var recs []map[string]any
	var times []time.Time
	for _, ev := range sink.Events() {
		v, _, err := msgp.ReadIntfBytes(ev.Record)
		if err != nil {
			t.Fatalf("record % x: %v", ev.Record, err)
		}
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(j, &m); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, m)
		times = append(times, ev.Time())
	}
	return recs, times
}

// jsonLines decodes NDJSON as the records are expected to come out.
func jsonLines(t *testing.T, text string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func checkEventsReadable(t *testing.T, events []byte, want int) {
	t.Helper()
	n, err := format.CountEvents(events)
	if err != nil || n != want {
		t.Fatalf("events read: %d of %d, %v", n, want, err)
	}
}
