package out_s3append

import (
	"testing"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/datagen"
)

// BenchmarkFlush measures the acknowledged path as Fluent Bit drives it:
// reading each ~2 MB chunk of generated container logs, routing every
// record to its object by tag and event hour, and appending to the disk
// buffer, without and with the one fsync per flush that sync always adds.
// Parts are made large enough that no upload runs during the measurement.
func BenchmarkFlush(b *testing.B) {
	for _, set := range []datagen.Set{datagen.KubernetesCompact, datagen.Kubernetes} {
		const records = 50_000
		chunks, _ := datagen.Chunks(set, 1, records, 2<<20)
		bytes := 0
		for _, c := range chunks {
			bytes += len(c)
		}
		for _, sync := range []string{"none", "always"} {
			b.Run(set.String()+"/sync="+sync, func(b *testing.B) {
				in, _ := startInstance(b, testConfig(b, b.TempDir(), map[string]string{
					"sync": sync, "upload_chunk_size": "5G", "total_file_size": "5G",
					"s3_key_format": "/$TAG/%Y/%m/%d/%H/$UUID",
				}), s3api.NewMemory())
				defer in.Close()
				b.ReportAllocs()
				for b.Loop() {
					for _, c := range chunks {
						if r := in.Flush("kube.app", c); r != OK {
							b.Fatal(r)
						}
					}
				}
				sec := b.Elapsed().Seconds()
				b.ReportMetric(float64(records*b.N)/sec, "rec/s")
				b.ReportMetric(float64(bytes*b.N)/sec/1e6, "MB/s")
			})
		}
	}
}
