package otlp

import (
	"io"
	"testing"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	"github.com/s3append/s3append/format"
)

// FuzzOTLP feeds bodies, protobuf or JSON, to the decoder and, when one
// decodes, builds its batches: nothing may panic, every batch must read
// whole with the engine's reader, and every record is either in a batch
// or counted rejected.
func FuzzOTLP(f *testing.F) {
	full := request(svc("cart"), &commonpb.InstrumentationScope{Name: "s", Version: "1"}, fullRecord(), &logspb.LogRecord{})
	f.Add(pb(f, full), false)
	f.Add(otlpJSON(f, full), true)
	f.Add(pb(f, request(nil, nil, &logspb.LogRecord{Body: nested(maxNesting + 1)})), false)
	f.Add([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"00ff","body":{"kvlistValue":{"values":[{"key":"a"}]}}}]}]}]}`), true)
	f.Add([]byte(`{"traceId":"`), true)
	f.Add([]byte{0x0a, 0x02, 0x12, 0x00}, false)
	f.Add([]byte{0xff}, false)
	src := &Source{tag: "t", fromRes: "service.name"}
	f.Fuzz(func(t *testing.T, body []byte, isJSON bool) {
		req, err := decodeRequest(body, isJSON)
		if err != nil {
			return
		}
		b := getBatches()
		defer putBatches(b)
		src.build(b, req, time.Unix(1, 0))
		n := b.rejected
		for i, tag := range b.tags {
			var r format.Reader
			var ev format.Event
			r.Reset(b.events[i])
			read := int64(0)
			for {
				if err := r.Next(&ev); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("tag %s: the engine cannot read the batch: %v", tag, err)
				}
				read++
			}
			if read != b.counts[i] {
				t.Fatalf("tag %s: %d events read, %d counted", tag, read, b.counts[i])
			}
			n += read
		}
		if n != b.records {
			t.Fatalf("%d records in batches or rejected, %d in the request", n, b.records)
		}
	})
}
