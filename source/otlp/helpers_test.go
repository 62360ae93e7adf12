package otlp

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/source"
	"github.com/s3append/s3append/source/sourcetest"
)

// start runs a source on 127.0.0.1:0 with settings vals, stopped at the
// end of the test.
func start(t testing.TB, sink source.Sink, vals map[string]string) (*Source, *source.Stats, string) {
	t.Helper()
	v := map[string]string{"type": "otlp", "listen": "127.0.0.1:0"}
	for k, x := range vals {
		v[k] = x
	}
	set := &source.Settings{Name: "otlp.0", Values: v}
	src := Kind.Build(set).(*Source)
	if p := set.Problems(); len(p) > 0 {
		t.Fatalf("settings: %v", p)
	}
	st := new(source.Stats)
	log := out_s3append.NewComponentLogger(testWriter{t}, "input:otlp:otlp.0")
	if err := src.Start(source.Env{Sink: sink, Stats: st, Log: log}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := src.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return src, st, "http://" + src.Addr() + "/v1/logs"
}

// testWriter sends the source's log lines to the test's log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s", bytes.TrimSpace(p))
	return len(p), nil
}

// post sends body and returns the response with its body read.
func post(t testing.TB, url, ctype string, body []byte, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, got
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// otlpJSON encodes req as OTLP/JSON: protojson, then the ids in hex as the
// spec writes them (protojson writes base64).
func otlpJSON(t testing.TB, req proto.Message) []byte {
	t.Helper()
	b, err := protojson.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && (k == "traceId" || k == "spanId") {
					raw, err := base64.StdEncoding.DecodeString(s)
					if err != nil {
						t.Fatalf("%s %q: %v", k, s, err)
					}
					x[k] = hex.EncodeToString(raw)
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	out, _ := json.Marshal(v)
	return out
}

func pb(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// records decodes every event of the batches the sink answered OK.
func records(t *testing.T, sink *sourcetest.Sink) ([]map[string]any, []format.Event) {
	t.Helper()
	if bad := sink.Bad(); len(bad) > 0 {
		t.Fatalf("engine reader failed on a batch: %v", bad)
	}
	evs := sink.Events()
	var out []map[string]any
	for _, ev := range evs {
		m, rest, err := msgp.ReadMapStrIntfBytes(ev.Record, nil)
		if err != nil || len(rest) != 0 {
			t.Fatalf("record: %v (%d bytes left)", err, len(rest))
		}
		out = append(out, m)
	}
	return out, evs
}

// exportResponse decodes a 200's body in the encoding it says it has.
func exportResponse(t *testing.T, resp *http.Response, body []byte) *collogspb.ExportLogsServiceResponse {
	t.Helper()
	m := new(collogspb.ExportLogsServiceResponse)
	unmarshal(t, resp, body, m)
	return m
}

func statusOf(t *testing.T, resp *http.Response, body []byte) *statuspb.Status {
	t.Helper()
	m := new(statuspb.Status)
	unmarshal(t, resp, body, m)
	return m
}

func unmarshal(t *testing.T, resp *http.Response, body []byte, m proto.Message) {
	t.Helper()
	var err error
	switch ct := resp.Header.Get("Content-Type"); ct {
	case typeJSON:
		err = protojson.Unmarshal(body, m)
	case typeProtobuf:
		err = proto.Unmarshal(body, m)
	default:
		t.Fatalf("response Content-Type %q", ct)
	}
	if err != nil {
		t.Fatalf("response body %q does not decode as %T: %v", body, m, err)
	}
}

func str(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}

func kv(k string, v *commonpb.AnyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: v}
}

// request wraps records under one resource with attrs and one scope.
func request(attrs []*commonpb.KeyValue, scope *commonpb.InstrumentationScope, lrs ...*logspb.LogRecord) *collogspb.ExportLogsServiceRequest {
	return &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{resourceLogs(attrs, scope, lrs...)}}
}

func resourceLogs(attrs []*commonpb.KeyValue, scope *commonpb.InstrumentationScope, lrs ...*logspb.LogRecord) *logspb.ResourceLogs {
	return &logspb.ResourceLogs{
		Resource:  &resourcepb.Resource{Attributes: attrs},
		ScopeLogs: []*logspb.ScopeLogs{{Scope: scope, LogRecords: lrs}},
	}
}
