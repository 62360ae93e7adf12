package format_test

import (
	"bytes"
	"io"
	"strconv"
	"testing"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/test/datagen"
)

// The stage benchmarks time one stage of the plugin at a time over a
// generated data set, on one goroutine, and report rec/s and MB/s of
// msgpack input. Data sets are chunks of about 2 MB, as Fluent Bit hands
// them over. BENCHMARKS.md lists the targets they are held to.

// reportRates reports records and msgpack bytes per second of d over the
// benchmark's loop.
func reportRates(b *testing.B, d *dataset) {
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(d.records*b.N)/s, "rec/s")
	b.ReportMetric(float64(d.msgpack*int64(b.N))/s/1e6, "MB/s")
}

// BenchmarkStageRead frames and decodes every event of the chunks.
func BenchmarkStageRead(b *testing.B) {
	for _, set := range stageSets {
		d := loadDatasets()[set]
		b.Run(set.String(), func(b *testing.B) {
			var r format.Reader
			var ev format.Event
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				for _, c := range d.chunks {
					r.Reset(c)
					for r.Next(&ev) == nil {
						n++
					}
				}
				if n != d.records {
					b.Fatalf("read %d events, want %d", n, d.records)
				}
			}
			reportRates(b, d)
		})
	}
}

// stageSets are the data sets of the per-record stages: the compact
// Kubernetes records the rec/s targets are stated for, and the full ones.
var stageSets = []datagen.Set{datagen.KubernetesCompact, datagen.Kubernetes}

// BenchmarkStageJSON reads the chunks and encodes each record as a JSON
// line, then compresses the lines at each level the plugin accepts that
// the codec distinguishes: gzip 1 to 9, and the four zstd speeds (levels
// 1, 3, 7 and 11 stand for 1, 2–5, 6–9 and 10–22).
func BenchmarkStageJSON(b *testing.B) {
	type variant struct {
		name  string
		c     format.Compression
		level int
	}
	variants := []variant{{"none", format.CompressionNone, 0}}
	for l := 1; l <= 9; l++ {
		variants = append(variants, variant{"gzip-" + strconv.Itoa(l), format.CompressionGzip, l})
	}
	for _, l := range []int{1, 3, 7, 11} {
		variants = append(variants, variant{"zstd-" + strconv.Itoa(l), format.CompressionZstd, l})
	}
	for _, set := range stageSets {
		d := loadDatasets()[set]
		for _, v := range variants {
			if set != datagen.KubernetesCompact && v.name != "none" && v.name != "gzip-6" && v.name != "zstd-3" {
				continue // the level sweep runs on one data set
			}
			b.Run(set.String()+"/"+v.name, func(b *testing.B) {
				benchJSONStage(b, d, v.c, v.level)
			})
		}
	}
}

func benchJSONStage(b *testing.B, d *dataset, c format.Compression, level int) {
	var out countingWriter
	comp, err := format.NewCompressorLevel(c, level, &out)
	if err != nil {
		b.Fatal(err)
	}
	j := newJSONLines()
	b.ReportAllocs()
	for b.Loop() {
		out.n = 0
		comp.Reset(&out)
		j.encode(b, d, comp)
	}
	reportRates(b, d)
	b.ReportMetric(float64(out.n)/float64(d.records), "B/rec")
	b.ReportMetric(float64(d.rawText)/float64(out.n), "x-smaller-than-text")
}

// BenchmarkStageParquet encodes records into row groups of about 5 MiB
// with a schema already fixed: the steady state of a large object, whose
// schema is learnt once from its first row group. Access logs (26 flat
// columns) with each codec, and the compact Kubernetes records with zstd.
func BenchmarkStageParquet(b *testing.B) {
	type run struct {
		set   datagen.Set
		codec string
	}
	for _, r := range []run{{datagen.S3Access, "zstd"}, {datagen.S3Access, "snappy"}, {datagen.KubernetesCompact, "zstd"}} {
		d := loadDatasets()[r.set]
		opts := format.ParquetOptions{DateKey: "date", Codec: r.codec}
		s := inferSchema(b, d, opts)
		b.Run(r.set.String()+"/"+r.codec, func(b *testing.B) {
			var out bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				pw := format.NewParquetWriter(s, &out)
				writeRows(b, d, pw, 5<<20, nil)
				if err := pw.Close(); err != nil {
					b.Fatal(err)
				}
			}
			reportRates(b, d)
			b.ReportMetric(float64(out.Len())/float64(d.records), "B/rec")
			b.ReportMetric(float64(d.rawText)/float64(out.Len()), "x-smaller-than-text")
		})
	}
}

// BenchmarkStageParquetRowGroups encodes as BenchmarkStageParquet does,
// but as an upload worker does with a RowGroupWriter it keeps for every
// object of the schema: row groups appended to a part in memory, which is
// handed over (here: dropped) after each row group.
func BenchmarkStageParquetRowGroups(b *testing.B) {
	for _, set := range []datagen.Set{datagen.S3Access, datagen.KubernetesCompact} {
		d := loadDatasets()[set]
		s := inferSchema(b, d, format.ParquetOptions{DateKey: "date", Codec: "zstd"})
		b.Run(set.String()+"/zstd", func(b *testing.B) {
			w := format.NewRowGroupWriter(s)
			var part []byte
			var size int64
			b.ReportAllocs()
			for b.Loop() {
				f := format.NewParquetFile(s)
				cut := func() {
					var err error
					if part, err = f.AppendRowGroup(part[:0], w); err != nil {
						b.Fatal(err)
					}
				}
				var r format.Reader
				var ev format.Event
				for _, chunk := range d.chunks {
					r.Reset(chunk)
					for r.Next(&ev) == nil {
						if err := w.Write(&ev); err != nil {
							b.Fatal(err)
						}
					}
					if err := w.Commit(); err != nil {
						b.Fatal(err)
					}
					if w.Buffered() >= 5<<20 {
						cut()
					}
				}
				cut()
				var err error
				if part, err = f.AppendFooter(part[:0]); err != nil {
					b.Fatal(err)
				}
				size = f.Size() + int64(len(part))
			}
			reportRates(b, d)
			b.ReportMetric(float64(size)/float64(d.records), "B/rec")
		})
	}
}

// BenchmarkStageInference learns a schema from access-log records, as is
// done once per object over its first row group.
func BenchmarkStageInference(b *testing.B) {
	d := loadDatasets()[datagen.S3Access]
	b.Run(datagen.S3Access.String(), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			inferSchema(b, d, format.ParquetOptions{DateKey: "date"})
		}
		reportRates(b, d)
	})
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)
