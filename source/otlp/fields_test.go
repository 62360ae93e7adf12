package otlp

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	"github.com/s3append/s3append/source/sourcetest"
)

var (
	traceID = []byte{0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c}
	spanID  = []byte{0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74}
	when    = time.Date(2026, 3, 4, 5, 6, 7, 891011121, time.UTC)
)

// fullRecord sets every field of a LogRecord, and the body to a kvlist
// holding every kind of value.
func fullRecord() *logspb.LogRecord {
	body := &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: []*commonpb.KeyValue{
		kv("s", str("text")),
		kv("i", &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: -42}}),
		kv("d", &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: 2.5}}),
		kv("b", &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: true}}),
		kv("raw", &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: []byte{0, 1, 255}}}),
		kv("arr", &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{
			str("x"), {Value: &commonpb.AnyValue_IntValue{IntValue: 7}}, {},
		}}}}),
	}}}}
	return &logspb.LogRecord{
		TimeUnixNano:         uint64(when.UnixNano()),
		ObservedTimeUnixNano: uint64(when.Add(time.Second).UnixNano()),
		SeverityNumber:       logspb.SeverityNumber_SEVERITY_NUMBER_WARN,
		SeverityText:         "WARN",
		Body:                 body,
		Attributes:           []*commonpb.KeyValue{kv("http.method", str("GET")), kv("dup", str("first")), kv("dup", str("second"))},
		Flags:                1,
		TraceId:              traceID,
		SpanId:               spanID,
		EventName:            "checkout.done",
	}
}

var fullWant = map[string]any{
	"body": map[string]any{
		"s": "text", "i": int64(-42), "d": 2.5, "b": true, "raw": "AAH/",
		"arr": []any{"x", int64(7), nil},
	},
	"severity_text":   "WARN",
	"severity_number": int64(13),
	"attributes":      map[string]any{"http.method": "GET", "dup": "first"},
	"resource":        map[string]any{"service.name": "cart", "host.name": "n1"},
	"scope":           map[string]any{"name": "app.logger", "version": "1.2.3"},
	"trace_id":        "5b8efff798038103d269b633813fc60c",
	"span_id":         "eee19b7ec3c1b174",
	"flags":           int64(1),
	"event_name":      "checkout.done",
}

func TestEveryFieldEveryEncoding(t *testing.T) {
	req := request(
		[]*commonpb.KeyValue{kv("service.name", str("cart")), kv("host.name", str("n1"))},
		&commonpb.InstrumentationScope{Name: "app.logger", Version: "1.2.3"},
		fullRecord(),
		&logspb.LogRecord{Body: str("plain")}, // only a body: the rest is omitted
	)
	for _, tc := range []struct {
		name, ctype string
		body        []byte
		gzip        bool
	}{
		{"protobuf", typeProtobuf, pb(t, req), false},
		{"json", typeJSON, otlpJSON(t, req), false},
		{"protobuf+gzip", typeProtobuf, gz(pb(t, req)), true},
		{"json+gzip", typeJSON, gz(otlpJSON(t, req)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := new(sourcetest.Sink)
			_, st, url := start(t, sink, nil)
			var hdr []string
			if tc.gzip {
				hdr = []string{"Content-Encoding", "gzip"}
			}
			resp, body := post(t, url, tc.ctype, tc.body, hdr...)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %q", resp.StatusCode, body)
			}
			if ps := exportResponse(t, resp, body).GetPartialSuccess(); ps != nil {
				t.Errorf("partial_success %v on a request fully taken", ps)
			}
			if ct := resp.Header.Get("Content-Type"); ct != tc.ctype {
				t.Errorf("answered in %q, asked in %q", ct, tc.ctype)
			}
			recs, evs := records(t, sink)
			if len(recs) != 2 {
				t.Fatalf("%d records, want 2", len(recs))
			}
			if !reflect.DeepEqual(recs[0], fullWant) {
				t.Errorf("record\n got %#v\nwant %#v", recs[0], fullWant)
			}
			if !evs[0].Time().Equal(when) {
				t.Errorf("time %v, want %v", evs[0].Time(), when)
			}
			want2 := map[string]any{"body": "plain", "resource": fullWant["resource"], "scope": fullWant["scope"]}
			if !reflect.DeepEqual(recs[1], want2) {
				t.Errorf("record\n got %#v\nwant %#v", recs[1], want2)
			}
			if b := sink.Batches(); len(b) != 1 || b[0].Tag != "otlp" {
				t.Errorf("batches %+v, want one tagged otlp", b)
			}
			if st.Records.Load() != 2 || st.Bytes.Load() != int64(len(tc.body)) || st.Batches.Load() != 1 {
				t.Errorf("stats records %d bytes %d batches %d, want 2, %d, 1", st.Records.Load(), st.Bytes.Load(), st.Batches.Load(), len(tc.body))
			}
		})
	}
}

func TestTimeFallsBackToObservedThenArrival(t *testing.T) {
	sink := new(sourcetest.Sink)
	_, _, url := start(t, sink, nil)
	observed := when.Add(time.Hour)
	req := request(nil, nil,
		&logspb.LogRecord{ObservedTimeUnixNano: uint64(observed.UnixNano()), Body: str("a")},
		&logspb.LogRecord{Body: str("b")},
	)
	before := time.Now()
	resp, body := post(t, url, typeProtobuf, pb(t, req))
	after := time.Now()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %q", resp.StatusCode, body)
	}
	recs, evs := records(t, sink)
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	if !evs[0].Time().Equal(observed) {
		t.Errorf("time %v, want observed %v", evs[0].Time(), observed)
	}
	if got := evs[1].Time(); got.Before(before.Truncate(time.Second)) || got.After(after) {
		t.Errorf("time %v, want the arrival, between %v and %v", got, before, after)
	}
	if _, ok := recs[0]["resource"]; ok {
		t.Errorf("empty resource written: %v", recs[0])
	}
}
