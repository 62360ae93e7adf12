package format

import (
	"bytes"
	"fmt"
	"io"
	"slices"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	pqformat "github.com/parquet-go/parquet-go/format"
)

// magic opens and closes every Parquet file.
const magic = "PAR1"

// A row group is encoded as a Parquet file of its own (a mini file):
// magic, the column chunks, the page index and a footer. take sends the
// column chunks into the object's stream and keeps the rest in the
// compact form a ParquetFile holds, every offset moved from the mini file
// to where the chunks sit in the stream.

// take writes the open row group's column chunks to data, where they
// start at offset at of the object's stream, and returns its entry and
// the number of bytes written. w is left empty, on error too.
func (w *RowGroupWriter) take(data io.Writer, at int64) (e rowGroupEntry, written int64, err error) {
	defer func() {
		if err != nil {
			w.abandon()
		} else {
			w.Discard()
		}
	}()
	if err := w.Commit(); err != nil {
		return rowGroupEntry{}, 0, err
	}
	rows := w.rows
	w.columns() // a row group committed has them; an empty one makes them here
	w.out = rowGroupOutput{data: data, skip: len(magic), tail: w.out.tail[:0]}
	// Flush writes the magic and the column chunks, Close what follows.
	err = w.pw.Flush()
	w.out.toTail = true
	if err == nil {
		err = w.pw.Close()
	}
	w.out.data = nil
	written = w.out.written
	if err != nil {
		return rowGroupEntry{}, written, err
	}
	md := w.pw.File().Metadata()
	if len(md.RowGroups) != 1 || md.RowGroups[0].NumRows != rows {
		return rowGroupEntry{}, written, fmt.Errorf("format: a row group of %d rows was encoded as %d row groups", rows, len(md.RowGroups))
	}
	rg := &md.RowGroups[0]
	if err := w.checkPaths(rg); err != nil {
		return rowGroupEntry{}, written, err
	}
	if e, err = w.scratch.entry(rg, miniFile{chunks: written, tail: w.out.tail}, at-int64(len(magic))); err != nil {
		return rowGroupEntry{}, written, err
	}
	// The column paths of the footer entry share their array with the
	// column writers' own paths, and the writer's Reset (in Discard)
	// clears the entry's paths in place: cut them loose first, or every
	// later row group would name its columns "".
	for i := range rg.Columns {
		rg.Columns[i].MetaData.PathInSchema = nil
	}
	return e, written, nil
}

// checkPaths makes sure the row group's column chunks name the schema's
// columns, in order.
func (w *RowGroupWriter) checkPaths(rg *pqformat.RowGroup) error {
	want := w.s.pq.Columns()
	if len(rg.Columns) != len(want) {
		return fmt.Errorf("format: a row group of %d columns for a schema of %d", len(rg.Columns), len(want))
	}
	for i := range rg.Columns {
		if !slices.Equal(rg.Columns[i].MetaData.PathInSchema, want[i]) {
			return fmt.Errorf("format: column chunk %d is named %q, not %q", i, rg.Columns[i].MetaData.PathInSchema, want[i])
		}
	}
	return nil
}

// miniFile locates the parts of a row group's mini file: the column
// chunks start after the magic, the tail (page index, footer) after them.
type miniFile struct {
	chunks int64
	tail   []byte
}

func (m miniFile) chunksEnd() int64 { return int64(len(magic)) + m.chunks }

// indexBytes returns the page index entry at mini file offset off.
func (m miniFile) indexBytes(off int64, n int32) ([]byte, error) {
	i := off - m.chunksEnd()
	if i < 0 || n <= 0 || i+int64(n) > int64(len(m.tail)) {
		return nil, fmt.Errorf("format: a page index entry at %d+%d is missing or lies outside the row group's tail", off, n)
	}
	return m.tail[i : i+int64(n)], nil
}

// rowGroupScratch is the reusable state of turning a mini file's metadata
// into an entry.
type rowGroupScratch struct {
	proto thrift.CompactProtocol
	buf   bytes.Buffer
	enc   *thrift.Encoder
	r     thrift.BytesReader
	dec   *thrift.Decoder
	oi    pqformat.OffsetIndex
	ends  []uint32
}

// entry moves the offsets of rg (the mini file's row group, changed in
// place) by delta and encodes it, with its column and offset indexes.
func (sc *rowGroupScratch) entry(rg *pqformat.RowGroup, m miniFile, delta int64) (rowGroupEntry, error) {
	if sc.enc == nil {
		sc.enc = thrift.NewEncoder(sc.proto.NewWriter(&sc.buf))
		sc.r = sc.proto.NewReaderFromBytes(nil)
		sc.dec = thrift.NewDecoder(sc.r)
	}
	if err := checkChunks(rg, m); err != nil {
		return rowGroupEntry{}, err
	}
	n := len(rg.Columns)
	type location struct {
		ciOff, oiOff int64
		ciLen, oiLen int32
	}
	locs := make([]location, n)
	move := func(off *int64) {
		if *off != 0 {
			*off += delta
		}
	}
	move(&rg.FileOffset)
	for i := range rg.Columns {
		c := &rg.Columns[i]
		locs[i] = location{c.ColumnIndexOffset, c.OffsetIndexOffset, c.ColumnIndexLength, c.OffsetIndexLength}
		// The footer places the page index; the ordinal is the row
		// group's place in the file.
		c.ColumnIndexOffset, c.ColumnIndexLength = 0, 0
		c.OffsetIndexOffset, c.OffsetIndexLength = 0, 0
		move(&c.FileOffset)
		move(&c.MetaData.DataPageOffset)
		move(&c.MetaData.DictionaryPageOffset)
		move(&c.MetaData.IndexPageOffset)
		move(&c.MetaData.BloomFilterOffset)
	}
	rg.Ordinal = 0
	sc.buf.Reset()
	sc.ends = sc.ends[:0]
	if err := sc.enc.Encode(rg); err != nil {
		return rowGroupEntry{}, err
	}
	sc.ends = append(sc.ends, uint32(sc.buf.Len()))
	// Column indexes hold no offsets: they are kept as they are.
	for _, l := range locs {
		b, err := m.indexBytes(l.ciOff, l.ciLen)
		if err != nil {
			return rowGroupEntry{}, err
		}
		sc.buf.Write(b)
		sc.ends = append(sc.ends, uint32(sc.buf.Len()))
	}
	for i, l := range locs {
		b, err := m.indexBytes(l.oiOff, l.oiLen)
		if err != nil {
			return rowGroupEntry{}, err
		}
		sc.oi.Reset()
		sc.r.ResetBytes(b)
		if err := sc.dec.Decode(&sc.oi); err != nil {
			return rowGroupEntry{}, fmt.Errorf("format: reading the offset index of column %d: %w", i, err)
		}
		for p := range sc.oi.PageLocations {
			sc.oi.PageLocations[p].Offset += delta
		}
		if err := sc.enc.Encode(&sc.oi); err != nil {
			return rowGroupEntry{}, err
		}
		sc.ends = append(sc.ends, uint32(sc.buf.Len()))
	}
	return rowGroupEntry{
		buf:  bytes.Clone(sc.buf.Bytes()),
		ends: append([]uint32(nil), sc.ends...),
		rows: rg.NumRows,
	}, nil
}

// checkChunks makes sure the mini file is laid out as take expects: the
// column chunks one after the other right after the magic, and nothing
// the row group refers to (pages, bloom filters) outside of the bytes
// that go into the stream. Were parquet-go to lay files out otherwise,
// this fails rather than writing a broken object.
func checkChunks(rg *pqformat.RowGroup, m miniFile) error {
	pos := int64(len(magic))
	inside := func(off, n int64) bool { return off >= int64(len(magic)) && off+n <= m.chunksEnd() }
	for i := range rg.Columns {
		md := &rg.Columns[i].MetaData
		start := md.DataPageOffset
		if d := md.DictionaryPageOffset; d != 0 && d < start {
			start = d
		}
		if start != pos {
			return fmt.Errorf("format: column chunk %d of the row group starts at %d, not %d", i, start, pos)
		}
		pos += md.TotalCompressedSize
		if md.BloomFilterOffset != 0 && !inside(md.BloomFilterOffset, int64(md.BloomFilterLength)) {
			return fmt.Errorf("format: the bloom filter of column %d lies outside the row group", i)
		}
		if md.IndexPageOffset != 0 && !inside(md.IndexPageOffset, 0) {
			return fmt.Errorf("format: the index page of column %d lies outside the row group", i)
		}
	}
	if pos > m.chunksEnd() {
		return fmt.Errorf("format: the row group's column chunks end at %d, past the %d bytes written", pos, m.chunksEnd())
	}
	return nil
}
