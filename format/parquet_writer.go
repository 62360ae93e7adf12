package format

import (
	"io"

	"github.com/parquet-go/parquet-go"
)

// ParquetWriter streams rows of one Parquet object to an io.Writer: row
// groups go out whole at each FlushRowGroup and the footer at Close, so
// the caller can cut what was written into multipart parts while the
// object is still open. It holds at most one row group in memory.
type ParquetWriter struct {
	s     *ParquetSchema
	w     *parquet.Writer
	enc   *RowEncoder
	out   byteCounter
	rows  []parquet.Row
	slab  parquet.Row
	start int64 // w.Size() when the open row group began
	// Rows counts the rows written, RowGroups the row groups flushed.
	Rows      int64
	RowGroups int
}

// rowBatch is how many rows go to parquet-go at once.
const rowBatch = 512

// dictionaryLimit is where a column's dictionary stops paying: past it the
// column falls back to plain encoding for the rest of the row group.
const dictionaryLimit = 1 << 20

// NewParquetWriter starts an object of schema s written to out.
func NewParquetWriter(s *ParquetSchema, out io.Writer) *ParquetWriter {
	codec, _ := ParquetCodec(s.opts.Codec, s.opts.Level) // checked by NewParquetSchema
	pw := &ParquetWriter{s: s, enc: s.NewRowEncoder()}
	pw.out.w = out
	pw.w = parquet.NewWriter(&pw.out, s.pq,
		parquet.Compression(codec),
		parquet.DictionaryMaxBytes(dictionaryLimit),
		parquet.CreatedBy("s3append", "", ""),
		parquet.WriteBufferSize(0),
	)
	return pw
}

// Encoder is the row encoder, for its counters.
func (pw *ParquetWriter) Encoder() *RowEncoder { return pw.enc }

// Write adds ev's row. The row refers to ev's bytes until Commit, which
// must come before they change. A record that cannot be read returns an
// error and adds nothing.
func (pw *ParquetWriter) Write(ev *Event) error {
	start := len(pw.slab)
	var err error
	pw.slab, err = pw.enc.AppendRow(pw.slab, ev)
	if err != nil {
		return err
	}
	pw.rows = append(pw.rows, pw.slab[start:len(pw.slab):len(pw.slab)])
	if len(pw.rows) >= rowBatch {
		return pw.Commit()
	}
	return nil
}

// Commit hands the rows added so far to parquet-go, which copies them.
func (pw *ParquetWriter) Commit() error {
	if len(pw.rows) == 0 {
		return nil
	}
	n, err := pw.w.WriteRows(pw.rows)
	pw.Rows += int64(n)
	clear(pw.rows)
	pw.rows, pw.slab = pw.rows[:0], pw.slab[:0]
	pw.enc.Release()
	return err
}

// Buffered estimates the bytes of the open row group (an upper bound: its
// last pages are counted before compression).
func (pw *ParquetWriter) Buffered() int64 {
	return pw.w.Size() - pw.start
}

// FlushRowGroup writes the open row group to the output.
func (pw *ParquetWriter) FlushRowGroup() error {
	if err := pw.Commit(); err != nil {
		return err
	}
	if pw.Buffered() == 0 {
		return nil
	}
	if err := pw.w.Flush(); err != nil {
		return err
	}
	pw.RowGroups++
	pw.start = pw.w.Size()
	return nil
}

// Close writes the last row group and the footer.
func (pw *ParquetWriter) Close() error {
	if err := pw.Commit(); err != nil {
		return err
	}
	return pw.w.Close()
}

// Written is the number of bytes written to the output so far.
func (pw *ParquetWriter) Written() int64 { return pw.out.n }

type byteCounter struct {
	w io.Writer
	n int64
}

func (c *byteCounter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
