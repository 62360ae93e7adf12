package format

import (
	"errors"
	"io"

	"github.com/parquet-go/parquet-go"
)

// RowGroupWriter encodes records into one row group at a time, which a
// ParquetFile then takes whole (AppendRowGroup). It holds the costly
// state of Parquet encoding (column buffers, pages, dictionaries, page
// statistics) for one row group, so a few of them, one per upload worker,
// serve any number of open objects whose schemas share a Key; an open
// object keeps only its ParquetFile.
//
// Rows go from the RowEncoder straight into parquet-go's column writers,
// a batch of whole rows per column at a time. A RowGroupWriter must not be
// used by two goroutines at once.
type RowGroupWriter struct {
	s   *ParquetSchema
	enc *RowEncoder
	pw  *parquet.Writer
	// out receives pw's output: a mini Parquet file per row group, taken
	// apart by take.
	out     rowGroupOutput
	pending int   // rows gathered in enc, not yet given to the column writers
	rows    int64 // rows of the open row group, pending ones included
	base    int64 // pw.Size() of an empty row group
	scratch rowGroupScratch
}

// rowBatch is how many rows go to the column writers at once. A page is
// only cut between calls, so a batch bounds how far a page outgrows its
// target size; 64 rows is also what parquet-go's own WriteRows hands over.
const rowBatch = 64

// pageSize is the size, before encoding, at which a column's values are
// cut into a page. Each column of a row group being written holds up to a
// page of values, so this is also most of an upload worker's encoding
// memory: 1 MiB pages made files up to 3% smaller on the benchmark data and
// took some 10 MB more per worker.
const pageSize = 512 << 10

// dictionaryLimit is where a column's dictionary stops paying: past it the
// column falls back to plain encoding for the rest of the row group.
const dictionaryLimit = 1 << 20

// NewRowGroupWriter returns an empty row group writer for rows of s.
func NewRowGroupWriter(s *ParquetSchema) *RowGroupWriter {
	return &RowGroupWriter{s: s, enc: s.NewRowEncoder()}
}

// columns returns the column writers, made on first use.
func (w *RowGroupWriter) columns() []*parquet.ColumnWriter {
	if w.pw == nil {
		w.pw = parquet.NewWriter(&w.out, w.s.writerOptions()...)
		w.base = w.pw.Size()
	}
	return w.pw.ColumnWriters()
}

// release drops the column writers of an empty row group writer, and the
// buffers they grew, some megabytes: a writer kept for one object
// between its row groups then holds only its row encoder. The next row
// group makes new ones.
func (w *RowGroupWriter) release() {
	if w.rows == 0 {
		w.pw = nil
		w.out = rowGroupOutput{}
		w.scratch = rowGroupScratch{}
	}
}

// writerOptions configure parquet-go for the objects of s.
func (s *ParquetSchema) writerOptions() []parquet.WriterOption {
	codec, _ := ParquetCodec(s.opts.Codec, s.opts.Level) // checked by NewParquetSchema
	return []parquet.WriterOption{
		s.pq,
		parquet.Compression(codec),
		parquet.DictionaryMaxBytes(dictionaryLimit),
		// Pages larger than parquet-go's default: a fast codec finds more
		// to share in a larger page (see ParquetCodec), and each page
		// costs a header, an index entry and a codec call.
		parquet.PageBufferSize(pageSize),
		parquet.CreatedBy("s3append", "", ""),
		// Readers prune pages by the page index, which has each page's
		// bounds; the same bounds again in every page header cost a
		// second pass over the page's values and bytes in the file.
		parquet.DataPageStatistics(false),
		// Pages go straight to the output when a row group is written:
		// no second copy of the row group in a write buffer.
		parquet.WriteBufferSize(0),
	}
}

// Schema is the schema the writer was made for.
func (w *RowGroupWriter) Schema() *ParquetSchema { return w.s }

// Encoder is the row encoder, for its counters (Misfits, InvalidUTF8).
func (w *RowGroupWriter) Encoder() *RowEncoder { return w.enc }

// Write adds ev's row to the open row group. The row refers to ev's bytes
// until Commit, which must come before they change. A record that cannot
// be read returns an error and adds nothing. An error from the column
// writers (Commit's) drops the open row group.
func (w *RowGroupWriter) Write(ev *Event) error {
	if err := w.enc.appendColumns(ev); err != nil {
		return err
	}
	w.pending++
	w.rows++
	if w.pending >= rowBatch {
		return w.Commit()
	}
	return nil
}

// Commit hands the rows added so far to the column writers, which copy
// them, so the records they came from may change. On error the open row
// group is dropped.
func (w *RowGroupWriter) Commit() error {
	if w.pending == 0 {
		return nil
	}
	for c, cw := range w.columns() {
		if _, err := cw.WriteRowValues(w.enc.cols[c]); err != nil {
			w.abandon()
			return err
		}
	}
	w.pending = 0
	w.enc.resetColumns()
	w.enc.Release()
	return nil
}

// Rows is the number of rows in the open row group.
func (w *RowGroupWriter) Rows() int64 { return w.rows }

// Buffered estimates the bytes of the open row group, as far as Commit
// has handed it over: pages written so far (compressed) plus the values
// of the page being filled and the dictionaries (not compressed), so an
// upper bound of what the row group will take in the file.
func (w *RowGroupWriter) Buffered() int64 {
	if w.pw == nil {
		return 0
	}
	return w.pw.Size() - w.base
}

// Discard drops the open row group.
func (w *RowGroupWriter) Discard() {
	if w.pw != nil {
		w.pw.Reset(&w.out)
	}
	w.enc.forgetColumns()
	w.enc.Release()
	w.pending, w.rows = 0, 0
}

// abandon drops the open row group after parquet-go failed on it, and
// the column writers with it: whatever state the failure left them in,
// the next row group starts with new ones.
func (w *RowGroupWriter) abandon() {
	w.Discard()
	w.release()
}

// rowGroupOutput is where parquet-go writes: the column chunks of the row
// group go to data, less the mini file's leading magic (the object's
// stream has its own), and what follows them (page index, footer) to tail.
type rowGroupOutput struct {
	data    io.Writer
	skip    int   // magic bytes still to drop
	written int64 // bytes that reached data
	tail    []byte
	toTail  bool
}

func (o *rowGroupOutput) Write(p []byte) (int, error) {
	if o.toTail {
		o.tail = append(o.tail, p...)
		return len(p), nil
	}
	n := min(o.skip, len(p))
	o.skip -= n
	if o.data == nil {
		return n, errors.New("format: a row group is written outside of a ParquetFile")
	}
	m, err := o.data.Write(p[n:])
	o.written += int64(m)
	return n + m, err
}
