package otlp

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	"github.com/s3append/s3append/source"
)

// discard takes every batch, as a Sink with room would.
type discard struct{}

func (discard) Deliver(string, []byte) source.Result { return source.OK }

// BenchmarkOTLPProtobuf serves export requests of 1000 typical records
// (message, severity, a few attributes, ids) straight to the handler: the
// source's own cost, from body to batches, without the network.
func BenchmarkOTLPProtobuf(b *testing.B) {
	const perRequest = 1000
	lrs := make([]*logspb.LogRecord, perRequest)
	for i := range lrs {
		lrs[i] = &logspb.LogRecord{
			TimeUnixNano:   uint64(when.UnixNano()) + uint64(i),
			SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_INFO,
			SeverityText:   "INFO",
			Body:           str(fmt.Sprintf("GET /api/v1/items/%d 200 in 3.2ms from 10.0.0.%d", i, i%255)),
			Attributes: []*commonpb.KeyValue{
				kv("http.method", str("GET")), kv("http.route", str("/api/v1/items/{id}")),
				kv("http.status_code", &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 200}}),
			},
			TraceId: traceID, SpanId: spanID, Flags: 1,
		}
	}
	body := pb(b, request(svc("cart"), &commonpb.InstrumentationScope{Name: "app", Version: "1.0"}, lrs...))
	src := &Source{tag: "otlp", fromRes: "service.name", maxBody: 10 << 20,
		env: source.Env{Sink: discard{}, Stats: new(source.Stats)}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/v1/logs", bytes.NewReader(body))
		req.Header.Set("Content-Type", typeProtobuf)
		w := httptest.NewRecorder()
		src.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(b.N)*perRequest/b.Elapsed().Seconds(), "rec/s")
}
