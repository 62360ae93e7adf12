package format

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	pqformat "github.com/parquet-go/parquet-go/format"
)

// fileRecords are records of varied shapes: a dictionary-encoded level,
// a list, a group, a value that does not fit its column now and then.
func fileRecords(n int) []map[string]any {
	recs := make([]map[string]any, n)
	levels := []string{"info", "warn", "error"}
	for i := range recs {
		r := map[string]any{
			"i":     i,
			"level": levels[i%len(levels)],
			"log":   fmt.Sprintf("line %d of the object %s", i, bytes.Repeat([]byte{'x'}, i%23)),
			"tags":  []any{i % 7, i % 11},
			"k8s":   map[string]any{"pod": fmt.Sprintf("pod-%d", i%5), "ns": "default"},
		}
		if i%9 == 0 && i >= 100 { // past the records the schema is learnt from
			r["extra"] = i
		}
		if i%13 == 0 {
			r["tags"] = nil
		}
		recs[i] = r
	}
	return recs
}

// recordsSchema infers the schema of the first records (so later ones may
// carry fields it lacks) with dictionary encoding where it pays.
func recordsSchema(t testing.TB, evs []Event) *ParquetSchema {
	t.Helper()
	o := ParquetOptions{DateKey: "date"}
	return inferSchema(t, o, evs[:min(len(evs), 40)])
}

// assemble writes evs as a file whose row groups end at each cut (an
// index into evs), and returns the whole object.
func assemble(t testing.TB, w *RowGroupWriter, f *ParquetFile, evs []Event, cuts ...int) []byte {
	t.Helper()
	var stream []byte
	from := 0
	for _, cut := range append(cuts, len(evs)) {
		for i := from; i < cut; i++ {
			if err := w.Write(&evs[i]); err != nil {
				t.Fatalf("Write(event %d): %v", i, err)
			}
		}
		from = cut
		before := len(stream)
		var err error
		if stream, err = f.AppendRowGroup(stream, w); err != nil {
			t.Fatalf("AppendRowGroup: %v", err)
		}
		if int64(len(stream)) != f.Size() {
			t.Fatalf("stream has %d bytes, Size %d", len(stream), f.Size())
		}
		if w.Rows() != 0 || w.Buffered() != 0 {
			t.Fatalf("after AppendRowGroup the writer holds %d rows, %d bytes", w.Rows(), w.Buffered())
		}
		if before == len(stream) && cut > 0 && (len(cuts) == 0 || cut != cuts[0]) {
			t.Logf("row group ending at %d is empty", cut)
		}
	}
	out, err := f.AppendFooter(stream)
	if err != nil {
		t.Fatalf("AppendFooter: %v", err)
	}
	return out
}

// parquetGoFile writes evs with parquet-go's own writer, row groups
// ending at the same cuts: the reference assembled files must match.
func parquetGoFile(t testing.TB, s *ParquetSchema, evs []Event, cuts ...int) []byte {
	t.Helper()
	var out bytes.Buffer
	w := parquet.NewWriter(&out, s.writerOptions()...)
	enc := s.NewRowEncoder()
	from := 0
	for _, cut := range append(cuts, len(evs)) {
		var rows []parquet.Row
		for i := from; i < cut; i++ {
			row, err := enc.AppendRow(nil, &evs[i])
			if err != nil {
				t.Fatalf("AppendRow(event %d): %v", i, err)
			}
			rows = append(rows, row)
		}
		from = cut
		if _, err := w.WriteRows(rows); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// An assembled file is byte for byte the file parquet-go writes from the
// same rows in the same row groups: chunks, page index and footer alike.
func TestParquetFileMatchesParquetGo(t *testing.T) {
	evs := pqEvents(t, fileRecords(1000)...)
	s := recordsSchema(t, evs)
	for _, cuts := range [][]int{nil, {500}, {1, 2, 300, 301, 777}} {
		w := NewRowGroupWriter(s)
		f := NewParquetFile(s)
		got := assemble(t, w, f, evs, cuts...)
		want := parquetGoFile(t, s, evs, cuts...)
		if !bytes.Equal(got, want) {
			t.Errorf("cuts %v: assembled file of %d bytes differs from parquet-go's of %d bytes at byte %d",
				cuts, len(got), len(want), firstDifference(got, want))
		}
		if f.RowGroups() != len(cuts)+1 || f.Rows() != int64(len(evs)) {
			t.Errorf("cuts %v: RowGroups %d, Rows %d", cuts, f.RowGroups(), f.Rows())
		}
	}
}

func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestParquetFileReadsBack(t *testing.T) {
	recs := fileRecords(3000)
	evs := pqEvents(t, recs...)
	s := recordsSchema(t, evs)
	cuts := []int{1, 100, 101, 1500, 2999}
	data := assemble(t, NewRowGroupWriter(s), NewParquetFile(s), evs, cuts...)
	pf, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(pf.RowGroups()); got != len(cuts)+1 {
		t.Errorf("%d row groups, want %d", got, len(cuts)+1)
	}
	if pf.NumRows() != int64(len(recs)) {
		t.Errorf("NumRows %d, want %d", pf.NumRows(), len(recs))
	}
	rows := readObject(t, data)
	if len(rows) != len(recs) {
		t.Fatalf("read %d rows, want %d", len(rows), len(recs))
	}
	for i, row := range rows {
		r := recs[i]
		if row["i"] != int64(i) || row["date"] != micros(i) || row["log"] != r["log"] || row["level"] != r["level"] {
			t.Fatalf("row %d: %v, want %v", i, row, r)
		}
		k8s, _ := row["k8s"].(map[string]any)
		if k8s["pod"] != r["k8s"].(map[string]any)["pod"] {
			t.Fatalf("row %d: k8s %v", i, row["k8s"])
		}
		if _, has := r["extra"]; has {
			sameJSONText(t, fmt.Sprintf("row %d _extra", i), row[ExtraColumn], fmt.Sprintf(`{"extra":%d}`, i))
		}
	}
	checkLayout(t, data)
}

// readsBackInOrder checks that data reads back as records 0 to n-1, in
// order, with a sound layout.
func readsBackInOrder(t *testing.T, data []byte, n int) {
	t.Helper()
	rows := readObject(t, data)
	if len(rows) != n {
		t.Fatalf("read %d rows, want %d", len(rows), n)
	}
	for i, row := range rows {
		if row["i"] != int64(i) {
			t.Fatalf("row %d is record %v", i, row["i"])
		}
	}
	checkLayout(t, data)
}

// checkLayout reads every column chunk of an object at the offsets its
// footer records: the pages follow one another from the chunk's first
// page to its end, the offset index lists the data pages where they are,
// and the chunk has statistics.
func checkLayout(t *testing.T, data []byte) {
	t.Helper()
	pf, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	md := pf.Metadata()
	offsetIndexes := pf.OffsetIndexes()
	var proto thrift.CompactProtocol
	r := proto.NewReaderFromBytes(nil)
	dec := thrift.NewDecoder(r)
	end := int64(len(magic))
	for g, rg := range md.RowGroups {
		if rg.FileOffset != end {
			t.Errorf("row group %d: file_offset %d, want %d", g, rg.FileOffset, end)
		}
		for j, c := range rg.Columns {
			cm := c.MetaData
			start := cm.DataPageOffset
			if cm.DictionaryPageOffset != 0 {
				start = cm.DictionaryPageOffset
			}
			if start != end {
				t.Errorf("row group %d column %d starts at %d, want %d", g, j, start, end)
			}
			var dataPages []int64
			pos := start
			for pos < start+cm.TotalCompressedSize {
				var h pqformat.PageHeader
				r.ResetBytes(data[pos:])
				if err := dec.Decode(&h); err != nil {
					t.Fatalf("row group %d column %d: page header at %d: %v", g, j, pos, err)
				}
				switch h.Type {
				case pqformat.DictionaryPage:
					if pos != cm.DictionaryPageOffset {
						t.Errorf("row group %d column %d: a dictionary page at %d, recorded at %d", g, j, pos, cm.DictionaryPageOffset)
					}
				case pqformat.DataPageV2, pqformat.DataPage:
					dataPages = append(dataPages, pos)
				default:
					t.Errorf("row group %d column %d: a page of type %v at %d", g, j, h.Type, pos)
				}
				pos += int64(r.BytesRead()) + int64(h.CompressedPageSize)
			}
			if pos != start+cm.TotalCompressedSize {
				t.Errorf("row group %d column %d: pages end at %d, chunk at %d", g, j, pos, start+cm.TotalCompressedSize)
			}
			end = pos
			if len(dataPages) == 0 || dataPages[0] != cm.DataPageOffset {
				t.Errorf("row group %d column %d: data pages at %v, data_page_offset %d", g, j, dataPages, cm.DataPageOffset)
			}
			locs := offsetIndexes[g*len(rg.Columns)+j].PageLocations
			if len(locs) != len(dataPages) {
				t.Errorf("row group %d column %d: offset index lists %d pages, chunk has %d", g, j, len(locs), len(dataPages))
			}
			for p := range min(len(locs), len(dataPages)) {
				if locs[p].Offset != dataPages[p] {
					t.Errorf("row group %d column %d page %d: offset index says %d, page at %d", g, j, p, locs[p].Offset, dataPages[p])
				}
			}
			if cm.NumValues > cm.Statistics.NullCount && cm.Statistics.MaxValue == nil {
				t.Errorf("row group %d column %d (%v): %d values, %d nulls and no max statistic", g, j, cm.PathInSchema, cm.NumValues, cm.Statistics.NullCount)
			}
		}
	}
	if first := md.RowGroups; len(first) > 0 && first[0].Columns[0].ColumnIndexOffset != end {
		t.Errorf("the page index starts at %d, the row groups end at %d", first[0].Columns[0].ColumnIndexOffset, end)
	}
}

// A pass that fails is rolled back: its bytes are dropped, Truncate
// forgets its row groups, and later row groups follow the kept ones.
func TestParquetFileTruncate(t *testing.T) {
	recs := fileRecords(400)
	evs := pqEvents(t, recs...)
	s := recordsSchema(t, evs)
	w := NewRowGroupWriter(s)
	f := NewParquetFile(s)
	var stream []byte
	appendRows := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			if err := w.Write(&evs[i]); err != nil {
				t.Fatal(err)
			}
		}
		var err error
		if stream, err = f.AppendRowGroup(stream, w); err != nil {
			t.Fatal(err)
		}
	}
	// A failed first pass, magic and all.
	appendRows(300, 350)
	f.Truncate(0)
	stream = stream[:f.Size()]
	if f.Size() != 0 || f.Rows() != 0 || f.RowGroups() != 0 || len(stream) != 0 {
		t.Fatalf("after Truncate(0): Size %d, Rows %d, RowGroups %d", f.Size(), f.Rows(), f.RowGroups())
	}
	appendRows(0, 100)
	appendRows(100, 150)
	size := f.Size()
	// A failed pass of two row groups.
	appendRows(350, 380)
	appendRows(380, 400)
	mem := f.MetadataBytes()
	f.Truncate(2)
	stream = stream[:f.Size()]
	if f.Size() != size || f.Rows() != 150 || f.RowGroups() != 2 {
		t.Fatalf("after Truncate(2): Size %d (want %d), Rows %d, RowGroups %d", f.Size(), size, f.Rows(), f.RowGroups())
	}
	if f.MetadataBytes() >= mem {
		t.Errorf("MetadataBytes %d after the rollback of two row groups, %d before", f.MetadataBytes(), mem)
	}
	f.Truncate(5) // past the end: nothing to forget
	appendRows(150, 300)
	data, err := f.AppendFooter(stream)
	if err != nil {
		t.Fatal(err)
	}
	readsBackInOrder(t, data, 300)
}

// An object with no rows is what parquet-go writes for one: the magic
// and a footer with no row groups.
func TestParquetFileEmpty(t *testing.T) {
	s := declaredSchema(t, `{"log":"string","n":"int64"}`, ParquetOptions{DateKey: "date"})
	f := NewParquetFile(s)
	w := NewRowGroupWriter(s)
	stream, err := f.AppendRowGroup(nil, w)
	if err != nil || len(stream) != 0 || f.Size() != 0 || f.RowGroups() != 0 {
		t.Fatalf("an empty row group: %d bytes, Size %d, RowGroups %d, %v", len(stream), f.Size(), f.RowGroups(), err)
	}
	data, err := f.AppendFooter(stream)
	if err != nil {
		t.Fatal(err)
	}
	if want := parquetGoFile(t, s, nil); !bytes.Equal(data, want) {
		t.Errorf("empty object:\n%x\nparquet-go writes\n%x", data, want)
	}
	if rows := readObject(t, data); len(rows) != 0 {
		t.Errorf("read %d rows", len(rows))
	}
	again, _ := f.AppendFooter(nil)
	if !bytes.Equal(again, data) || f.Size() != 0 {
		t.Errorf("AppendFooter changed the file")
	}
}

// Row groups encoded by two writers, for two schemas compiled apart from
// the same fields, make one file.
func TestParquetFileRowGroupsFromTwoWriters(t *testing.T) {
	recs := fileRecords(600)
	evs := pqEvents(t, recs...)
	fields := inferFields(t, ParquetOptions{DateKey: "date"}, evs)
	s1 := inferSchemaFrom(t, fields, ParquetOptions{DateKey: "date"})
	fields2 := inferFields(t, ParquetOptions{DateKey: "date"}, evs)
	s2 := inferSchemaFrom(t, fields2, ParquetOptions{DateKey: "date"})
	if s1.Key() != s2.Key() {
		t.Fatalf("equal schemas, keys differ:\n%s\n%s", s1.Key(), s2.Key())
	}
	w1, w2 := NewRowGroupWriter(s1), NewRowGroupWriter(s2)
	f := NewParquetFile(s2)
	var stream []byte
	for g := range 6 {
		w := w1
		if g%2 == 1 {
			w = w2
		}
		for i := g * 100; i < (g+1)*100; i++ {
			if err := w.Write(&evs[i]); err != nil {
				t.Fatal(err)
			}
		}
		var err error
		if stream, err = f.AppendRowGroup(stream, w); err != nil {
			t.Fatal(err)
		}
	}
	data, err := f.AppendFooter(stream)
	if err != nil {
		t.Fatal(err)
	}
	rows := readObject(t, data)
	if len(rows) != len(recs) {
		t.Fatalf("read %d rows, want %d", len(rows), len(recs))
	}
	for i, row := range rows {
		if row["i"] != int64(i) || row["log"] != recs[i]["log"] {
			t.Fatalf("row %d: %v", i, row)
		}
	}
	checkLayout(t, data)
	if want := parquetGoFile(t, s1, evs, 100, 200, 300, 400, 500); !bytes.Equal(data, want) {
		t.Errorf("the file differs from parquet-go's at byte %d", firstDifference(data, want))
	}
}

func TestParquetFileRejectsAnotherSchema(t *testing.T) {
	evs := pqEvents(t, fileRecords(10)...)
	s := recordsSchema(t, evs)
	other := declaredSchema(t, `{"log":"string"}`, ParquetOptions{DateKey: "date"})
	w := NewRowGroupWriter(other)
	if err := w.Write(&evs[0]); err != nil {
		t.Fatal(err)
	}
	f := NewParquetFile(s)
	stream, err := f.AppendRowGroup([]byte("kept"), w)
	if err == nil || string(stream) != "kept" || f.Size() != 0 {
		t.Errorf("a row group of another schema: %v, stream %q, Size %d", err, stream, f.Size())
	}
	if w.Rows() != 1 {
		t.Errorf("the rejected writer lost its row group: Rows %d", w.Rows())
	}
}

// A record that breaks after some of its values were encoded adds none
// of them: the columns keep whole rows only.
func TestRowGroupWriterMalformedRecordAddsNothing(t *testing.T) {
	s := declaredSchema(t, `{"a":"int64","b":"string","j":"json","l":["int64"],"z":"json"}`, ParquetOptions{DateKey: "date"})
	good := func(i int64) []byte {
		return recordOf(str("a"), i64(i), str("l"), arrayOf(i64(i), i64(-i)), str("b"), str("ok"))
	}
	// A map whose key is a map is well-formed msgpack, so it passes the
	// framing, but no JSON text can hold it. Columns go in name order: a,
	// b and the time are encoded before j fails; l's elements too before
	// z fails.
	badMap := []byte{0x81, 0x80, 0x01}
	broken := [][]byte{
		recordOf(str("a"), i64(99), str("b"), str("bad"), str("j"), badMap),
		recordOf(str("a"), i64(99), str("l"), arrayOf(i64(1), i64(2), i64(3)), str("z"), badMap),
	}
	var records [][]byte
	for i := range 200 {
		if i%3 == 1 {
			records = append(records, broken[i%2])
		} else {
			records = append(records, good(int64(i)))
		}
	}
	evs := rawEvents(records...)
	w := NewRowGroupWriter(s)
	f := NewParquetFile(s)
	var want []int64
	for i := range evs {
		rows := w.Rows()
		err := w.Write(&evs[i])
		if i%3 == 1 {
			if err == nil || w.Rows() != rows {
				t.Fatalf("record %d is malformed: Write returned %v, Rows %d → %d", i, err, rows, w.Rows())
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, int64(i))
	}
	stream, err := f.AppendRowGroup(nil, w)
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.AppendFooter(stream)
	if err != nil {
		t.Fatal(err)
	}
	rows := readObject(t, data)
	if len(rows) != len(want) {
		t.Fatalf("read %d rows, want %d", len(rows), len(want))
	}
	for k, row := range rows {
		i := want[k]
		if row["a"] != i || row["b"] != "ok" || row["j"] != nil || row["z"] != nil || fmt.Sprint(row["l"]) != fmt.Sprint([]any{i, -i}) {
			t.Fatalf("row %d: %v, want record %d", k, row, i)
		}
	}
}

// Discard drops the open row group; the writer then serves the next.
func TestRowGroupWriterDiscard(t *testing.T) {
	evs := pqEvents(t, fileRecords(300)...)
	s := recordsSchema(t, evs)
	w := NewRowGroupWriter(s)
	for i := range 200 {
		if err := w.Write(&evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if w.Rows() != 200 || w.Buffered() == 0 {
		t.Fatalf("Rows %d, Buffered %d", w.Rows(), w.Buffered())
	}
	w.Discard()
	if w.Rows() != 0 || w.Buffered() != 0 {
		t.Fatalf("after Discard: Rows %d, Buffered %d", w.Rows(), w.Buffered())
	}
	f := NewParquetFile(s)
	data := assemble(t, w, f, evs[200:])
	rows := readObject(t, data)
	if len(rows) != 100 || rows[0]["i"] != int64(200) || rows[99]["i"] != int64(299) {
		t.Fatalf("read %d rows, from %v to %v", len(rows), rows[0]["i"], rows[len(rows)-1]["i"])
	}
}

// failingWriter takes n bytes, then fails.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, fmt.Errorf("the output failed")
	}
	w.n -= len(p)
	return len(p), nil
}

// A row group whose output fails midway leaves the file as it was, and
// the writer serves the next row group as if nothing happened.
func TestParquetFileOutputFails(t *testing.T) {
	evs := pqEvents(t, fileRecords(600)...)
	s := recordsSchema(t, evs)
	w := NewRowGroupWriter(s)
	f := NewParquetFile(s)
	write := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			if err := w.Write(&evs[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(0, 200)
	stream, err := f.AppendRowGroup(nil, w)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 100, 1000} {
		write(200, 400)
		if err := f.writeRowGroup(&failingWriter{n: n}, w); err == nil {
			t.Fatalf("an output failing after %d bytes: no error", n)
		}
		if f.Size() != int64(len(stream)) || f.RowGroups() != 1 || f.Rows() != 200 || w.Rows() != 0 {
			t.Fatalf("after a failed row group: Size %d, RowGroups %d, Rows %d; the writer holds %d rows", f.Size(), f.RowGroups(), f.Rows(), w.Rows())
		}
	}
	write(200, 600)
	if stream, err = f.AppendRowGroup(stream, w); err != nil {
		t.Fatal(err)
	}
	data, err := f.AppendFooter(stream)
	if err != nil {
		t.Fatal(err)
	}
	readsBackInOrder(t, data, 600)
	if want := parquetGoFile(t, s, evs, 200); !bytes.Equal(data, want) {
		t.Errorf("the file differs from parquet-go's at byte %d", firstDifference(data, want))
	}
}
