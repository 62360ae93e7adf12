package format

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/tinylib/msgp/msgp"
)

// eventTimeExt is an EventTime extension value (2026-11-22T00:00:00.5Z).
var eventTimeExt = appendEventTime(nil, 1795305600, 500000000)

// otherExt is a msgpack fixext1 of type 7, no EventTime.
var otherExt = []byte{0xd4, 7, 1}

// inferOne infers the fields from records holding each raw value in turn
// as field "v" and returns the field inferred for it.
func inferOne(t *testing.T, o ParquetOptions, values ...[]byte) *Field {
	t.Helper()
	recs := make([][]byte, len(values))
	for i, v := range values {
		recs[i] = recordOf(str("v"), v)
	}
	f := inferFields(t, o, rawEvents(recs...))
	if len(f.Children) != 1 || f.Children[0].Name != "v" {
		t.Fatalf("inferred %s, want one field v", f)
	}
	return f.Children[0]
}

func i64(i int64) []byte   { return msgp.AppendInt64(nil, i) }
func f64(f float64) []byte { return msgp.AppendFloat64(nil, f) }
func boolean(b bool) []byte {
	return msgp.AppendBool(nil, b)
}
func null() []byte { return msgp.AppendNil(nil) }
func arrayOf(vs ...[]byte) []byte {
	b := msgp.AppendArrayHeader(nil, uint32(len(vs)))
	for _, v := range vs {
		b = append(b, v...)
	}
	return b
}

func TestParquetInferWidening(t *testing.T) {
	cases := []struct {
		name   string
		values [][]byte
		want   string // Field.String of v
	}{
		{"int", [][]byte{i64(1), i64(-2)}, `"int64"`},
		{"small uint is int", [][]byte{msgp.AppendUint64(nil, 7)}, `"int64"`},
		{"double", [][]byte{f64(1.5)}, `"double"`},
		{"float32 is double", [][]byte{msgp.AppendFloat32(nil, 1.5)}, `"double"`},
		{"int then double", [][]byte{i64(1), f64(2.5)}, `"double"`},
		{"double then int", [][]byte{f64(2.5), i64(1)}, `"double"`},
		{"uint above int64 is double", [][]byte{msgp.AppendUint64(nil, math.MaxUint64)}, `"double"`},
		{"int and huge uint", [][]byte{i64(3), msgp.AppendUint64(nil, 1<<63)}, `"double"`},
		{"string", [][]byte{str("a")}, `"string"`},
		{"bin is string", [][]byte{msgp.AppendBytes(nil, []byte("b"))}, `"string"`},
		{"bool", [][]byte{boolean(true), boolean(false)}, `"boolean"`},
		{"int and string", [][]byte{i64(1), str("a")}, `"string"`},
		{"string and double", [][]byte{str("a"), f64(1)}, `"string"`},
		{"bool and int", [][]byte{boolean(true), i64(1)}, `"string"`},
		{"bool and double", [][]byte{f64(1), boolean(true)}, `"string"`},
		{"nulls only", [][]byte{null(), null()}, `"null"`},
		{"null then int", [][]byte{null(), i64(1), null()}, `"int64"`},
		{"scalar and map", [][]byte{i64(1), recordOf(str("a"), i64(1))}, `"json"`},
		{"map and scalar", [][]byte{recordOf(str("a"), i64(1)), str("x")}, `"json"`},
		{"array and scalar", [][]byte{arrayOf(i64(1)), i64(1)}, `"json"`},
		{"map and array", [][]byte{recordOf(str("a"), i64(1)), arrayOf(i64(1))}, `"json"`},
		{"EventTime ext", [][]byte{eventTimeExt}, `"json"`},
		{"other ext", [][]byte{otherExt}, `"json"`},
		{"ext and int", [][]byte{i64(1), otherExt}, `"json"`},
		{"json and string stays json", [][]byte{otherExt, str("s")}, `"json"`},
		{"stable map", [][]byte{recordOf(str("a"), i64(1)), recordOf(str("a"), f64(2), str("b"), str("x"))}, `{"a":"double","b":"string"}`},
		{"map with a null member", [][]byte{recordOf(str("a"), null())}, `{"a":"null"}`},
		{"empty map only", [][]byte{recordOf(), recordOf()}, `"json"`},
		{"map with a non-string key", [][]byte{recordOf(str("a"), i64(1)), recordOf(i64(5), str("x"))}, `"json"`},
		{"map with an empty key", [][]byte{recordOf(str(""), i64(1))}, `"json"`},
		{"list of strings", [][]byte{arrayOf(str("a"), str("b")), arrayOf(str("c"))}, `["string"]`},
		{"list of ints and doubles", [][]byte{arrayOf(i64(1), f64(2.5))}, `["double"]`},
		{"list of scalars of mixed kinds", [][]byte{arrayOf(i64(1), str("a"), boolean(true))}, `["string"]`},
		{"list of scalars and maps", [][]byte{arrayOf(i64(1), recordOf(str("a"), i64(1)))}, `"json"`},
		{"list of lists and scalars", [][]byte{arrayOf(arrayOf(i64(1))), arrayOf(i64(2))}, `"json"`},
		{"list of lists", [][]byte{arrayOf(arrayOf(i64(1), i64(2)), arrayOf()), arrayOf(arrayOf(i64(3)))}, `[["int64"]]`},
		{"list of groups", [][]byte{arrayOf(recordOf(str("x"), i64(1)), recordOf(str("x"), i64(2), str("y"), str("a")))}, `[{"x":"int64","y":"string"}]`},
		{"empty lists only", [][]byte{arrayOf(), arrayOf()}, `["null"]`},
		{"lists of nulls only", [][]byte{arrayOf(null(), null())}, `["null"]`},
		{"empty list then ints", [][]byte{arrayOf(), arrayOf(i64(1)), null()}, `["int64"]`},
		{"list of ext", [][]byte{arrayOf(otherExt)}, `"json"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := inferOne(t, ParquetOptions{}, c.values...).String(); got != c.want {
				t.Errorf("inferred %s, want %s", got, c.want)
			}
		})
	}
}

func TestParquetInferOrderDoesNotMatter(t *testing.T) {
	values := [][]byte{i64(1), null(), f64(2.5), i64(-7)}
	forward := inferOne(t, ParquetOptions{}, values...).String()
	for i, j := 0, len(values)-1; i < j; i, j = i+1, j-1 {
		values[i], values[j] = values[j], values[i]
	}
	if backward := inferOne(t, ParquetOptions{}, values...).String(); backward != forward {
		t.Errorf("inferred %s forward and %s backward", forward, backward)
	}
}

// k8sPod is a record of one pod: the labels differ from pod to pod, the
// other fields of kubernetes do not.
func k8sPod(i int) map[string]any {
	labels := map[string]any{"app": fmt.Sprintf("app-%d", i%5)}
	labels[fmt.Sprintf("team-%d.example.com/owner", i)] = "x"
	if i%3 == 0 {
		labels["release"] = fmt.Sprintf("r%d", i)
	}
	return map[string]any{
		"log": "line",
		"kubernetes": map[string]any{
			"pod_name":       fmt.Sprintf("pod-%d", i),
			"namespace_name": "prod",
			"labels":         labels,
		},
	}
}

func TestParquetInferVaryingKeysAreJSON(t *testing.T) {
	for _, pods := range []int{10, 100} {
		recs := make([]map[string]any, pods)
		for i := range recs {
			recs[i] = k8sPod(i)
		}
		f := inferFields(t, ParquetOptions{}, pqEvents(t, recs...))
		want := `{"kubernetes":{"labels":"json","namespace_name":"string","pod_name":"string"},"log":"string"}`
		if got := f.String(); got != want {
			t.Errorf("%d pods: inferred %s, want %s", pods, got, want)
		}
	}
}

func TestParquetInferOptionalMembersStayAGroup(t *testing.T) {
	// Every record carries some of four members: the keys repeat.
	recs := make([]map[string]any, 40)
	names := []string{"a", "b", "c", "d"}
	for i := range recs {
		m := map[string]any{names[i%4]: i, names[(i+1)%4]: "s"}
		recs[i] = map[string]any{"g": m}
	}
	got := inferFields(t, ParquetOptions{}, pqEvents(t, recs...)).String()
	if want := `{"g":{"a":"string","b":"string","c":"string","d":"string"}}`; got != want {
		t.Errorf("inferred %s, want %s", got, want)
	}
}

func TestParquetInferTooManyFieldsIsJSON(t *testing.T) {
	m := map[string]any{}
	for i := range maxGroupFields + 1 {
		m[fmt.Sprintf("f%03d", i)] = i
	}
	got := inferFields(t, ParquetOptions{}, pqEvents(t, map[string]any{"wide": m})).String()
	if want := `{"wide":"json"}`; got != want {
		t.Errorf("inferred %s, want %s", got, want)
	}
	delete(m, "f000")
	got = inferFields(t, ParquetOptions{}, pqEvents(t, map[string]any{"wide": m})).String()
	if !strings.HasPrefix(got, `{"wide":{"f001":"int64",`) {
		t.Errorf("a map of %d fields inferred as %s, want a group", maxGroupFields, got)
	}
}

// nestedValue wraps leaf in depth maps {"a": ...} (or arrays, when list).
func nestedValue(depth int, list bool, leaf any) any {
	v := leaf
	for range depth {
		if list {
			v = []any{v}
		} else {
			v = map[string]any{"a": v}
		}
	}
	return v
}

func TestParquetInferDepthLimit(t *testing.T) {
	// The record is level 1, its fields level 2: groups go down to level
	// maxParquetDepth, below which maps are JSON text.
	rec := map[string]any{"a": nestedValue(19, false, int64(1))}
	f := inferFields(t, ParquetOptions{}, pqEvents(t, rec))
	groups := 0
	cur := f.Children[0]
	for cur.Kind == KindGroup {
		groups++
		if len(cur.Children) != 1 {
			t.Fatalf("group %s has %d fields", cur, len(cur.Children))
		}
		cur = cur.Children[0]
	}
	if want := maxParquetDepth - 1; groups != want || cur.Kind != KindJSON {
		t.Fatalf("inferred %d groups then %v, want %d then json", groups, cur.Kind, want)
	}
	s, err := NewParquetSchema(f, ParquetOptions{})
	if err != nil {
		t.Fatalf("NewParquetSchema of the deepest inferred schema: %v", err)
	}
	evs := pqEvents(t, rec)
	data, _ := writeObject(t, s, evs)
	row := readObject(t, data)[0]
	var v any = row["a"]
	for range groups - 1 {
		v = v.(map[string]any)["a"]
	}
	sameJSONText(t, "the deepest column", v.(map[string]any)["a"], `{"a":{"a":{"a":{"a":1}}}}`)

	// Lists nested past the limit make the whole field JSON text.
	rec = map[string]any{"l": nestedValue(19, true, "x")}
	f = inferFields(t, ParquetOptions{}, pqEvents(t, rec))
	if got := f.String(); got != `{"l":"json"}` {
		t.Errorf("deep lists inferred as %s, want json", got)
	}
	rows := roundTrip(t, ParquetOptions{DropUnknown: true}, rec)
	sameRow(t, 0, rows[0], map[string]any{"l": jsonText(strings.Repeat("[", 19) + `"x"` + strings.Repeat("]", 19))})

	// Lists nested to the limit stay lists.
	rec = map[string]any{"l": nestedValue(maxParquetDepth-1, true, "x")}
	f = inferFields(t, ParquetOptions{}, pqEvents(t, rec))
	if want := `{"l":` + strings.Repeat("[", maxParquetDepth-1) + `"string"` + strings.Repeat("]", maxParquetDepth-1) + `}`; f.String() != want {
		t.Errorf("lists to the depth limit inferred as %s, want %s", f, want)
	}
	rows = roundTrip(t, ParquetOptions{DropUnknown: true}, rec)
	var l any = rows[0]["l"]
	for range maxParquetDepth - 1 {
		ls, ok := l.([]any)
		if !ok || len(ls) != 1 {
			t.Fatalf("nested list read back as %#v", rows[0]["l"])
		}
		l = ls[0]
	}
	if l != "x" {
		t.Errorf("innermost element %#v, want x", l)
	}
}

func TestParquetInferNestedJSON(t *testing.T) {
	o := ParquetOptions{NestedJSON: true}
	rec := map[string]any{
		"g": map[string]any{"a": 1}, "l": []any{"x"}, "e": []any{},
		"n": int64(1), "s": "x", "b": true, "d": 1.5,
	}
	got := inferFields(t, o, pqEvents(t, rec)).String()
	want := `{"b":"boolean","d":"double","e":"json","g":"json","l":"json","n":"int64","s":"string"}`
	if got != want {
		t.Fatalf("inferred %s, want %s", got, want)
	}
	rows := roundTrip(t, o, rec)
	sameRow(t, 0, rows[0], map[string]any{
		"g": jsonText(`{"a":1}`), "l": jsonText(`["x"]`), "e": jsonText(`[]`),
		"n": int64(1), "s": "x", "b": true, "d": 1.5, ExtraColumn: nil,
	})
}

func TestParquetInferSkipsSpecialNames(t *testing.T) {
	rec := recordOf(
		str("date"), str("from the record"),
		str(ExtraColumn), str("x"),
		str(""), i64(1),
		i64(7), str("int key"),
		str("log"), str("l"),
		str("nested"), recordOf(str("date"), i64(2), str(ExtraColumn), i64(3)),
	)
	f := inferFields(t, ParquetOptions{DateKey: "date"}, rawEvents(rec))
	if got, want := f.String(), `{"log":"string","nested":{"_extra":"int64","date":"int64"}}`; got != want {
		t.Errorf("with date key: inferred %s, want %s", got, want)
	}
	f = inferFields(t, ParquetOptions{}, rawEvents(rec))
	if got, want := f.String(), `{"date":"string","log":"string","nested":{"_extra":"int64","date":"int64"}}`; got != want {
		t.Errorf("without date key: inferred %s, want %s", got, want)
	}
}

func TestParquetInferRejectsNonMaps(t *testing.T) {
	in := NewInferrer(ParquetOptions{})
	for _, rec := range [][]byte{str("x"), arrayOf(), nil, {0xc1}} {
		if err := in.Add(rec); err == nil {
			t.Errorf("Add(%x) accepted a record that is not a map", rec)
		}
	}
	if in.Records() != 0 {
		t.Errorf("Records() = %d after only bad records", in.Records())
	}
	if err := in.Add(recordOf(str("a"), i64(1))); err != nil {
		t.Fatal(err)
	}
	// A map whose member is cut short.
	if err := in.Add([]byte{0x81, 0xa1, 'a'}); err == nil {
		t.Error("Add accepted a truncated map")
	}
	if in.Records() != 1 {
		t.Errorf("Records() = %d, want 1", in.Records())
	}
	in.Reset()
	if in.Records() != 0 || len(in.Fields().Children) != 0 {
		t.Errorf("after Reset: %d records, fields %s", in.Records(), in.Fields())
	}
}

func TestParquetDictionaryDecision(t *testing.T) {
	levels := []string{"info", "warn", "error"}
	recs := make([]map[string]any, 100)
	for i := range recs {
		recs[i] = map[string]any{
			"level":   levels[i%3],
			"status":  []int{200, 404, 500}[i%3],
			"ratio":   []float64{0.5, 1.5}[i%2],
			"id":      fmt.Sprintf("req-%d", i),
			"seq":     i,
			"latency": float64(i) + 0.25,
			"ok":      i%2 == 0,
			"k":       map[string]any{"ns": levels[i%2]},
			"tags":    []any{levels[i%3]},
			"nothing": nil,
		}
	}
	evs := pqEvents(t, recs...)
	f := inferFields(t, ParquetOptions{}, evs)
	want := map[string]bool{
		"level": true, "status": true, "ratio": true, "k.ns": true, "tags[]": true,
		"id": false, "seq": false, "latency": false, "ok": false, "nothing": false,
	}
	for path, dict := range want {
		if got := fieldAt(t, f, path).dict; got != dict {
			t.Errorf("%s: dictionary %v, want %v", path, got, dict)
		}
	}

	// The chosen encoding is the one written.
	data, _ := writeObject(t, inferSchemaFrom(t, f, ParquetOptions{}), evs)
	enc := columnEncodings(t, data)
	for path, dict := range want {
		col := strings.ReplaceAll(path, "[]", ".list.element")
		if got := enc[col]; got != dict {
			t.Errorf("column %s written with dictionary %v, want %v", col, got, dict)
		}
	}

	// Too few values to tell.
	f = inferFields(t, ParquetOptions{}, evs[:15])
	if fieldAt(t, f, "level").dict {
		t.Error("15 values: level dictionary-encoded")
	}
	// Half distinct is the limit.
	half := make([]map[string]any, 32)
	for i := range half {
		half[i] = map[string]any{"v": i / 2, "w": i * 2 / 3}
	}
	f = inferFields(t, ParquetOptions{}, pqEvents(t, half...))
	if !fieldAt(t, f, "v").dict || fieldAt(t, f, "w").dict {
		t.Errorf("16 and 21 distinct of 32: dictionary %v and %v, want true and false", fieldAt(t, f, "v").dict, fieldAt(t, f, "w").dict)
	}
}

func TestParquetDictionaryCappedByDistinctValues(t *testing.T) {
	// Many repeats of more values than are remembered: not encoded.
	in := NewInferrer(ParquetOptions{})
	for r := range 3 {
		for i := range maxDistinct + 1 {
			if err := in.Add(recordOf(str("v"), i64(int64(i)), str("r"), i64(int64(r)))); err != nil {
				t.Fatal(err)
			}
		}
	}
	f := in.Fields()
	if fieldAt(t, f, "v").dict {
		t.Errorf("%d distinct values: dictionary-encoded", maxDistinct+1)
	}
	if !fieldAt(t, f, "r").dict {
		t.Error("3 distinct values: not dictionary-encoded")
	}
}

func TestParquetApplyStats(t *testing.T) {
	declared, err := ParseParquetSchema(`{"level":"string","id":"string","status":"int64","code":"int64",
		"k":{"ns":"string"},"tags":["string"],"ok":"bool","extra":"json"}`)
	if err != nil {
		t.Fatal(err)
	}
	in := NewInferrer(ParquetOptions{})
	for i := range 64 {
		rec := map[string]any{
			"level": []string{"a", "b"}[i%2], "id": fmt.Sprint(i), "status": 200 + i%2,
			"code": "not an int", "k": map[string]any{"ns": "prod"}, "tags": []any{"t"},
			"ok": true, "extra": "e",
		}
		if err := in.Add(pqEvents(t, rec)[0].Record); err != nil {
			t.Fatal(err)
		}
	}
	in.ApplyStats(declared)
	want := map[string]bool{
		"level": true, "id": false, "status": true, "k.ns": true, "tags[]": true,
		// a column whose values the inferrer saw as another kind keeps
		// its plain encoding
		"code": false, "ok": false, "extra": false,
	}
	for path, dict := range want {
		if got := fieldAt(t, declared, path).dict; got != dict {
			t.Errorf("%s: dictionary %v, want %v", path, got, dict)
		}
	}
}
