package format

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/parquet-go/parquet-go"
)

func writerRecords(n int) []map[string]any {
	recs := make([]map[string]any, n)
	for i := range recs {
		recs[i] = map[string]any{"i": i, "log": fmt.Sprintf("line %d of the object", i), "tags": []any{i % 7}}
	}
	return recs
}

func TestParquetWriterRowGroups(t *testing.T) {
	const groups, perGroup = 4, 300
	evs := pqEvents(t, writerRecords(groups*perGroup)...)
	s := inferSchema(t, ParquetOptions{DateKey: "date"}, evs)
	var out bytes.Buffer
	pw := NewParquetWriter(s, &out)
	if pw.Buffered() != 0 || pw.Written() != 0 {
		t.Fatalf("new writer: Buffered %d, Written %d", pw.Buffered(), pw.Written())
	}
	for g := range groups {
		var last int64
		for i := range perGroup {
			if err := pw.Write(&evs[g*perGroup+i]); err != nil {
				t.Fatal(err)
			}
			if i%50 == 49 {
				if err := pw.Commit(); err != nil {
					t.Fatal(err)
				}
				if b := pw.Buffered(); b <= last {
					t.Fatalf("group %d row %d: Buffered %d after %d", g, i, b, last)
				}
				last = pw.Buffered()
			}
		}
		if err := pw.FlushRowGroup(); err != nil {
			t.Fatal(err)
		}
		if pw.Buffered() != 0 {
			t.Errorf("Buffered %d after FlushRowGroup", pw.Buffered())
		}
		if pw.RowGroups != g+1 || pw.Rows != int64((g+1)*perGroup) {
			t.Errorf("after group %d: RowGroups %d, Rows %d", g, pw.RowGroups, pw.Rows)
		}
	}
	// A flush with nothing buffered adds no row group.
	if err := pw.FlushRowGroup(); err != nil {
		t.Fatal(err)
	}
	if pw.RowGroups != groups {
		t.Errorf("an empty flush made RowGroups %d", pw.RowGroups)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	if pw.Written() != int64(out.Len()) {
		t.Errorf("Written %d, output %d bytes", pw.Written(), out.Len())
	}
	f, err := parquet.OpenFile(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(f.RowGroups()); got != groups {
		t.Errorf("file has %d row groups, want %d", got, groups)
	}
	for i, rg := range f.RowGroups() {
		if rg.NumRows() != perGroup {
			t.Errorf("row group %d has %d rows, want %d", i, rg.NumRows(), perGroup)
		}
	}
	rows := readObject(t, out.Bytes())
	if len(rows) != groups*perGroup {
		t.Fatalf("read %d rows, want %d", len(rows), groups*perGroup)
	}
	for i, row := range rows {
		if row["i"] != int64(i) || row["date"] != micros(i) || row["log"] != fmt.Sprintf("line %d of the object", i) {
			t.Fatalf("row %d out of order or wrong: %v", i, row)
		}
	}
}

func TestParquetWriterCloseWritesTheLastRowGroup(t *testing.T) {
	evs := pqEvents(t, writerRecords(10)...)
	s := inferSchema(t, ParquetOptions{}, evs)
	var out bytes.Buffer
	pw := NewParquetWriter(s, &out)
	for i := range evs {
		if err := pw.Write(&evs[i]); err != nil {
			t.Fatal(err)
		}
		if i == 5 {
			if err := pw.FlushRowGroup(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.RowGroups()) != 2 || f.RowGroups()[0].NumRows() != 6 || f.RowGroups()[1].NumRows() != 4 {
		t.Errorf("row groups %d, want 2 of 6 and 4 rows", len(f.RowGroups()))
	}
	if pw.Rows != 10 || pw.Written() != int64(out.Len()) {
		t.Errorf("Rows %d, Written %d of %d", pw.Rows, pw.Written(), out.Len())
	}
	if got := f.Metadata().CreatedBy; got == "" || !bytes.HasPrefix([]byte(got), []byte("s3append")) {
		t.Errorf("created_by %q", got)
	}
}

func TestParquetWriterEmptyObject(t *testing.T) {
	s := declaredSchema(t, `{"log":"string"}`, ParquetOptions{DateKey: "date"})
	data, pw := writeObject(t, s, nil)
	if pw.Rows != 0 || len(readObject(t, data)) != 0 {
		t.Errorf("empty object: Rows %d", pw.Rows)
	}
}

// A flushed row group reaches the output whole (parquet-go's own output
// buffer is off), so it can be cut into parts while the object is open,
// and Written counts it.
func TestParquetWriterFlushRowGroupReachesOutput(t *testing.T) {
	evs := pqEvents(t, writerRecords(400)...)
	s := inferSchema(t, ParquetOptions{DateKey: "date"}, evs)
	var out bytes.Buffer
	pw := NewParquetWriter(s, &out)
	var ends []int64
	for i := range evs {
		if err := pw.Write(&evs[i]); err != nil {
			t.Fatal(err)
		}
		if i%100 == 99 {
			if err := pw.FlushRowGroup(); err != nil {
				t.Fatal(err)
			}
			if pw.Written() != int64(out.Len()) {
				t.Fatalf("Written %d, output %d", pw.Written(), out.Len())
			}
			ends = append(ends, pw.Written())
		}
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for i, rg := range f.Metadata().RowGroups {
		var end int64
		for _, c := range rg.Columns {
			start := c.MetaData.DataPageOffset
			if c.MetaData.DictionaryPageOffset > 0 && c.MetaData.DictionaryPageOffset < start {
				start = c.MetaData.DictionaryPageOffset
			}
			end = max(end, start+c.MetaData.TotalCompressedSize)
		}
		if end > ends[i] {
			t.Errorf("row group %d ends at byte %d, but only %d bytes were out after its flush", i, end, ends[i])
		}
	}
}
