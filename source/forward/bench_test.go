package forward

import (
	"bufio"
	"testing"

	"github.com/tinylib/msgp/msgp"

	"github.com/s3append/s3append/source"
)

type nopSink struct{}

func (nopSink) Deliver(string, []byte) source.Result { return source.OK }

// BenchmarkPackedForward sends PackedForward messages of 1,000 records,
// each with a chunk, over loopback TCP to a Sink that does nothing, reading
// the acks as they come: framing, decoding, delivery and acks end to end.
func BenchmarkPackedForward(b *testing.B) {
	const perMessage = 1000
	src := Kind.Build(&source.Settings{Name: "forward.0", Values: map[string]string{"listen": "127.0.0.1:0"}}).(*Source)
	stats := new(source.Stats)
	if err := src.Start(source.Env{Sink: nopSink{}, Stats: stats}); err != nil {
		b.Fatal(err)
	}
	defer src.Stop(b.Context())
	h := &harness{src: src}
	c := h.dial(b)
	msg := array(str("bench.app"), msgp.AppendBytes(nil, entries(0, perMessage)), options("chunk", "bench-chunk-id-0123456789", "size", perMessage))
	acks := make(chan error, 1)
	b.ResetTimer()
	go func() {
		r := msgp.NewReader(bufio.NewReader(c))
		for range b.N {
			if err := r.Skip(); err != nil {
				acks <- err
				return
			}
		}
		acks <- nil
	}()
	w := bufio.NewWriterSize(c, 1<<20)
	for range b.N {
		w.Write(msg)
	}
	w.Flush()
	if err := <-acks; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if stats.Records.Load() != int64(b.N*perMessage) {
		b.Fatalf("%d records delivered", stats.Records.Load())
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*perMessage)/sec, "rec/s")
	b.ReportMetric(float64(b.N*len(msg))/sec/1e6, "MB/s")
}
