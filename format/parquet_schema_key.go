package format

import (
	"strconv"
	"strings"
)

// Key identifies what s writes: two schemas with the same key encode every
// record into the same Parquet bytes, so a RowGroupWriter made for one
// serves objects of the other. It covers the columns (names, kinds, nesting,
// which are dictionary-encoded), the time unit and the page compression;
// not what only shapes inference (NestedJSON).
func (s *ParquetSchema) Key() string { return s.key }

// schemaKey renders the key of a schema with root and o.
func schemaKey(root *Field, o ParquetOptions) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(o.Codec))
	if o.Codec == "" {
		b.WriteString("zstd")
	}
	b.WriteByte('/')
	b.WriteString(strconv.Itoa(o.Level))
	b.WriteByte('/')
	b.WriteString(strconv.Itoa(int(o.TimeUnit)))
	b.WriteByte('/')
	root.write(&b, true)
	return b.String()
}
