package httpjson

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/source"
)

type discardSink struct{}

func (discardSink) Deliver(string, []byte) source.Result { return source.OK }

// BenchmarkNDJSONGzip serves gzip NDJSON batches of 1000 records as a
// shipper sends them, through the handler to a Sink that takes all:
// request, gunzip, transcoding, time field and the answer; not the
// network.
func BenchmarkNDJSONGzip(b *testing.B) {
	const perBatch = 1000
	var body bytes.Buffer
	for i := range perBatch {
		fmt.Fprintf(&body, `{"timestamp":"2026-11-22T10:%02d:%02d.%06dZ","level":"info","service":"api-gateway","host":"web-%d","status":%d,"latency_ms":%d.%d,"bytes":%d,"kubernetes":{"namespace":"prod","pod":"api-%x"},"message":"GET /api/v1/items/%d HTTP/1.1"}`+"\n",
			i%60, i%60, i%1000000, i%16, 200+i%5, i%500, i%10, 1000+i*7, i, i)
	}
	plain := body.Len()
	gz := gzipped(b, body.Bytes())
	src := newSource(config{tag: "http", maxBody: defaultMaxBody, timeKey: timeKey{key: "timestamp", format: "auto"}, retryAfter: defaultRetryAfter})
	src.env = source.Env{Sink: discardSink{}, Log: out_s3append.NewComponentLogger(nil, "input:http:bench"), Stats: &source.Stats{}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/bench", bytes.NewReader(gz))
			req.Header.Set("Content-Encoding", "gzip")
			w := httptest.NewRecorder()
			src.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatalf("got %d %s", w.Code, w.Body)
			}
		}
	})
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*perBatch)/sec, "rec/s")
	b.ReportMetric(float64(b.N*plain)/sec/1e6, "MB/s")
	b.ReportMetric(float64(plain)/float64(len(gz)), "ratio")
}
