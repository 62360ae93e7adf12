package lines

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/source"
)

// countingSink takes everything and counts the events.
type countingSink struct{ events atomic.Int64 }

func (s *countingSink) Deliver(_ string, events []byte) source.Result {
	n, _ := format.CountEvents(events)
	s.events.Add(int64(n))
	return source.OK
}

// BenchmarkLines writes lines of about 120 bytes through a unix socket
// and counts them as the Sink takes them: reading, splitting, building
// events and batching, end to end.
func BenchmarkLines(b *testing.B) {
	const perChunk = 8192
	var chunk bytes.Buffer
	for i := range perChunk {
		fmt.Fprintf(&chunk, "2026-11-22T10:01:02.%06dZ INFO api-gateway GET /api/v1/items/%d 200 %dms %s\n", i, i, i%500, strings.Repeat("x", i%40))
	}
	sink := &countingSink{}
	set := &source.Settings{Name: "lines.bench", Values: map[string]string{"listen": "unix://" + filepath.Join(b.TempDir(), "b.sock")}}
	src := Kind.Build(set).(*Source)
	if err := src.Start(source.Env{Sink: sink, Log: out_s3append.NewComponentLogger(io.Discard, "input:lines:bench"), Stats: &source.Stats{}}); err != nil {
		b.Fatal(err)
	}
	defer src.Stop(context.Background())
	c, err := net.Dial("unix", strings.TrimPrefix(src.Addr(), "unix://"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(chunk.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
	want := int64(b.N) * perChunk
	deadline := time.Now().Add(time.Minute)
	for sink.events.Load() < want {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d lines taken after a minute", sink.events.Load(), want)
		}
		time.Sleep(time.Millisecond)
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(want)/sec, "lines/s")
	b.ReportMetric(float64(int64(b.N)*int64(chunk.Len()))/sec/1e6, "MB/s")
}
