package format

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	pqformat "github.com/parquet-go/parquet-go/format"
)

// AppendFooter appends what completes the object's stream: the magic if
// no row group was written, the page index (every column index, then every
// offset index), the footer (FileMetaData), its length and the magic. f is
// not changed, so a pass that fails can append it again.
//
// The footer is written one row group at a time, so it takes no more
// memory than one decoded row group entry.
func (f *ParquetFile) AppendFooter(dst []byte) ([]byte, error) {
	proto, err := f.s.footerPrototype()
	if err != nil {
		return dst, err
	}
	start := len(dst)
	at := f.size
	if at == 0 {
		dst = append(dst, magic...)
		at = int64(len(magic))
	}
	indexStart := len(dst)
	for i := range f.groups {
		for j := range f.groups[i].columns() {
			dst = append(dst, f.groups[i].columnIndex(j)...)
		}
	}
	columnIndexAt := at
	offsetIndexAt := at + int64(len(dst)-indexStart)
	for i := range f.groups {
		for j := range f.groups[i].columns() {
			dst = append(dst, f.groups[i].offsetIndex(j)...)
		}
	}
	footerStart := len(dst)
	out := appendWriter{b: dst}
	fw := newFooterWriter(&out)
	if err := fw.write(proto, f, columnIndexAt, offsetIndexAt); err != nil {
		return out.b[:start], err
	}
	dst = out.b
	n := len(dst) - footerStart
	if int64(n) > math.MaxUint32 {
		return dst[:start], fmt.Errorf("format: a Parquet footer of %d bytes is too large", n)
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
	return append(dst, magic...), nil
}

// footerPrototype returns the footer parquet-go writes for an object of s
// with no rows: the schema elements, column orders, created_by and
// key-value metadata that every footer of s repeats. It is made when
// needed rather than kept, so an open object holds none of it.
func (s *ParquetSchema) footerPrototype() (*pqformat.FileMetaData, error) {
	w := parquet.NewWriter(io.Discard, s.writerOptions()...)
	if err := w.Close(); err != nil {
		return nil, err
	}
	return w.File().Metadata(), nil
}

// footerWriter writes a FileMetaData in thrift's compact protocol, its
// row groups taken from the file's entries one at a time. The fields go
// in order of their ids, as a whole struct would be encoded.
type footerWriter struct {
	w    thrift.Writer
	enc  *thrift.Encoder
	r    thrift.BytesReader
	dec  *thrift.Decoder
	last int16 // id of the last field written
	rg   pqformat.RowGroup
}

func newFooterWriter(out io.Writer) *footerWriter {
	var proto thrift.CompactProtocol
	fw := &footerWriter{w: proto.NewWriter(out), r: proto.NewReaderFromBytes(nil)}
	fw.enc = thrift.NewEncoder(fw.w)
	fw.dec = thrift.NewDecoder(fw.r)
	return fw
}

// FileMetaData field ids, from parquet.thrift.
const (
	metaVersion int16 = iota + 1
	metaSchema
	metaNumRows
	metaRowGroups
	metaKeyValueMetadata
	metaCreatedBy
	metaColumnOrders
)

// parquetFormatVersion is the footer's version field, as parquet-go writes it.
const parquetFormatVersion = 2

func (fw *footerWriter) field(id int16, t thrift.Type) error {
	// The compact protocol writes a field's id as the step from the last.
	err := fw.w.WriteField(thrift.Field{ID: id - fw.last, Type: t, Delta: true})
	fw.last = id
	return err
}

// list starts a list field of n structs.
func (fw *footerWriter) list(id int16, n int) error {
	if err := fw.field(id, thrift.LIST); err != nil {
		return err
	}
	return fw.w.WriteList(thrift.List{Size: int32(n), Type: thrift.STRUCT})
}

func (fw *footerWriter) write(proto *pqformat.FileMetaData, f *ParquetFile, columnIndexAt, offsetIndexAt int64) error {
	if err := fw.field(metaVersion, thrift.I32); err != nil {
		return err
	}
	if err := fw.w.WriteInt32(parquetFormatVersion); err != nil {
		return err
	}
	if err := fw.list(metaSchema, len(proto.Schema)); err != nil {
		return err
	}
	for i := range proto.Schema {
		if err := fw.enc.Encode(&proto.Schema[i]); err != nil {
			return err
		}
	}
	if err := fw.field(metaNumRows, thrift.I64); err != nil {
		return err
	}
	if err := fw.w.WriteInt64(f.Rows()); err != nil {
		return err
	}
	if err := fw.list(metaRowGroups, len(f.groups)); err != nil {
		return err
	}
	for i := range f.groups {
		if err := fw.rowGroup(&f.groups[i], i, &columnIndexAt, &offsetIndexAt); err != nil {
			return err
		}
	}
	if proto.KeyValueMetadata != nil {
		if err := fw.list(metaKeyValueMetadata, len(proto.KeyValueMetadata)); err != nil {
			return err
		}
		for i := range proto.KeyValueMetadata {
			if err := fw.enc.Encode(&proto.KeyValueMetadata[i]); err != nil {
				return err
			}
		}
	}
	if proto.CreatedBy != "" {
		if err := fw.field(metaCreatedBy, thrift.BINARY); err != nil {
			return err
		}
		if err := fw.w.WriteString(proto.CreatedBy); err != nil {
			return err
		}
	}
	if proto.ColumnOrders != nil {
		if err := fw.list(metaColumnOrders, len(proto.ColumnOrders)); err != nil {
			return err
		}
		for i := range proto.ColumnOrders {
			if err := fw.enc.Encode(&proto.ColumnOrders[i]); err != nil {
				return err
			}
		}
	}
	return fw.w.WriteField(thrift.Field{Type: thrift.STOP})
}

// rowGroup writes the footer entry of row group i, its page index found
// at the cursors, which it advances.
func (fw *footerWriter) rowGroup(e *rowGroupEntry, i int, columnIndexAt, offsetIndexAt *int64) error {
	fw.rg.Reset()
	fw.r.ResetBytes(e.meta())
	if err := fw.dec.Decode(&fw.rg); err != nil {
		return fmt.Errorf("format: reading the footer entry of row group %d: %w", i, err)
	}
	if len(fw.rg.Columns) != e.columns() {
		return fmt.Errorf("format: row group %d has %d columns and %d page index entries", i, len(fw.rg.Columns), e.columns())
	}
	for j := range fw.rg.Columns {
		c := &fw.rg.Columns[j]
		c.ColumnIndexOffset, c.ColumnIndexLength = *columnIndexAt, int32(len(e.columnIndex(j)))
		c.OffsetIndexOffset, c.OffsetIndexLength = *offsetIndexAt, int32(len(e.offsetIndex(j)))
		*columnIndexAt += int64(c.ColumnIndexLength)
		*offsetIndexAt += int64(c.OffsetIndexLength)
	}
	fw.rg.Ordinal = int16(i)
	return fw.enc.Encode(&fw.rg)
}
