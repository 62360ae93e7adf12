package format_test

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/test/datagen"
)

// The dataset benchmarks encode one generated data set per run into a
// whole object and report speed (rec/s, MB/s of msgpack input, per core:
// one goroutine) and size (B/rec of output, and how many times smaller
// than the data as raw log text the output is).

const datasetRecords = 100_000

type dataset struct {
	chunks  [][]byte
	records int
	msgpack int64 // input bytes
	rawText int64 // the records as log text lines
}

var (
	datasetsOnce sync.Once
	datasets     map[datagen.Set]*dataset
)

func loadDatasets() map[datagen.Set]*dataset {
	datasetsOnce.Do(func() {
		datasets = map[datagen.Set]*dataset{}
		for _, set := range []datagen.Set{datagen.KubernetesCompact, datagen.Kubernetes, datagen.S3Access} {
			chunks, text := datagen.Chunks(set, 1, datasetRecords, 2<<20)
			d := &dataset{chunks: chunks, records: datasetRecords, rawText: text}
			for _, c := range chunks {
				d.msgpack += int64(len(c))
			}
			datasets[set] = d
		}
	})
	return datasets
}

// encoding writes a whole data set as one object to out.
type encoding struct {
	name   string
	encode func(b *testing.B, d *dataset, out *bytes.Buffer)
}

var encodings = []encoding{
	{"json-gzip", jsonEncoding(format.CompressionGzip)},
	{"json-zstd", jsonEncoding(format.CompressionZstd)},
	{"parquet-zstd", parquetEncoding("zstd")},
	{"parquet-snappy", parquetEncoding("snappy")},
}

func jsonEncoding(c format.Compression) func(*testing.B, *dataset, *bytes.Buffer) {
	return func(b *testing.B, d *dataset, out *bytes.Buffer) {
		comp, err := format.NewCompressor(c, out)
		if err != nil {
			b.Fatal(err)
		}
		newJSONLines().encode(b, d, comp)
	}
}

// jsonLines encodes data sets as JSON lines into a compressor, with its
// buffers kept from one object to the next.
type jsonLines struct {
	enc   *format.JSONEncoder
	r     format.Reader
	ev    format.Event
	lines []byte
}

func newJSONLines() *jsonLines {
	return &jsonLines{enc: format.NewJSONEncoder(format.JSONOptions{DateKey: "date", DateFormat: format.DateISO8601})}
}

// encode writes every record of d to comp as one object, and closes comp.
func (j *jsonLines) encode(b *testing.B, d *dataset, comp format.Compressor) {
	var err error
	for _, chunk := range d.chunks {
		j.r.Reset(chunk)
		j.lines = j.lines[:0]
		for j.r.Next(&j.ev) == nil {
			if j.lines, err = j.enc.AppendLine(j.lines, &j.ev); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := comp.Write(j.lines); err != nil {
			b.Fatal(err)
		}
	}
	if err := comp.Close(); err != nil {
		b.Fatal(err)
	}
}

// parquetEncoding infers the schema from the data set, then writes it in
// row groups of about 5 MiB, as the plugin does for one object.
func parquetEncoding(codec string) func(*testing.B, *dataset, *bytes.Buffer) {
	return func(b *testing.B, d *dataset, out *bytes.Buffer) {
		opts := format.ParquetOptions{DateKey: "date", Codec: codec}
		s := inferSchema(b, d, opts)
		pw := format.NewParquetWriter(s, out)
		writeRows(b, d, pw, 5<<20, nil)
		if err := pw.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func inferSchema(b testing.TB, d *dataset, opts format.ParquetOptions) *format.ParquetSchema {
	inf := format.NewInferrer(opts)
	var r format.Reader
	var ev format.Event
	for _, chunk := range d.chunks {
		r.Reset(chunk)
		for r.Next(&ev) == nil {
			if err := inf.Add(ev.Record); err != nil {
				b.Fatal(err)
			}
		}
	}
	s, err := format.NewParquetSchema(inf.Fields(), opts)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// writeRows writes every record of d, flushing a row group whenever the
// open one reaches rowGroup bytes; after each flush it calls flushed.
func writeRows(b testing.TB, d *dataset, pw *format.ParquetWriter, rowGroup int64, flushed func()) {
	var r format.Reader
	var ev format.Event
	for _, chunk := range d.chunks {
		r.Reset(chunk)
		for r.Next(&ev) == nil {
			if err := pw.Write(&ev); err != nil {
				b.Fatal(err)
			}
		}
		if err := pw.Commit(); err != nil {
			b.Fatal(err)
		}
		if pw.Buffered() >= rowGroup {
			if err := pw.FlushRowGroup(); err != nil {
				b.Fatal(err)
			}
			if flushed != nil {
				flushed()
			}
		}
	}
}

// BenchmarkDataset encodes each data set with each encoding: speed, and
// output size per record and against the raw log text.
func BenchmarkDataset(b *testing.B) {
	ds := loadDatasets()
	for _, set := range []datagen.Set{datagen.KubernetesCompact, datagen.Kubernetes, datagen.S3Access} {
		d := ds[set]
		for _, e := range encodings {
			b.Run(set.String()+"/"+e.name, func(b *testing.B) {
				var out bytes.Buffer
				b.ReportAllocs()
				for b.Loop() {
					out.Reset()
					e.encode(b, d, &out)
				}
				s := b.Elapsed().Seconds()
				b.ReportMetric(float64(d.records*b.N)/s, "rec/s")
				b.ReportMetric(float64(d.msgpack*int64(b.N))/s/1e6, "MB/s")
				b.ReportMetric(float64(out.Len())/float64(d.records), "B/rec")
				b.ReportMetric(float64(d.rawText)/float64(out.Len()), "x-smaller-than-text")
			})
		}
	}
}

// BenchmarkParquetLargeObject writes one Parquet object of
// S3APPEND_BENCH_OBJECT_BYTES (default 2 GiB, counting the file's bytes)
// from access-log records, cutting 5 MiB parts off as the plugin does,
// and reports the peak heap in use above the data set's own: it must not
// grow with the object.
// Pages are not compressed, so that a 2 GiB object takes minutes, not
// hours; compression only shrinks what is held.
func BenchmarkParquetLargeObject(b *testing.B) {
	size := int64(2 << 30)
	if v := os.Getenv("S3APPEND_BENCH_OBJECT_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			b.Fatalf("S3APPEND_BENCH_OBJECT_BYTES: %v", err)
		}
		size = n
	}
	d := loadDatasets()[datagen.S3Access]
	opts := format.ParquetOptions{DateKey: "date", Codec: "none"}
	s := inferSchema(b, d, opts)
	const part = 5 << 20
	var peak, atQuarter uint64
	var rows int64
	// The live heap as of the last garbage collection: what the writer
	// really holds, without the garbage a collection would free.
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	sample := func() {
		metrics.Read(live)
		peak = max(peak, live[0].Value.Uint64())
	}
	// Collect often, so that the live heap is measured often.
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	// The data set itself stays in memory: measure above it.
	runtime.GC()
	metrics.Read(live)
	base := live[0].Value.Uint64()
	b.ReportAllocs()
	for b.Loop() {
		runtime.GC()
		peak, atQuarter = 0, 0
		var sink bytes.Buffer
		pw := format.NewParquetWriter(s, &sink)
		cut := func() {
			sample()
			for sink.Len() >= part {
				sink.Next(part) // an uploaded part
			}
		}
		for pw.Written() < size {
			writeRows(b, d, pw, part, cut)
			if atQuarter == 0 && pw.Written() >= size/4 {
				atQuarter = peak
			}
		}
		if err := pw.Close(); err != nil {
			b.Fatal(err)
		}
		sample()
		rows = pw.Rows
		if pw.Written() < size {
			b.Fatalf("wrote %d bytes, want %d", pw.Written(), size)
		}
	}
	b.ReportMetric(float64(size)/(1<<20), "object-MiB")
	b.ReportMetric(float64(rows), "rows")
	peak, atQuarter = peak-min(peak, base), atQuarter-min(atQuarter, base)
	b.ReportMetric(float64(peak)/(1<<20), "peak-live-heap-MiB")
	b.ReportMetric(float64(atQuarter)/(1<<20), "peak-live-heap-at-quarter-MiB")
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds()*float64(b.N), "rec/s")
	if testing.Verbose() {
		fmt.Printf("large object: %d MiB, %d rows, peak live heap %d MiB (%d MiB at a quarter)\n", size>>20, rows, peak>>20, atQuarter>>20)
	}
}
