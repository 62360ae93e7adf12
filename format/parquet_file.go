package format

import (
	"fmt"
	"io"
	"unsafe"

	"github.com/parquet-go/parquet-go"
)

// ParquetFile is what an open Parquet object keeps between row groups:
// its schema and, for each row group already in its byte stream, the
// footer entry and page index that the footer will list, thrift-encoded.
// The stream itself ("PAR1", row group 1, row group 2, ..., page index,
// footer, its length, "PAR1") goes to the caller, row group by row group
// (AppendRowGroup) and then the end (AppendFooter), to be cut into parts.
//
// Row group entries are kept thrift-encoded, as the footer will hold
// them: for access-log records (26 fields, the time and _extra: 28
// columns) a row group of 5 MiB costs about 6.5 KiB of MetadataBytes,
// some 230 bytes a column chunk, most of it the chunk statistics (whose
// string bounds are whole values) and the page index (bounds cut to 16
// bytes, page offsets). BenchmarkParquetFooterMetadata measures it.
type ParquetFile struct {
	s      *ParquetSchema
	size   int64
	groups []rowGroupEntry
}

// rowGroupEntry is one row group as a ParquetFile keeps it.
type rowGroupEntry struct {
	// buf holds the RowGroup footer entry, offsets final but for the page
	// index locations and the ordinal, which the footer fills in; then the
	// column index of each column; then the offset index of each column.
	buf []byte
	// ends are where in buf the entry, each column index and each offset
	// index end.
	ends []uint32
	rows int64
	// end is the stream's size and rowsEnd the file's rows with this row
	// group: what Truncate goes back to.
	end, rowsEnd int64
}

func (e *rowGroupEntry) columns() int { return (len(e.ends) - 1) / 2 }

func (e *rowGroupEntry) meta() []byte { return e.buf[:e.ends[0]] }

func (e *rowGroupEntry) part(i int) []byte { return e.buf[e.ends[i]:e.ends[i+1]] }

// columnIndex and offsetIndex are the page index entries of column j.
func (e *rowGroupEntry) columnIndex(j int) []byte { return e.part(j) }
func (e *rowGroupEntry) offsetIndex(j int) []byte { return e.part(e.columns() + j) }

// NewParquetFile starts an empty object of schema s.
func NewParquetFile(s *ParquetSchema) *ParquetFile { return &ParquetFile{s: s} }

// Schema is the object's schema.
func (f *ParquetFile) Schema() *ParquetSchema { return f.s }

// Size is the number of bytes of the stream so far, the footer excluded.
func (f *ParquetFile) Size() int64 { return f.size }

// Rows is the number of rows in the row groups so far.
func (f *ParquetFile) Rows() int64 {
	if len(f.groups) == 0 {
		return 0
	}
	return f.groups[len(f.groups)-1].rowsEnd
}

// RowGroups is the number of row groups so far.
func (f *ParquetFile) RowGroups() int { return len(f.groups) }

// MetadataBytes is the memory the file's state holds for its row groups.
func (f *ParquetFile) MetadataBytes() int {
	n := cap(f.groups) * int(unsafe.Sizeof(rowGroupEntry{}))
	for i := range f.groups {
		n += cap(f.groups[i].buf) + 4*cap(f.groups[i].ends)
	}
	return n
}

// AppendRowGroup appends to dst the bytes of w's open row group as they
// sit in the object's stream (after the magic, when the file is still
// empty), records its footer entry, and leaves w empty for the next row
// group. An empty w adds nothing. w's schema must have f's Key.
//
// On error dst is returned as it came, f is unchanged, and w has dropped
// its row group (unless the error is about w's schema or a file that is
// full).
func (f *ParquetFile) AppendRowGroup(dst []byte, w *RowGroupWriter) ([]byte, error) {
	out := appendWriter{b: dst}
	start := len(dst)
	if err := f.writeRowGroup(&out, w); err != nil {
		return out.b[:start], err
	}
	return out.b, nil
}

// writeRowGroup writes w's open row group to out, which is at f.size of
// the stream.
func (f *ParquetFile) writeRowGroup(out io.Writer, w *RowGroupWriter) error {
	if w.s.key != f.s.key {
		return fmt.Errorf("format: a row group encoded for another schema or codec cannot join a file of schema %s", f.s.root)
	}
	if w.Rows() == 0 {
		return nil
	}
	if len(f.groups) >= parquet.MaxRowGroups {
		return fmt.Errorf("format: a Parquet file holds at most %d row groups", parquet.MaxRowGroups)
	}
	at := f.size
	if at == 0 {
		if _, err := io.WriteString(out, magic); err != nil {
			return err
		}
		at = int64(len(magic))
	}
	e, n, err := w.take(out, at)
	if err != nil {
		return err
	}
	e.end = at + n
	e.rowsEnd = f.Rows() + e.rows
	f.groups = append(f.groups, e)
	f.size = e.end
	return nil
}

// Truncate forgets every row group past the first n, as when the bytes of
// a pass that failed to upload are thrown away: Size, Rows and RowGroups
// go back to what they were with n row groups. With n = 0 the magic goes
// too, and the next row group writes it again.
func (f *ParquetFile) Truncate(n int) {
	if n >= len(f.groups) {
		return
	}
	n = max(n, 0)
	clear(f.groups[n:])
	f.groups = f.groups[:n]
	f.size = 0
	if n > 0 {
		f.size = f.groups[n-1].end
	}
}

// appendWriter appends what is written to b.
type appendWriter struct{ b []byte }

func (a *appendWriter) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}
