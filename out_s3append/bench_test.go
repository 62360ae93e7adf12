package out_s3append

import (
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
)

// BenchmarkFlush measures the acknowledged path: reading a ~2 MB chunk,
// routing each record by its key and appending to the buffer, with and
// without the fsync that sync always adds. Parts are made large enough
// that no upload runs during the measurement.
func BenchmarkFlush(b *testing.B) {
	for _, sync := range []string{"none", "always"} {
		b.Run("sync="+sync, func(b *testing.B) {
			in, _ := startInstance(b, testConfig(b, b.TempDir(), map[string]string{
				"sync": sync, "upload_chunk_size": "5G", "total_file_size": "5G",
				"s3_key_format": "/$TAG/%Y/%m/%d/%H/$UUID",
			}), s3api.NewMemory())
			defer in.Close()
			const records = 6000
			c := chunk(0, records, t0, 100*time.Millisecond, 200) // spans 10 minutes
			b.SetBytes(int64(len(c)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if r := in.Flush("kube.app", c); r != OK {
					b.Fatal(r)
				}
			}
			b.StopTimer()
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(records*b.N)/sec, "rec/s")
			b.ReportMetric(float64(len(c)*b.N)/sec/1e6, "MB/s")
		})
	}
}
