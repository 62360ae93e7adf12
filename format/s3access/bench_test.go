package s3access

import (
	"testing"

	"github.com/s3append/s3append/test/datagen"
)

// benchLines are generated access-log lines, as an object's body holds
// them.
func benchLines(b *testing.B, n int) ([][]byte, int) {
	g := datagen.New(datagen.S3Access, 1)
	lines := make([][]byte, n)
	size := 0
	for i := range lines {
		g.Next()
		lines[i] = []byte(g.Text() + "\n")
		size += len(lines[i])
	}
	return lines, size
}

func BenchmarkParseLine(b *testing.B) {
	lines, size := benchLines(b, 4096)
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		var err error
		if dst, _, err = ParseLine(dst[:0], lines[i%len(lines)]); err != nil {
			b.Fatal(err)
		}
	}
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "rec/s")
		b.ReportMetric(float64(b.N)*float64(size)/float64(len(lines))/s/1e6, "MB/s")
	}
}
