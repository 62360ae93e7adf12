package format

import (
	"fmt"
	"testing"
)

// benchRecords are log records as a shipper sends them: a timestamp, a
// few short strings, numbers, one nested object, and a message with an
// escape now and then.
func benchRecords(n int) [][]byte {
	recs := make([][]byte, n)
	for i := range recs {
		msg := fmt.Sprintf("GET /api/v1/items/%d?page=%d HTTP/1.1 from 10.1.%d.%d", i, i%7, i%256, i%13)
		if i%10 == 0 {
			msg += ` \"quoted\" \u00e9`
		}
		recs[i] = fmt.Appendf(nil, `{"timestamp":"2026-11-22T10:%02d:%02d.%06dZ","level":"info","service":"api-gateway","host":"web-%d","status":%d,"latency_ms":%d.%d,"bytes":%d,"user_agent":"Mozilla/5.0 (X11; Linux x86_64)","kubernetes":{"namespace":"prod","pod":"api-%x","labels":{"app":"api"}},"message":"%s"}`,
			i%60, i%60, i%1000000, i%16, 200+i%5, i%500, i%10, 1000+i*7, i, msg)
	}
	return recs
}

func BenchmarkJSONAsMsgpack(b *testing.B) {
	recs := benchRecords(1000)
	size := 0
	for _, r := range recs {
		size += len(r)
	}
	dst := make([]byte, 0, 2*size)
	b.ResetTimer()
	for b.Loop() {
		dst = dst[:0]
		for _, r := range recs {
			var err error
			if dst, _, err = AppendJSONAsMsgpack(dst, r); err != nil {
				b.Fatal(err)
			}
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*len(recs))/sec, "rec/s")
	b.ReportMetric(float64(b.N*size)/sec/1e6, "MB/s")
	b.ReportMetric(float64(size)/float64(len(recs)), "B/rec")
}
