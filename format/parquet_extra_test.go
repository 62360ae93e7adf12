package format

import (
	"math"
	"strings"
	"testing"

	"github.com/tinylib/msgp/msgp"
)

const extraSchema = `{"log":"string","status":"int64",
	"kubernetes":{"ns":"string","pid":"int64","owner":{"kind":"string"}},
	"tags":["int64"],"spans":[{"name":"string"}]}`

// extraCases are records with fields the schema lacks or cannot hold, and
// the _extra object each must produce.
var extraCases = []struct {
	name    string
	rec     map[string]any
	want    map[string]any // the columns that are not null
	extra   string         // "" for a null _extra
	misfits int
}{
	{
		name: "fits",
		rec:  map[string]any{"log": "x", "status": 200, "kubernetes": map[string]any{"ns": "a"}},
		want: map[string]any{"log": "x", "status": int64(200), "kubernetes": map[string]any{"ns": "a", "pid": nil, "owner": nil}},
	},
	{
		name: "unknown top-level field",
		rec:  map[string]any{"log": "x", "zzz": []any{1, "a"}, "aaa": map[string]any{"b": true}},
		want: map[string]any{"log": "x"}, extra: `{"aaa":{"b":true},"zzz":[1,"a"]}`,
	},
	{
		name: "unknown nested fields keep their path",
		rec: map[string]any{"kubernetes": map[string]any{
			"ns": "a", "new": 1, "owner": map[string]any{"kind": "rs", "uid": "u"},
		}},
		want:  map[string]any{"kubernetes": map[string]any{"ns": "a", "pid": nil, "owner": map[string]any{"kind": "rs"}}},
		extra: `{"kubernetes":{"new":1,"owner":{"uid":"u"}}}`,
	},
	{
		name:  "misfit scalar",
		rec:   map[string]any{"status": "OK", "log": "x"},
		want:  map[string]any{"log": "x"},
		extra: `{"status":"OK"}`, misfits: 1,
	},
	{
		name:  "uint above int64 in an int64 column",
		rec:   map[string]any{"status": uint64(math.MaxUint64)},
		extra: `{"status":18446744073709551615}`, misfits: 1,
	},
	{
		name:  "misfit nested scalar",
		rec:   map[string]any{"kubernetes": map[string]any{"ns": "a", "pid": 1.5}},
		want:  map[string]any{"kubernetes": map[string]any{"ns": "a", "pid": nil, "owner": nil}},
		extra: `{"kubernetes":{"pid":1.5}}`, misfits: 1,
	},
	{
		name:  "scalar where a group is declared",
		rec:   map[string]any{"kubernetes": "flat", "log": "x"},
		want:  map[string]any{"log": "x"},
		extra: `{"kubernetes":"flat"}`, misfits: 1,
	},
	{
		name:  "map where a nested group is declared a scalar",
		rec:   map[string]any{"kubernetes": map[string]any{"owner": []any{"x"}}},
		want:  map[string]any{"kubernetes": map[string]any{"ns": nil, "pid": nil, "owner": nil}},
		extra: `{"kubernetes":{"owner":["x"]}}`, misfits: 1,
	},
	{
		name:  "misfit inside a list sends the whole list",
		rec:   map[string]any{"tags": []any{1, "two", 3}, "status": 1},
		want:  map[string]any{"status": int64(1)},
		extra: `{"tags":[1,"two",3]}`, misfits: 1,
	},
	{
		name:  "unknown member inside a list of groups sends the whole list",
		rec:   map[string]any{"spans": []any{map[string]any{"name": "a"}, map[string]any{"name": "b", "ms": 3}}},
		extra: `{"spans":[{"name":"a"},{"ms":3,"name":"b"}]}`, misfits: 1,
	},
	{
		name:  "scalar where a list is declared",
		rec:   map[string]any{"tags": 5},
		extra: `{"tags":5}`, misfits: 1,
	},
	{
		name: "everything at once, in one object",
		rec: map[string]any{
			"a": 1, "status": "s", "tags": []any{"x"},
			"kubernetes": map[string]any{"pid": "p", "extra": 2, "owner": map[string]any{"kind": "k", "uid": 3}},
		},
		want:    map[string]any{"kubernetes": map[string]any{"ns": nil, "pid": nil, "owner": map[string]any{"kind": "k"}}},
		extra:   `{"a":1,"status":"s","tags":["x"],"kubernetes":{"extra":2,"pid":"p","owner":{"uid":3}}}`,
		misfits: 3,
	},
}

func TestParquetExtraColumn(t *testing.T) {
	for _, dropUnknown := range []bool{false, true} {
		o := ParquetOptions{DropUnknown: dropUnknown}
		s := declaredSchema(t, extraSchema, o)
		for _, c := range extraCases {
			evs := pqEvents(t, c.rec)
			data, pw := writeObject(t, s, evs)
			row := readObject(t, data)[0]
			want := map[string]any{"log": nil, "status": nil, "kubernetes": nil, "tags": nil, "spans": nil}
			for k, v := range c.want {
				want[k] = v
			}
			if !dropUnknown {
				want[ExtraColumn] = nil
				if c.extra != "" {
					want[ExtraColumn] = jsonText(c.extra)
				}
			}
			t.Run(c.name, func(t *testing.T) {
				sameRow(t, 0, row, want)
				if pw.Encoder().Misfits != c.misfits {
					t.Errorf("Misfits = %d, want %d", pw.Encoder().Misfits, c.misfits)
				}
			})
		}
	}
}

func TestParquetExtraIsOneObjectPerRow(t *testing.T) {
	// The encoder's _extra scratch is reused: nothing leaks between rows.
	s := declaredSchema(t, extraSchema, ParquetOptions{})
	recs := []map[string]any{
		{"a": 1, "kubernetes": map[string]any{"b": 2}},
		{"log": "fits"},
		{"kubernetes": map[string]any{"c": 3}},
	}
	rows := readObject(t, mustWrite(t, s, pqEvents(t, recs...)))
	sameJSONText(t, "row 0 _extra", rows[0][ExtraColumn], `{"a":1,"kubernetes":{"b":2}}`)
	if rows[1][ExtraColumn] != nil {
		t.Errorf("row 1 _extra = %#v, want null", rows[1][ExtraColumn])
	}
	sameJSONText(t, "row 2 _extra", rows[2][ExtraColumn], `{"kubernetes":{"c":3}}`)
}

func TestParquetNonStringKeys(t *testing.T) {
	rec := recordOf(
		str("log"), str("x"),
		i64(7), str("int key"),
		boolean(true), str("bool key"),
		null(), str("nil key"),
		msgp.AppendBytes(nil, []byte("bin")), str("bin key"),
		str("kubernetes"), recordOf(str("ns"), str("a"), i64(-1), str("nested int key")),
	)
	s := declaredSchema(t, extraSchema, ParquetOptions{})
	rows := readObject(t, mustWrite(t, s, rawEvents(rec)))
	sameRow(t, 0, rows[0], map[string]any{
		"log": "x", "status": nil, "tags": nil, "spans": nil,
		"kubernetes": map[string]any{"ns": "a", "pid": nil, "owner": nil},
		ExtraColumn: jsonText(`{"7":"int key","true":"bool key","null":"nil key","bin":"bin key",` +
			`"kubernetes":{"-1":"nested int key"}}`),
	})

	// Inferred: a bin key is a name; other keys have no column.
	evs := rawEvents(rec)
	rows = readObject(t, mustWrite(t, inferSchema(t, ParquetOptions{}, evs), evs))
	sameRow(t, 0, rows[0], map[string]any{
		"log": "x", "bin": "bin key",
		// a nested map with a non-string key is JSON text
		"kubernetes": jsonText(`{"ns":"a","-1":"nested int key"}`),
		ExtraColumn:  jsonText(`{"7":"int key","true":"bool key","null":"nil key"}`),
	})
}

func TestParquetInvalidUTF8(t *testing.T) {
	rec := map[string]any{
		"log":   "a\xffb\xc3",
		"j":     map[string]any{"k\xfe": "v\xfd"},
		"other": "z\x80",
		"bin":   []byte{'b', 0xff},
	}
	s := declaredSchema(t, `{"log":"string","j":"json","bin":"string"}`, ParquetOptions{})
	evs := pqEvents(t, rec, map[string]any{"log": "valid ✓"})
	var out strings.Builder
	pw := NewParquetWriter(s, &out)
	if err := pw.Write(&evs[0]); err != nil {
		t.Fatal(err)
	}
	if pw.Encoder().InvalidUTF8() == 0 {
		t.Error("InvalidUTF8() = 0 after a record with invalid UTF-8")
	}
	before := pw.Encoder().InvalidUTF8()
	if err := pw.Write(&evs[1]); err != nil {
		t.Fatal(err)
	}
	if pw.Encoder().InvalidUTF8() != before {
		t.Errorf("InvalidUTF8() went from %d to %d on a valid record", before, pw.Encoder().InvalidUTF8())
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	rows := readObject(t, []byte(out.String()))
	sameRow(t, 0, rows[0], map[string]any{
		"log": "a\uFFFDb\uFFFD", "bin": "b\uFFFD",
		"j":         jsonText(`{"k\uFFFD":"v\uFFFD"}`),
		ExtraColumn: jsonText(`{"other":"z\uFFFD"}`),
	})
	for k, v := range rows[0] {
		if s, ok := v.(string); ok && strings.ContainsRune(s, 0xff) {
			t.Errorf("column %s holds invalid UTF-8 %q", k, s)
		}
	}
}

// InvalidUTF8 counts each invalid sequence replaced, in a string column
// as in JSON text and _extra.
func TestParquetInvalidUTF8CountsSequences(t *testing.T) {
	s := declaredSchema(t, `{"log":"string","j":"json"}`, ParquetOptions{})
	for _, c := range []struct {
		rec  map[string]any
		want int
	}{
		{map[string]any{"j": "a\xffb\xc3"}, 2},
		{map[string]any{"other": "a\xffb\xc3"}, 2},
		{map[string]any{"log": "a\xffb\xc3"}, 2},
	} {
		_, pw := writeObject(t, s, pqEvents(t, c.rec))
		if got := pw.Encoder().InvalidUTF8(); got != c.want {
			t.Errorf("%q: InvalidUTF8() = %d, want %d", c.rec, got, c.want)
		}
	}
}

func TestParquetMsgpackOddities(t *testing.T) {
	recs := [][]byte{
		recordOf(
			str("bin"), msgp.AppendBytes(nil, []byte("raw")),
			str("f32"), msgp.AppendFloat32(nil, 0.1),
			str("when"), eventTimeExt,
			str("ext"), otherExt,
			str("u8"), msgp.AppendUint8(nil, 200),
			// last: see TestParquetInferHugeUintNotLast
			str("big"), msgp.AppendUint64(nil, math.MaxUint64),
		),
		recordOf(
			str("big"), i64(-5),
			str("f32"), i64(3),
			str("when"), str("not a time"),
		),
	}
	evs := rawEvents(recs...)
	f := inferFields(t, ParquetOptions{}, evs)
	want := `{"big":"double","bin":"string","ext":"json","f32":"double","u8":"int64","when":"json"}`
	if got := f.String(); got != want {
		t.Fatalf("inferred %s, want %s", got, want)
	}
	rows := readObject(t, mustWrite(t, inferSchemaFrom(t, f, ParquetOptions{}), evs))
	sameRow(t, 0, rows[0], map[string]any{
		"bin": "raw", "big": float64(math.MaxUint64), "f32": float64(float32(0.1)),
		"when": jsonText(`1795305600.5`), "ext": jsonText(`null`), "u8": int64(200), ExtraColumn: nil,
	})
	sameRow(t, 1, rows[1], map[string]any{
		"bin": nil, "big": -5.0, "f32": 3.0, "when": jsonText(`"not a time"`), "ext": nil, "u8": nil,
		ExtraColumn: nil,
	})

	// Declared: an EventTime in a string column is its text, in a double
	// column it does not fit.
	s := declaredSchema(t, `{"when":"string","t2":"double"}`, ParquetOptions{})
	rec := recordOf(str("when"), eventTimeExt, str("t2"), eventTimeExt)
	data, pw := writeObject(t, s, rawEvents(rec))
	rows = readObject(t, data)
	sameRow(t, 0, rows[0], map[string]any{
		"when": "1795305600.5", "t2": nil, ExtraColumn: jsonText(`{"t2":1795305600.5}`),
	})
	if pw.Encoder().Misfits != 1 {
		t.Errorf("Misfits = %d, want 1", pw.Encoder().Misfits)
	}
}

func TestParquetWriteRejectsUnreadableRecords(t *testing.T) {
	for _, declared := range []bool{false, true} {
		good := pqEvents(t, map[string]any{"log": "a"}, map[string]any{"log": "b"})
		var s *ParquetSchema
		if declared {
			s = declaredSchema(t, `{"log":"string","k":{"x":"int"}}`, ParquetOptions{DateKey: "date"})
		} else {
			s = inferSchema(t, ParquetOptions{DateKey: "date"}, good)
		}
		var out strings.Builder
		pw := NewParquetWriter(s, &out)
		if err := pw.Write(&good[0]); err != nil {
			t.Fatal(err)
		}
		bad := rawEvents(
			str("a string"),
			arrayOf(str("log")),
			null(),
			[]byte{0x82, 0xa3, 'l', 'o', 'g', 0xa1, 'x'},                      // second member missing
			[]byte{0x81, 0xa3, 'l', 'o', 'g', 0xc1},                           // invalid type byte
			[]byte{0x81, 0xa1, 'k', 0x81, 0xa1, 'x'},                          // nested value missing
			recordOf(str("log"), str("x"), str("k"), []byte{0x81, 0xa1, 'x'}), // nested value missing
		)
		for i := range bad {
			if err := pw.Write(&bad[i]); err == nil {
				t.Errorf("declared %v: Write(%x) accepted a record that cannot be read", declared, bad[i].Record)
			}
		}
		if err := pw.Write(&good[1]); err != nil {
			t.Fatal(err)
		}
		if err := pw.Close(); err != nil {
			t.Fatal(err)
		}
		if pw.Rows != 2 {
			t.Errorf("declared %v: Rows = %d, want 2", declared, pw.Rows)
		}
		rows := readObject(t, []byte(out.String()))
		if len(rows) != 2 || rows[0]["log"] != "a" || rows[1]["log"] != "b" {
			t.Errorf("declared %v: read back %v, want the two good rows", declared, rows)
		}
	}
}

func TestParquetWriteErrorNamesTheOffset(t *testing.T) {
	s := declaredSchema(t, `{"log":"string"}`, ParquetOptions{})
	pw := NewParquetWriter(s, &strings.Builder{})
	ev := rawEvents([]byte{0x82, 0xa3, 'l', 'o', 'g', 0xa1, 'x', 0xa1, 'y', 0xc1})[0]
	err := pw.Write(&ev)
	if err == nil || !strings.Contains(err.Error(), "byte 9") {
		t.Errorf("Write: %v, want an error naming byte 9", err)
	}
}

// A record may carry one key twice (Fluent Bit filters can produce that):
// the column takes the last value and _extra keeps the earlier one.
func TestParquetDuplicateKeysLoseNothing(t *testing.T) {
	rec := recordOf(str("log"), str("first"), str("log"), str("second"))
	s := declaredSchema(t, `{"log":"string"}`, ParquetOptions{})
	rows := readObject(t, mustWrite(t, s, rawEvents(rec)))
	extra, _ := rows[0][ExtraColumn].(string)
	got := rows[0]["log"].(string) + " " + extra
	if !strings.Contains(got, "first") || !strings.Contains(got, "second") {
		t.Errorf("row keeps log=%v and _extra=%v: one of the two values is lost", rows[0]["log"], rows[0][ExtraColumn])
	}
}

// A value with no JSON form (a map keyed by a map) makes Write fail, in
// _extra as in a json column, so the record goes to the dead letters
// rather than losing the value.
func TestParquetExtraUnencodableValueIsAnError(t *testing.T) {
	mapKey := recordOf(str("a"), i64(1))
	odd := recordOf(mapKey, str("v"))
	s := declaredSchema(t, `{"log":"string","j":"json"}`, ParquetOptions{})
	pw := NewParquetWriter(s, &strings.Builder{})

	inJSON := rawEvents(recordOf(str("log"), str("x"), str("j"), odd))[0]
	if err := pw.Write(&inJSON); err == nil {
		t.Fatal("a json column took a map keyed by a map")
	}
	inExtra := rawEvents(recordOf(str("log"), str("x"), str("other"), odd))[0]
	if err := pw.Write(&inExtra); err == nil {
		t.Error("Write kept a map keyed by a map in _extra without an error: it is written as null")
	}
}

// A uint above the int64 range makes a double column wherever it sits in
// the record (kindOf sees the rest of the record, not the value alone).
func TestParquetInferHugeUintNotLast(t *testing.T) {
	rec := recordOf(str("big"), msgp.AppendUint64(nil, math.MaxUint64), str("log"), str("x"))
	evs := rawEvents(rec)
	f := inferFields(t, ParquetOptions{}, evs)
	if got := fieldAt(t, f, "big").Kind; got != KindDouble {
		t.Errorf("a uint above the int64 range inferred as %v, want double", got)
	}
	rows := readObject(t, mustWrite(t, inferSchemaFrom(t, f, ParquetOptions{}), evs))
	sameRow(t, 0, rows[0], map[string]any{"big": float64(math.MaxUint64), "log": "x", ExtraColumn: nil})
}
