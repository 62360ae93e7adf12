package format

import (
	"io"
)

// ParquetWriter streams rows of one Parquet object to an io.Writer: row
// groups go out whole at each FlushRowGroup and the footer at Close, so
// the caller can cut what was written into multipart parts while the
// object is still open. It holds one row group being encoded (a
// RowGroupWriter) and, between row groups, only the file's footer entries
// (a ParquetFile) and its row encoder.
type ParquetWriter struct {
	rg   *RowGroupWriter
	file *ParquetFile
	out  byteCounter
	// Rows counts the rows handed over by Commit, RowGroups the row
	// groups flushed.
	Rows      int64
	RowGroups int
}

// NewParquetWriter starts an object of schema s written to out.
func NewParquetWriter(s *ParquetSchema, out io.Writer) *ParquetWriter {
	pw := &ParquetWriter{rg: NewRowGroupWriter(s), file: NewParquetFile(s)}
	pw.out.w = out
	return pw
}

// Encoder is the row encoder, for its counters.
func (pw *ParquetWriter) Encoder() *RowEncoder { return pw.rg.Encoder() }

// Write adds ev's row. The row refers to ev's bytes until Commit, which
// must come before they change. A record that cannot be read returns an
// error and adds nothing.
func (pw *ParquetWriter) Write(ev *Event) error {
	err := pw.rg.Write(ev)
	pw.count()
	return err
}

// Commit hands the rows added so far to the column writers, which copy
// them.
func (pw *ParquetWriter) Commit() error {
	err := pw.rg.Commit()
	pw.count()
	return err
}

// count brings Rows up to date: the file's rows and those committed to
// the open row group.
func (pw *ParquetWriter) count() {
	pw.Rows = pw.file.Rows() + pw.rg.rows - int64(pw.rg.pending)
}

// Buffered estimates the bytes of the open row group (an upper bound: its
// last pages are counted before compression).
func (pw *ParquetWriter) Buffered() int64 { return pw.rg.Buffered() }

// FlushRowGroup writes the open row group to the output. Between row
// groups the writer keeps no encoding buffers: an object waiting for its
// next row group holds only its footer entries and its row encoder.
func (pw *ParquetWriter) FlushRowGroup() error {
	err := pw.file.writeRowGroup(&pw.out, pw.rg)
	pw.rg.release()
	pw.RowGroups = pw.file.RowGroups()
	pw.count()
	return err
}

// Close writes the last row group and the footer.
func (pw *ParquetWriter) Close() error {
	if err := pw.FlushRowGroup(); err != nil {
		return err
	}
	footer, err := pw.file.AppendFooter(nil)
	if err != nil {
		return err
	}
	_, err = pw.out.Write(footer)
	return err
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
