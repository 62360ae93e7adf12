package format

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// FuzzParquetFile assembles files as the engine does: records go into a
// RowGroupWriter, row groups are cut at random, passes of row groups
// either reach the object (kept) or fail and are rolled back. The file
// must read back as exactly the records of the kept passes, in order, as
// ParquetWriter writes them.
//
// plan is read a byte at a time: 0-3 write the next record, 4-5 cut a row
// group, 6 ends the pass (its bytes are kept), 7 fails it (its bytes are
// dropped, the file truncated to where the pass began, the open row group
// discarded). What is left at the end is cut and kept.
func FuzzParquetFile(f *testing.F) {
	f.Add([]byte{3, 2, 0, 8, 3, 1, 2, 3, 11, 3, 12, 4, 2, 6, 5}, []byte{0, 0, 4, 0, 6, 0, 0, 4, 7, 0, 0, 0, 5, 6}, uint8(8))
	f.Add([]byte{2, 5, 3, 9, 2, 10, 4, 0xf1, 7, 11, 2, 8, 1, 1, 2, 12, 1, 1, 5, 1, 6, 2, 1, 2, 3, 3, 4}, []byte{7, 0, 4, 4, 0, 7, 0, 0}, uint8(0))
	f.Add(bytes.Repeat([]byte{1, 8, 1}, 40), []byte{0, 4, 0, 4, 0, 4, 6, 0, 4, 0, 4, 7, 0, 0, 0}, uint8(2|16))
	f.Add(bytes.Repeat([]byte{1, 11, 1, 9, 3}, 30), []byte{}, uint8(4))
	f.Fuzz(func(t *testing.T, data, plan []byte, mode uint8) {
		o := fuzzRowOptions(mode)
		o.DateKey = "date" // every event has its own time: it names the row
		src := &fuzzRecords{b: data}
		var recs []map[string]any
		for len(recs) < 64 && (len(recs) == 0 || src.i < len(src.b)) {
			recs = append(recs, src.records()...)
		}
		evs := pqEvents(t, recs...)
		// Learn from the first half only: later records may not fit.
		s, err := NewParquetSchema(inferFields(t, o, evs[:(len(evs)+1)/2]), o)
		if err != nil {
			t.Fatalf("NewParquetSchema: %v", err)
		}
		w := NewRowGroupWriter(s)
		file := NewParquetFile(s)
		var stream, pass []byte
		var kept, open, passed []int // event indexes: kept, in the open row group, in the pass's row groups
		next := 0
		cut := func() {
			var err error
			if pass, err = file.AppendRowGroup(pass, w); err != nil {
				t.Fatalf("AppendRowGroup: %v", err)
			}
			if w.Rows() != 0 {
				t.Fatalf("the writer holds %d rows after AppendRowGroup", w.Rows())
			}
			passed, open = append(passed, open...), open[:0]
		}
		keep := func() {
			stream, pass = append(stream, pass...), pass[:0]
			kept, passed = append(kept, passed...), passed[:0]
			if int64(len(stream)) != file.Size() || file.Rows() != int64(len(kept)) {
				t.Fatalf("after a pass: %d bytes and %d rows kept, file Size %d, Rows %d", len(stream), len(kept), file.Size(), file.Rows())
			}
		}
		start := file.RowGroups()
		for _, op := range plan {
			switch op % 8 {
			case 0, 1, 2, 3:
				if next < len(evs) {
					if err := w.Write(&evs[next]); err != nil {
						t.Fatalf("Write(record %d): %v", next, err)
					}
					open = append(open, next)
					next++
				}
			case 4, 5:
				cut()
			case 6:
				keep()
				start = file.RowGroups()
			case 7:
				file.Truncate(start)
				w.Discard()
				pass, passed, open = pass[:0], passed[:0], open[:0]
				if file.Size() != int64(len(stream)) || file.Rows() != int64(len(kept)) {
					t.Fatalf("after a rollback: file Size %d, Rows %d; %d bytes and %d rows kept", file.Size(), file.Rows(), len(stream), len(kept))
				}
			}
		}
		for ; next < len(evs); next++ {
			if err := w.Write(&evs[next]); err != nil {
				t.Fatalf("Write(record %d): %v", next, err)
			}
			open = append(open, next)
		}
		cut()
		keep()
		object, err := file.AppendFooter(stream)
		if err != nil {
			t.Fatalf("AppendFooter: %v", err)
		}
		pf, err := parquet.OpenFile(bytes.NewReader(object), int64(len(object)))
		if err != nil {
			t.Fatalf("OpenFile: %v", err)
		}
		if len(pf.RowGroups()) != file.RowGroups() {
			t.Errorf("the footer lists %d row groups, the file made %d", len(pf.RowGroups()), file.RowGroups())
		}
		got, err := readRows(object)
		if err != nil {
			t.Fatalf("reading the object back: %v", err)
		}
		keptEvents := make([]Event, len(kept))
		for i, k := range kept {
			keptEvents[i] = evs[k]
		}
		want := readObject(t, func() []byte { b, _ := writeObject(t, s, keptEvents); return b }())
		if len(got) != len(want) {
			t.Fatalf("read %d rows, want the %d kept", len(got), len(want))
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("row %d = %v, want %v", i, got[i], want[i])
			}
		}
		if len(kept) > 0 {
			checkLayout(t, object)
		}
	})
}
