package format

import (
	"io"
	"testing"
)

// benchChunkSize is about the size of a Fluent Bit chunk (2 MB).
const benchChunkSize = 2 << 20

func reportRates(b *testing.B, records, bytes int) {
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(records*b.N)/s, "rec/s")
	b.ReportMetric(float64(bytes*b.N)/s/1e6, "MB/s")
}

func BenchmarkReadChunk(b *testing.B) {
	chunk, n := k8sChunk(benchChunkSize)
	r := NewReader(chunk)
	var ev Event
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r.Reset(chunk)
		got := 0
		for r.Next(&ev) == nil {
			got++
		}
		if got != n {
			b.Fatalf("read %d events, want %d", got, n)
		}
	}
	reportRates(b, n, len(chunk))
}

// benchJSON reads the chunk and encodes every event to JSON lines, through
// comp when it is not nil. MB/s counts msgpack input bytes.
func benchJSON(b *testing.B, c Compression) {
	chunk, n := k8sChunk(benchChunkSize)
	r := NewReader(chunk)
	enc := NewJSONEncoder(JSONOptions{DateKey: "date", DateFormat: DateISO8601})
	var ev Event
	out := make([]byte, 0, 4<<20)
	counter := &countingWriter{}
	comp, err := NewCompressor(c, counter)
	if err != nil {
		b.Fatal(err)
	}
	var jsonBytes int
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r.Reset(chunk)
		out = out[:0]
		for r.Next(&ev) == nil {
			if out, err = enc.AppendLine(out, &ev); err != nil {
				b.Fatal(err)
			}
		}
		jsonBytes = len(out)
		if c != CompressionNone {
			comp.Reset(counter)
			if _, err := comp.Write(out); err != nil {
				b.Fatal(err)
			}
			if err := comp.Close(); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportRates(b, n, len(chunk))
	b.ReportMetric(float64(jsonBytes*b.N)/b.Elapsed().Seconds()/1e6, "json-MB/s")
	if c != CompressionNone {
		b.ReportMetric(float64(counter.n)/float64(jsonBytes*b.N), "ratio")
	}
}

func BenchmarkJSONLines(b *testing.B)     { benchJSON(b, CompressionNone) }
func BenchmarkJSONLinesGzip(b *testing.B) { benchJSON(b, CompressionGzip) }
func BenchmarkJSONLinesZstd(b *testing.B) { benchJSON(b, CompressionZstd) }

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)
