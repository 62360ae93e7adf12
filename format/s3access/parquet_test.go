package s3access

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	pqformat "github.com/parquet-go/parquet-go/format"
	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/test/datagen"
)

// appendEvent appends [EventTime, record] as the sidecar's sources do
// (source.AppendEventHead), then the record ParseLine makes of line.
func appendEvent(t testing.TB, dst, line []byte) []byte {
	t.Helper()
	head := len(dst)
	dst = append(dst, 0x92, 0xd7, 0x00)
	dst = append(dst, make([]byte, 8)...)
	var ts time.Time
	var err error
	if dst, ts, err = ParseLine(dst, line); err != nil {
		t.Fatalf("%v\n%s", err, line)
	}
	binary.BigEndian.PutUint32(dst[head+3:], uint32(ts.Unix()))
	binary.BigEndian.PutUint32(dst[head+7:], uint32(ts.Nanosecond()))
	return dst
}

// Generated lines go through the engine's reader and Parquet encoder with
// the shipped schema and read back with parquet-go: every value is the
// generator's, typed by its column, and the time is a TIMESTAMP column.
func TestParquetEndToEnd(t *testing.T) {
	const n = 10000
	g := datagen.New(datagen.S3Access, 7)
	type want struct {
		at  time.Time
		rec map[string]any
	}
	wants := make([]want, n)
	var chunk []byte
	for i := range n {
		at, rec := g.Next()
		line := g.Text()
		if i%1000 == 999 {
			line += " us-east-1" // a field S3 appended after these were known
		}
		wants[i] = want{at.Truncate(time.Second), rec}
		chunk = appendEvent(t, chunk, []byte(line))
	}

	fields, err := format.ParseParquetSchema(Schema)
	if err != nil {
		t.Fatal(err)
	}
	s, err := format.NewParquetSchema(fields, format.ParquetOptions{DateKey: TimeKey, Codec: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	w := format.NewRowGroupWriter(s)
	f := format.NewParquetFile(s)
	r := format.NewReader(chunk)
	var file []byte
	for i := 0; ; i++ {
		var ev format.Event
		err := r.Next(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if err := w.Write(&ev); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if i%3000 == 2999 { // a few row groups
			if file, err = f.AppendRowGroup(file, w); err != nil {
				t.Fatal(err)
			}
		}
	}
	if file, err = f.AppendRowGroup(file, w); err != nil {
		t.Fatal(err)
	}
	if file, err = f.AppendFooter(file); err != nil {
		t.Fatal(err)
	}
	if m := w.Encoder().Misfits; m != 0 {
		t.Errorf("%d values did not fit their column", m)
	}

	pf, err := parquet.OpenFile(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	checkColumnTypes(t, pf.Schema())
	rd := parquet.NewReader(pf)
	defer rd.Close()
	for i := range n {
		row := map[string]any{}
		if err := rd.Read(&row); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if got := timeOf(t, row[TimeKey]); !got.Equal(wants[i].at) {
			t.Fatalf("row %d: time %v, want %v", i, got, wants[i].at)
		}
		for _, name := range Fields() {
			if got, want := row[name], wantValue(t, wants[i].rec, name); got != want {
				t.Fatalf("row %d: %s = %#v, want %#v", i, name, got, want)
			}
		}
		wantExtra := any(nil)
		if i%1000 == 999 {
			wantExtra = `{"_extra":"us-east-1"}`
		}
		if row[format.ExtraColumn] != wantExtra {
			t.Fatalf("row %d: _extra = %#v, want %#v", i, row[format.ExtraColumn], wantExtra)
		}
		if len(row) != RecordFields+2 {
			t.Fatalf("row %d has %d columns: %v", i, len(row), row)
		}
	}
	if err := rd.Read(&map[string]any{}); !errors.Is(err, io.EOF) {
		t.Fatalf("after %d rows: %v, want EOF", n, err)
	}
}

// timeOf reads a TIMESTAMP(MICROS) value as parquet-go hands it to a map.
func timeOf(t testing.TB, v any) time.Time {
	t.Helper()
	switch v := v.(type) {
	case time.Time:
		return v
	case int64:
		return time.UnixMicro(v)
	}
	t.Fatalf("time column value %#v", v)
	return time.Time{}
}

// checkColumnTypes checks the physical and logical type of every column.
func checkColumnTypes(t testing.TB, s *parquet.Schema) {
	t.Helper()
	seen := 0
	for _, f := range s.Fields() {
		seen++
		if !f.Optional() {
			t.Errorf("column %s is not optional", f.Name())
		}
		typ := f.Type()
		var lt pqformat.LogicalTypeValue
		if l := typ.LogicalType(); l != nil {
			lt = l.Value
		}
		var ok bool
		switch {
		case f.Name() == TimeKey:
			ts, isTS := lt.(*pqformat.TimestampType)
			ok = typ.Kind() == parquet.Int64 && isTS && ts.IsAdjustedToUTC
		case intFields[f.Name()]:
			it, isInt := lt.(*pqformat.IntType)
			ok = typ.Kind() == parquet.Int64 && (lt == nil || isInt && it.BitWidth == 64)
		default:
			_, ok = lt.(*pqformat.StringType)
			ok = ok && typ.Kind() == parquet.ByteArray
		}
		if !ok {
			t.Errorf("column %s has type %v (%v)", f.Name(), typ, lt)
		}
	}
	if want := RecordFields + 2; seen != want {
		t.Errorf("%d columns, want %d (the fields, time and _extra)", seen, want)
	}
}
