package otlp

import (
	"net/http"
	"strings"
	"testing"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	"github.com/s3append/s3append/source"
	"github.com/s3append/s3append/source/sourcetest"
)

// nested is a body of depth arrays one inside the other.
func nested(depth int) *commonpb.AnyValue {
	v := str("core")
	for range depth {
		v = &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{v}}}}
	}
	return v
}

func TestUnrepresentableRecordsArePartialSuccess(t *testing.T) {
	for _, ctype := range []string{typeProtobuf, typeJSON} {
		t.Run(ctype, func(t *testing.T) {
			sink := new(sourcetest.Sink)
			_, st, url := start(t, sink, nil)
			req := request(nil, nil,
				&logspb.LogRecord{Body: str("kept")},
				&logspb.LogRecord{Body: nested(maxNesting + 5)},
				&logspb.LogRecord{Body: nested(maxNesting - 1)},
			)
			body := pb(t, req)
			if ctype == typeJSON {
				body = otlpJSON(t, req)
			}
			resp, got := post(t, url, ctype, body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %q", resp.StatusCode, got)
			}
			ps := exportResponse(t, resp, got).GetPartialSuccess()
			if ps.GetRejectedLogRecords() != 1 || !strings.Contains(ps.GetErrorMessage(), "500 levels") {
				t.Errorf("partial_success %v, want 1 rejected, saying why", ps)
			}
			if recs, _ := records(t, sink); len(recs) != 2 || recs[0]["body"] != "kept" {
				t.Errorf("taken %v, want the two records that fit", recs)
			}
			if st.Records.Load() != 2 {
				t.Errorf("acknowledged %d records, want 2", st.Records.Load())
			}
		})
	}
}

func TestSinkErrorIsRejectedNotRetried(t *testing.T) {
	sink := &sourcetest.Sink{Answer: func(tag string, _ []byte) source.Result {
		if tag == "otlp.bad" {
			return source.Error
		}
		return source.OK
	}}
	_, st, url := start(t, sink, map[string]string{"tag_from_resource": "service.name"})
	req := request(svc("good"), nil, &logspb.LogRecord{Body: str("g")})
	req.ResourceLogs = append(req.ResourceLogs, resourceLogs(svc("bad"), nil, &logspb.LogRecord{Body: str("b1")}, &logspb.LogRecord{Body: str("b2")}))
	resp, got := post(t, url, typeProtobuf, pb(t, req))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %q", resp.StatusCode, got)
	}
	ps := exportResponse(t, resp, got).GetPartialSuccess()
	if ps.GetRejectedLogRecords() != 2 || !strings.Contains(ps.GetErrorMessage(), "otlp.bad") {
		t.Errorf("partial_success %v, want 2 rejected naming the tag", ps)
	}
	if reasons, counts := st.Rejects(); len(reasons) != 1 || reasons[0] != "sink_error" || counts[0] != 2 {
		t.Errorf("rejects %v %v, want sink_error 2", reasons, counts)
	}
}

func TestUniqueKVsKeepsFirst(t *testing.T) {
	var kvs []*commonpb.KeyValue
	for i := range 40 { // past the small-slice path too
		kvs = append(kvs, kv(string(rune('a'+i%20)), str(string(rune('A'+i)))))
	}
	got := uniqueKVs(kvs)
	if len(got) != 20 {
		t.Fatalf("%d unique keys, want 20", len(got))
	}
	for i, e := range got {
		if e.Value.GetStringValue() != string(rune('A'+i)) {
			t.Errorf("key %s kept %s, want the first", e.Key, e.Value.GetStringValue())
		}
	}
	if small := kvs[:5]; &uniqueKVs(small)[0] != &small[0] {
		t.Error("no duplicate, yet the slice was copied")
	}
}
