package format_test

import (
	"testing"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/test/datagen"
)

// footerState encodes d into row groups of rowGroup bytes, as an open
// object does, and returns the object's file: what it keeps between row
// groups.
func footerState(t testing.TB, d *dataset, s *format.ParquetSchema, rowGroup int64) *format.ParquetFile {
	w := format.NewRowGroupWriter(s)
	f := format.NewParquetFile(s)
	var part []byte
	var r format.Reader
	var ev format.Event
	cut := func() {
		var err error
		if part, err = f.AppendRowGroup(part[:0], w); err != nil {
			t.Fatal(err)
		}
	}
	for _, chunk := range d.chunks {
		r.Reset(chunk)
		for r.Next(&ev) == nil {
			if err := w.Write(&ev); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		if w.Buffered() >= rowGroup {
			cut()
		}
	}
	cut()
	return f
}

// An open object's footer state stays small: a few hundred bytes per
// column per row group, for access logs (28 columns, string bounds in
// the statistics) in row groups of 256 KiB.
func TestParquetFileMetadataBytes(t *testing.T) {
	const records = 20_000
	chunks, _ := datagen.Chunks(datagen.S3Access, 2, records, 2<<20)
	d := &dataset{chunks: chunks, records: records}
	s := inferSchema(t, d, format.ParquetOptions{DateKey: "date"})
	f := footerState(t, d, s, 256<<10)
	columns := len(s.Schema().Columns())
	perGroup := f.MetadataBytes() / f.RowGroups()
	perChunk := perGroup / columns
	t.Logf("%d row groups of %d columns: %d bytes of footer state, %d per row group, %d per column chunk",
		f.RowGroups(), columns, f.MetadataBytes(), perGroup, perChunk)
	if f.RowGroups() < 10 {
		t.Fatalf("only %d row groups", f.RowGroups())
	}
	if perChunk > 400 {
		t.Errorf("%d bytes of footer state per column chunk", perChunk)
	}
}

// BenchmarkParquetFooterMetadata reports the memory an open object keeps
// per row group (and per column chunk) between row groups, for each data
// set in row groups of about 5 MiB.
func BenchmarkParquetFooterMetadata(b *testing.B) {
	for _, set := range []datagen.Set{datagen.S3Access, datagen.KubernetesCompact, datagen.Kubernetes} {
		d := loadDatasets()[set]
		s := inferSchema(b, d, format.ParquetOptions{DateKey: "date"})
		b.Run(set.String(), func(b *testing.B) {
			var f *format.ParquetFile
			for b.Loop() {
				f = footerState(b, d, s, 5<<20)
			}
			perGroup := float64(f.MetadataBytes()) / float64(f.RowGroups())
			b.ReportMetric(perGroup, "B/row-group")
			b.ReportMetric(perGroup/float64(len(s.Schema().Columns())), "B/column-chunk")
			b.ReportMetric(float64(f.RowGroups()), "row-groups")
		})
	}
}
