package httpjson

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/source"
	"github.com/s3append/s3append/source/sourcetest"
	"github.com/tinylib/msgp/msgp"
)

const ndjson = `{"msg":"one","n":1}
{"msg":"two","nested":{"a":[1,2,{"b":null}]},"ok":true}

{"msg":"three \"quoted\" \u00e9 \ud83d\ude00","f":1.5}
`

func TestNDJSONAndArray(t *testing.T) {
	want := jsonLines(t, ndjson)
	array, _ := json.Marshal(want)
	for _, c := range []struct {
		name, path, tag, contentType string
		body                         []byte
	}{
		{"ndjson", "/app.web", "app.web", "application/x-ndjson", []byte(ndjson)},
		{"ndjson crlf", "/app.web", "app.web", "application/x-ndjson", []byte(strings.ReplaceAll(ndjson, "\n", "\r\n"))},
		{"array", "/", "default.tag", "application/json", array},
		{"array spaced", "/x", "x", "text/plain", []byte(" \n[ " + strings.Join(strings.Split(string(array[1:len(array)-1]), "},{"), "} ,\n {") + " ]\n")},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := start(t, map[string]string{"tag": "default.tag"}, nil)
			resp, body := r.post(t, c.path, c.body, "Content-Type", c.contentType)
			if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "{}" {
				t.Fatalf("got %d %s", resp.StatusCode, body)
			}
			batches := r.sink.Batches()
			if len(batches) != 1 || batches[0].Tag != c.tag {
				t.Fatalf("got %d batches (%+v), want one for tag %s", len(batches), batches, c.tag)
			}
			got, _ := records(t, r.sink)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("records:\n got %v\nwant %v", got, want)
			}
			if r.stats.Records.Load() != 3 || r.stats.Batches.Load() != 1 || r.stats.Bytes.Load() != int64(len(c.body)) {
				t.Errorf("stats: %d records, %d batches, %d bytes", r.stats.Records.Load(), r.stats.Batches.Load(), r.stats.Bytes.Load())
			}
			if r.stats.ConnectionsOpen.Load() != 0 || r.stats.ConnectionsTotal.Load() != 1 {
				t.Errorf("requests open %d, total %d", r.stats.ConnectionsOpen.Load(), r.stats.ConnectionsTotal.Load())
			}
		})
	}
}

func TestCompression(t *testing.T) {
	want := jsonLines(t, ndjson)
	r := start(t, nil, nil)
	for _, c := range []struct {
		encoding string
		body     []byte
	}{
		{"gzip", gzipped(t, []byte(ndjson))},
		{"zstd", zstded(t, []byte(ndjson))},
		{"identity", []byte(ndjson)},
		{"", []byte(ndjson)},
	} {
		before := len(r.sink.Events())
		resp, body := r.post(t, "/c", c.body, "Content-Encoding", c.encoding)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: got %d %s", c.encoding, resp.StatusCode, body)
		}
		got, _ := records(t, r.sink)
		if !reflect.DeepEqual(got[before:], want) {
			t.Errorf("%s: records %v", c.encoding, got[before:])
		}
	}
	resp, body := r.post(t, "/c", []byte(ndjson), "Content-Encoding", "br")
	if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(string(body), "br") {
		t.Errorf("br: got %d %s, want 415", resp.StatusCode, body)
	}
	resp, _ = r.post(t, "/c", []byte(ndjson), "Content-Encoding", "gzip")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("plain text said to be gzip: got %d, want 400", resp.StatusCode)
	}
	if reasons, counts := r.stats.Rejects(); fmt.Sprint(reasons, counts) != "[bad_request unsupported_encoding] [1 1]" {
		t.Errorf("rejects %v %v", reasons, counts)
	}
}

func TestTimeKey(t *testing.T) {
	r := start(t, map[string]string{"time_key": "ts"}, nil)
	body := `{"ts":"2026-11-22T10:01:02.123456789Z","i":0}
{"ts":"2026-11-22T12:01:02+02:00","i":1}
{"ts":1764000000.25,"i":2}
{"ts":1764000000250,"i":3}
{"ts":1764000000,"i":4}
{"ts":"1764000000","i":5}
{"i":6}
{"ts":"yesterday","i":7}
{"ts":[1],"i":8}
{"ts":-5,"i":9}
`
	before := time.Now()
	resp, b := r.post(t, "/t", []byte(body))
	after := time.Now()
	if resp.StatusCode != 200 {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
	recs, times := records(t, r.sink)
	want := []time.Time{
		time.Date(2026, 11, 22, 10, 1, 2, 123456789, time.UTC),
		time.Date(2026, 11, 22, 10, 1, 2, 0, time.UTC),
		time.Unix(1764000000, 250e6),
		time.Unix(1764000000, 250e6),
		time.Unix(1764000000, 0),
		time.Unix(1764000000, 0),
	}
	if len(times) != 10 {
		t.Fatalf("got %d events", len(times))
	}
	for i, tm := range times {
		if i < len(want) {
			if !tm.Equal(want[i]) {
				t.Errorf("record %d: time %s, want %s", i, tm, want[i])
			}
		} else if tm.Before(before.Truncate(time.Second)) || tm.After(after) {
			t.Errorf("record %d: time %s, want the arrival time", i, tm)
		}
		if _, ok := recs[i]["ts"]; !ok && i != 6 {
			t.Errorf("record %d lost its time field: %v", i, recs[i])
		}
	}
}

func TestTimeKeyFormats(t *testing.T) {
	str := func(s string) []byte { return msgp.AppendString(nil, s) }
	num := func(i int64) []byte { return msgp.AppendInt64(nil, i) }
	flt := func(f float64) []byte { return msgp.AppendFloat64(nil, f) }
	for _, c := range []struct {
		format string
		v      []byte
		want   time.Time // zero: unreadable
	}{
		{"auto", str("2026-01-02T03:04:05.5Z"), time.Date(2026, 1, 2, 3, 4, 5, 5e8, time.UTC)},
		{"auto", str("2026-01-02 03:04:05Z"), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"auto", num(1e11), time.Time{}},                  // at the threshold: seconds, past 2106
		{"auto", num(1e11 + 1), time.UnixMilli(1e11 + 1)}, // past it: milliseconds
		{"auto", flt(1.5), time.Unix(1, 5e8)},
		{"rfc3339", str("2026-01-02T03:04:05Z"), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"rfc3339", num(1764000000), time.Time{}},
		{"rfc3339", str("1764000000"), time.Time{}},
		{"epoch", num(1764000000), time.Unix(1764000000, 0)},
		{"epoch", str("2026-01-02T03:04:05Z"), time.Time{}},
		{"epoch", flt(1764000000.5), time.Unix(1764000000, 5e8)},
		{"epoch_ms", num(1764000000), time.UnixMilli(1764000000)},
		{"epoch_ms", flt(1764000000123.0), time.UnixMilli(1764000000123)},
		{"epoch_ms", str("1764000000123"), time.UnixMilli(1764000000123)},
		{"auto", num(-1), time.Time{}},
		{"auto", num(1 << 40), time.UnixMilli(1 << 40)},
		{"epoch", num(1 << 40), time.Time{}}, // past 2106
		{"auto", []byte{0xc0}, time.Time{}},
		{"auto", []byte{0xc3}, time.Time{}},
	} {
		got, ok := timeKey{key: "t", format: c.format}.parse(c.v)
		if ok != !c.want.IsZero() || ok && !got.Equal(c.want) {
			t.Errorf("%s % x: got %s %v, want %s", c.format, c.v, got, ok, c.want)
		}
	}
}

func TestLargeGzipBatch(t *testing.T) {
	r := start(t, nil, nil)
	var body bytes.Buffer
	n := 0
	for body.Len() < 10<<20-400 {
		fmt.Fprintf(&body, `{"seq":%d,"msg":"GET /api/items/%d HTTP/1.1","host":"web-%d","latency":%d.%d}`+"\n", n, n*7, n%10, n%300, n%10)
		n++
	}
	resp, b := r.post(t, "/big", gzipped(t, body.Bytes()), "Content-Encoding", "gzip")
	if resp.StatusCode != 200 {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
	evs := r.sink.Events()
	if len(evs) != n || len(r.sink.Batches()) != 1 {
		t.Fatalf("got %d events in %d batches, want %d in one", len(evs), len(r.sink.Batches()), n)
	}
	for i, ev := range []format.Event{evs[0], evs[n-1]} {
		v, ok := format.MapField(ev.Record, "seq")
		seq, _, err := msgp.ReadIntBytes(v)
		if want := []int{0, n - 1}[i]; !ok || err != nil || seq != want {
			t.Errorf("seq %d, want %d", seq, want)
		}
	}
}

func TestBadLineRefusesTheBatch(t *testing.T) {
	r := start(t, nil, nil)
	for _, c := range []struct {
		name, body string
		line, off  int
		reason     string
	}{
		{"ndjson", "{\"a\":1}\n{\"a\":2}\n{\"a\":3,}\n{\"a\":4}\n", 3, 23, "member's name"},
		{"not an object", "{\"a\":1}\n\n[1,2]\n", 3, 9, "must be a JSON object"},
		{"cut", "{\"a\":1}\n{\"a\":", 2, 13, "ends where a value"},
		{"array element", `[{"a":1},{"a":2},"three",{"a":4}]`, 2, 17, "element 2"},
		{"array syntax", `[{"a":1} {"a":2}]`, 1, 9, "want ','"},
		{"after array", `[{"a":1}] {"a":2}`, 1, 10, "after the closing"},
	} {
		resp, body := r.post(t, "/bad", []byte(c.body))
		var got struct {
			Error  string
			Line   int
			Offset int
		}
		if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != 400 {
			t.Fatalf("%s: got %d %s (%v)", c.name, resp.StatusCode, body, err)
		}
		if got.Line != c.line || got.Offset != c.off || !strings.Contains(got.Error, c.reason) {
			t.Errorf("%s: got %+v, want line %d offset %d and %q", c.name, got, c.line, c.off, c.reason)
		}
	}
	if b := r.sink.Batches(); len(b) != 0 {
		t.Errorf("%d batches delivered from refused requests", len(b))
	}
	if !strings.Contains(r.log.String(), "refused whole") {
		t.Errorf("no warning logged:\n%s", r.log)
	}
}

func TestTooLarge(t *testing.T) {
	r := start(t, map[string]string{"max_body_size": "64K"}, nil)
	big := bytes.Repeat([]byte(`{"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`+"\n"), 2000)
	zeros := make([]byte, 50<<20)
	bomb := gzipped(t, append(append([]byte(`{"a":"`), zeros...), `"}`...))
	zbomb := zstded(t, zeros)
	cases := []struct {
		name     string
		body     []byte
		encoding string
		chunked  bool
	}{
		{"plain with Content-Length", big, "", false},
		{"plain chunked", big, "", true},
		{"gzip bomb", bomb, "gzip", false},
		{"zstd bomb", zbomb, "zstd", true},
		// Random bytes do not compress: gzip makes them a little larger, so
		// this body passes the cap as sent but not decompressed.
		{"gzip over the cap as sent only", gzipped(t, randomBytes(64<<10-1)), "gzip", true},
	}
	if len(bomb) > 64<<10 || len(zbomb) > 64<<10 || len(cases[4].body) <= 64<<10 {
		t.Fatalf("bodies of %d, %d and %d bytes do not test what they should", len(bomb), len(zbomb), len(cases[4].body))
	}
	for _, c := range cases {
		req, _ := http.NewRequest(http.MethodPost, r.url+"/big", bytes.NewReader(c.body))
		if c.chunked {
			req, _ = http.NewRequest(http.MethodPost, r.url+"/big", struct{ *bytes.Reader }{bytes.NewReader(c.body)})
			req.ContentLength = -1
		}
		if c.encoding != "" {
			req.Header.Set("Content-Encoding", c.encoding)
		}
		resp, body := r.do(t, req)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "max_body_size") {
			t.Errorf("%s: got %d %s, want 413", c.name, resp.StatusCode, body)
		}
	}
	if len(r.sink.Batches()) != 0 {
		t.Error("a batch was delivered")
	}
	if reasons, counts := r.stats.Rejects(); fmt.Sprint(reasons, counts) != fmt.Sprint([]string{"too_large"}, []int64{int64(len(cases))}) {
		t.Errorf("rejects %v %v", reasons, counts)
	}
}

// randomBytes are bytes that do not compress.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{1}).Read(b)
	return b
}

func TestRetryThenOK(t *testing.T) {
	var answer atomic.Int32 // a source.Result
	answer.Store(int32(source.Retry))
	sink := &sourcetest.Sink{Answer: func(string, []byte) source.Result { return source.Result(answer.Load()) }}
	r := start(t, map[string]string{"retry_after": "1500ms"}, sink)
	resp, body := r.post(t, "/r", []byte(ndjson))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("got %d Retry-After %q %s, want 503 and 2", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if len(sink.Events()) != 0 {
		t.Fatal("events counted as taken after Retry")
	}
	answer.Store(int32(source.OK))
	if resp, body = r.post(t, "/r", []byte(ndjson)); resp.StatusCode != 200 {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	if n := len(sink.Events()); n != 3 {
		t.Errorf("%d events taken, want 3", n)
	}
	answer.Store(int32(source.Error))
	if resp, body = r.post(t, "/r", []byte(ndjson)); resp.StatusCode != 500 {
		t.Errorf("Error: got %d %s, want 500", resp.StatusCode, body)
	}
	if reasons, counts := r.stats.Rejects(); fmt.Sprint(reasons, counts) != "[buffer_full error] [3 3]" {
		t.Errorf("rejects %v %v", reasons, counts)
	}
}

func TestAuthToken(t *testing.T) {
	r := start(t, map[string]string{"auth_token": "s3cr3t-t0ken"}, nil)
	for _, c := range []struct {
		header string
		want   int
	}{
		{"", 401},
		{"Bearer wrong", 401},
		{"Basic s3cr3t-t0ken", 401},
		{"Bearer s3cr3t-t0ke", 401},
		{"Bearer s3cr3t-t0ken", 200},
		{"bearer s3cr3t-t0ken", 200},
	} {
		var h []string
		if c.header != "" {
			h = []string{"Authorization", c.header}
		}
		if resp, body := r.post(t, "/a", []byte(ndjson), h...); resp.StatusCode != c.want {
			t.Errorf("%q: got %d %s, want %d", c.header, resp.StatusCode, body, c.want)
		}
	}
	if n := len(r.sink.Batches()); n != 2 {
		t.Errorf("%d batches, want 2", n)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	r := start(t, nil, nil)
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
		req, _ := http.NewRequest(m, r.url+"/app", nil)
		if resp, _ := r.do(t, req); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD, POST" {
			t.Errorf("%s: got %d", m, resp.StatusCode)
		}
	}
}

// A health check aimed at the source (Vector's healthcheck.uri, a load
// balancer) is answered 200 and takes nothing.
func TestHealthCheckIsAnswered(t *testing.T) {
	r := start(t, nil, nil)
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		req, _ := http.NewRequest(m, r.url+"/vector.app", nil)
		if resp, _ := r.do(t, req); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: got %d, want 200", m, resp.StatusCode)
		}
	}
	if n := len(r.sink.Batches()); n != 0 {
		t.Errorf("%d batches delivered by health checks, want none", n)
	}
}

func TestInvalidUTF8Passes(t *testing.T) {
	r := start(t, nil, nil)
	body := []byte("{\"msg\":\"bad \xff\xfe bytes\",\"k\xc3\":1}\n")
	if resp, b := r.post(t, "/u", body); resp.StatusCode != 200 {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
	evs := r.sink.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	v, ok := format.MapField(evs[0].Record, "msg")
	s, _, err := msgp.ReadStringZC(v)
	if !ok || err != nil || string(s) != "bad \xff\xfe bytes" {
		t.Errorf("msg is %q", s)
	}
	if _, ok := format.MapField(evs[0].Record, "k\xc3"); !ok {
		t.Error("the key with invalid UTF-8 is missing")
	}
}

func TestUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "http.sock")
	r := start(t, map[string]string{"listen": "unix://" + path, "socket_mode": "0600"}, nil)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket %v: %v", fi, err)
	}
	if resp, b := r.post(t, "/sock", []byte(ndjson)); resp.StatusCode != 200 {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
	if b := r.sink.Batches(); len(b) != 1 || b[0].Tag != "sock" {
		t.Errorf("batches %+v", b)
	}
}

// TestStopAnswersInFlight: a request whose Deliver is under way when
// Stop is called still gets its answer, and Stop waits for it.
func TestStopAnswersInFlight(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	sink := &sourcetest.Sink{Answer: func(string, []byte) source.Result {
		close(entered)
		<-release
		return source.OK
	}}
	r := start(t, nil, sink)
	got := make(chan int, 1)
	go func() {
		resp, err := r.client.Post(r.url+"/s", "application/json", strings.NewReader(ndjson))
		if err != nil {
			got <- -1
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- r.src.Stop(context.Background()) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) before the request in flight was answered", err)
	case code := <-got:
		t.Fatalf("answered %d before Deliver returned", code)
	default:
	}
	close(release)
	if code := <-got; code != 200 {
		t.Errorf("in-flight request answered %d", code)
	}
	if err := <-stopped; err != nil {
		t.Errorf("stop: %v", err)
	}
}

func TestSettings(t *testing.T) {
	set := &source.Settings{Name: "http.bad", Values: map[string]string{
		"type": "http", "listen": "127.0.0.1:0", "time_key_format": "unix", "max_body_size": "12",
		"retry_after": "soon", "auth_token": " ", "tag": "",
	}}
	Kind.Build(set)
	p := strings.Join(set.Problems(), "\n")
	for _, key := range []string{"time_key_format", "max_body_size", "retry_after", "auth_token", "tag"} {
		if !strings.Contains(p, key+":") {
			t.Errorf("no problem reported for %s in:\n%s", key, p)
		}
	}
}
