package otlp

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"

	"github.com/s3append/s3append/source"
	"github.com/s3append/s3append/source/sourcetest"
)

func svc(name string) []*commonpb.KeyValue {
	return []*commonpb.KeyValue{kv("service.name", str(name))}
}

func TestTagFromResourceGroupsByTag(t *testing.T) {
	sink := new(sourcetest.Sink)
	_, _, url := start(t, sink, map[string]string{"tag": "app", "tag_from_resource": "service.name"})
	rec := func(s string) *logspb.LogRecord { return &logspb.LogRecord{Body: str(s)} }
	req := &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{
		resourceLogs(svc("cart"), nil, rec("c1"), rec("c2")),
		resourceLogs(svc("pay"), nil, rec("p1")),
		resourceLogs(nil, nil, rec("n1")),
		resourceLogs(svc("cart"), nil, rec("c3")),
		resourceLogs([]*commonpb.KeyValue{kv("service.name", &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 9}})}, nil, rec("i1")),
	}}
	resp, body := post(t, url, typeProtobuf, pb(t, req))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %q", resp.StatusCode, body)
	}
	want := map[string][]string{"app.cart": {"c1", "c2", "c3"}, "app.pay": {"p1"}, "app": {"n1"}, "app.9": {"i1"}}
	batches := sink.Batches()
	if len(batches) != len(want) {
		t.Fatalf("%d Deliver calls, want one per tag (%d)", len(batches), len(want))
	}
	for _, b := range batches {
		one := &sourcetest.Sink{}
		one.Deliver(b.Tag, b.Events)
		recs, _ := records(t, one)
		var got []string
		for _, r := range recs {
			got = append(got, r["body"].(string))
		}
		if strings.Join(got, ",") != strings.Join(want[b.Tag], ",") {
			t.Errorf("tag %q holds %v, want %v", b.Tag, got, want[b.Tag])
		}
	}
}

func TestRetryAnswers503ThenTakes(t *testing.T) {
	for _, ctype := range []string{typeProtobuf, typeJSON} {
		t.Run(ctype, func(t *testing.T) {
			var calls atomic.Int32
			sink := &sourcetest.Sink{Answer: func(string, []byte) source.Result {
				if calls.Add(1) == 1 {
					return source.Retry
				}
				return source.OK
			}}
			_, st, url := start(t, sink, nil)
			req := request(nil, nil, &logspb.LogRecord{Body: str("once")})
			body := pb(t, req)
			if ctype == typeJSON {
				body = otlpJSON(t, req)
			}
			resp, got := post(t, url, ctype, body)
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
				t.Fatalf("status %d Retry-After %q, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			if s := statusOf(t, resp, got); s.Code != codeUnavailable {
				t.Errorf("Status code %d, want UNAVAILABLE", s.Code)
			}
			if st.Records.Load() != 0 {
				t.Errorf("%d records counted acknowledged after 503", st.Records.Load())
			}
			resp, got = post(t, url, ctype, body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("resend: status %d: %q", resp.StatusCode, got)
			}
			exportResponse(t, resp, got)
			if recs, _ := records(t, sink); len(recs) != 1 || recs[0]["body"] != "once" {
				t.Errorf("taken %v, want the record once", recs)
			}
			if reasons, counts := st.Rejects(); len(reasons) != 1 || reasons[0] != "buffer_full" || counts[0] != 1 {
				t.Errorf("rejects %v %v, want buffer_full 1", reasons, counts)
			}
		})
	}
}

func TestBadBodiesAnswer400(t *testing.T) {
	_, st, url := start(t, new(sourcetest.Sink), nil)
	for _, tc := range []struct {
		name, ctype string
		body        []byte
		hdr         []string
	}{
		{"protobuf", typeProtobuf, []byte{0xff, 0xff, 0xff, 0xff}, nil},
		{"json", typeJSON, []byte(`{"resourceLogs": [`), nil},
		{"json-wrong-type", typeJSON, []byte(`{"resourceLogs": 3}`), nil},
		{"gzip", typeProtobuf, []byte("not gzip at all"), []string{"Content-Encoding", "gzip"}},
	} {
		resp, got := post(t, url, tc.ctype, tc.body, tc.hdr...)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", tc.name, resp.StatusCode)
			continue
		}
		if s := statusOf(t, resp, got); s.Code != codeInvalidArgument || s.Message == "" {
			t.Errorf("%s: Status %v, want INVALID_ARGUMENT with a message", tc.name, s)
		}
	}
	if _, counts := st.Rejects(); len(counts) != 1 || counts[0] != 4 {
		t.Errorf("bad_request rejects %v, want 4", counts)
	}
}

// endless yields n bytes of zeros and counts what was read; the HTTP
// client's transport may still be reading it when the answer is back.
type endless struct {
	n    int64
	read atomic.Int64
}

func (e *endless) Read(p []byte) (int, error) {
	done := e.read.Load()
	if done >= e.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), e.n-done)
	clear(p[:k])
	e.read.Add(k)
	return int(k), nil
}

func TestTooLargeAnswers413(t *testing.T) {
	sink := new(sourcetest.Sink)
	_, st, url := start(t, sink, map[string]string{"max_body_size": "1K"})
	big := bytes.Repeat([]byte{'x'}, 2048)
	cases := []struct {
		name string
		body io.Reader
		enc  string
	}{
		{"plain", bytes.NewReader(big), ""},
		{"gzip-expands", bytes.NewReader(gz(big)), "gzip"},
		{"gzip-compressed-too", bytes.NewReader(gz(randomish(4096))), "gzip"},
		// No Content-Length: the server must stop reading, not take 100 MB.
		{"streamed", &endless{n: 100 << 20}, ""},
	}
	for _, tc := range cases {
		req, _ := http.NewRequest(http.MethodPost, url, tc.body)
		req.Header.Set("Content-Type", typeProtobuf)
		if tc.enc != "" {
			req.Header.Set("Content-Encoding", tc.enc)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: status %d, want 413", tc.name, resp.StatusCode)
			continue
		}
		statusOf(t, resp, got)
		if e, ok := tc.body.(*endless); ok && e.read.Load() >= e.n {
			t.Errorf("%s: the whole %d bytes were sent", tc.name, e.read.Load())
		}
	}
	if reasons, counts := st.Rejects(); len(reasons) != 1 || reasons[0] != "too_large" || counts[0] != int64(len(cases)) {
		t.Errorf("rejects %v %v, want too_large %d", reasons, counts, len(cases))
	}
	if len(sink.Batches()) != 0 {
		t.Error("a too large body was delivered")
	}
}

// randomish is n bytes gzip cannot shrink much.
func randomish(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func TestRefusedRequests(t *testing.T) {
	_, st, url := start(t, new(sourcetest.Sink), map[string]string{"auth_token": "s3cret-token"})
	body := pb(t, request(nil, nil, &logspb.LogRecord{Body: str("x")}))
	auth := []string{"Authorization", "Bearer s3cret-token"}
	for _, tc := range []struct {
		name, method, path, ctype string
		hdr                       []string
		want                      int
	}{
		{"other path", http.MethodPost, "/v1/traces", typeProtobuf, auth, 404},
		{"GET", http.MethodGet, "/v1/logs", typeProtobuf, auth, 405},
		{"no token", http.MethodPost, "/v1/logs", typeProtobuf, nil, 401},
		{"wrong token", http.MethodPost, "/v1/logs", typeProtobuf, []string{"Authorization", "Bearer nope"}, 401},
		{"text/plain", http.MethodPost, "/v1/logs", "text/plain", auth, 415},
		{"brotli", http.MethodPost, "/v1/logs", typeProtobuf, append([]string{"Content-Encoding", "br"}, auth...), 415},
		{"ok", http.MethodPost, "/v1/logs", typeProtobuf, auth, 200},
		{"ok json charset", http.MethodPost, "/v1/logs", typeJSON + "; charset=utf-8", auth, 200},
	} {
		b := body
		if strings.HasPrefix(tc.ctype, typeJSON) {
			b = otlpJSON(t, request(nil, nil, &logspb.LogRecord{Body: str("x")}))
		}
		req, _ := http.NewRequest(tc.method, strings.TrimSuffix(url, "/v1/logs")+tc.path, bytes.NewReader(b))
		req.Header.Set("Content-Type", tc.ctype)
		for i := 0; i+1 < len(tc.hdr); i += 2 {
			req.Header.Set(tc.hdr[i], tc.hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d (%q)", tc.name, resp.StatusCode, tc.want, got)
			continue
		}
		if tc.want == 200 {
			exportResponse(t, resp, got)
		} else {
			statusOf(t, resp, got)
		}
	}
	reasons, counts := st.Rejects()
	if strings.Join(reasons, ",") != "unauthorized,unsupported_media_type" || counts[0] != 2 || counts[1] != 2 {
		t.Errorf("rejects %v %v, want unauthorized 2, unsupported_media_type 2", reasons, counts)
	}
}
