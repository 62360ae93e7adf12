package format

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// micros is the time column of event i as pqEvents writes it.
func micros(i int) int64 { return pqTime.Add(time.Duration(i) * time.Second).UnixMicro() }

func TestParquetRoundTripInferred(t *testing.T) {
	recs := []map[string]any{
		{
			"i": math.MaxInt64, "d": 2.5, "b": true, "s": "héllo ✓", "n": nil,
			"k":      map[string]any{"ns": "prod", "pod": "p-1", "port": 8080},
			"tags":   []any{"a", "b"},
			"spans":  []any{map[string]any{"name": "db", "ms": 1.5}, map[string]any{"name": "http"}},
			"matrix": []any{[]any{1, 2}, []any{}, []any{3}},
			"mixed":  []any{1, nil, 3},
		},
		{
			"i": math.MinInt64, "d": -1e300, "b": false, "s": "",
			"k":    map[string]any{"ns": "dev"},
			"tags": []any{}, "spans": []any{}, "matrix": []any{}, "mixed": []any{nil},
		},
		{
			"i": 0, "d": 0.0, "k": nil, "tags": nil, "matrix": []any{[]any{nil}},
		},
		{},
	}
	o := ParquetOptions{DateKey: "date"}
	rows := roundTrip(t, o, recs...)
	want := []map[string]any{
		{
			"i": int64(math.MaxInt64), "d": 2.5, "b": true, "s": "héllo ✓", "n": nil,
			"k":    map[string]any{"ns": "prod", "pod": "p-1", "port": int64(8080)},
			"tags": []any{"a", "b"},
			"spans": []any{
				map[string]any{"name": "db", "ms": 1.5},
				map[string]any{"name": "http", "ms": nil},
			},
			"matrix": []any{[]any{int64(1), int64(2)}, []any{}, []any{int64(3)}},
			"mixed":  []any{int64(1), nil, int64(3)},
		},
		{
			"i": int64(math.MinInt64), "d": -1e300, "b": false, "s": "", "n": nil,
			"k":    map[string]any{"ns": "dev", "pod": nil, "port": nil},
			"tags": []any{}, "spans": []any{}, "matrix": []any{}, "mixed": []any{nil},
		},
		{
			"i": int64(0), "d": 0.0, "b": nil, "s": nil, "n": nil, "k": nil,
			"tags": nil, "spans": nil, "matrix": []any{[]any{nil}}, "mixed": nil,
		},
		{
			"i": nil, "d": nil, "b": nil, "s": nil, "n": nil, "k": nil,
			"tags": nil, "spans": nil, "matrix": nil, "mixed": nil,
		},
	}
	for i := range want {
		want[i]["date"] = micros(i)
		want[i][ExtraColumn] = nil
		sameRow(t, i, rows[i], want[i])
	}
}

func TestParquetRoundTripDeclared(t *testing.T) {
	s := declaredSchema(t, `{
		"i": "int64", "d": "double", "b": "bool", "s": "string", "j": "json",
		"k": {"ns": "string", "ids": ["int"]},
		"tags": ["string"], "spans": [{"name": "string", "attrs": ["json"]}],
		"grid": [["double"]]
	}`, ParquetOptions{DateKey: "ts", TimeUnit: Nanos})
	recs := []map[string]any{
		{
			"i": int8(-3), "d": 7, "b": true, "s": "x", "j": map[string]any{"a": []any{1, "x", nil}},
			"k":     map[string]any{"ns": "prod", "ids": []any{uint16(1), int64(-2)}},
			"tags":  []any{"a", 5, true, 2.5, nil},
			"spans": []any{map[string]any{"name": "q", "attrs": []any{map[string]any{"k": "v"}, 1}}},
			"grid":  []any{[]any{1, 2.5}, []any{}},
		},
		{
			// Scalars in a string column are written as their text.
			"i": uint64(math.MaxInt64), "d": float32(0.1), "s": 42, "j": "plain",
			"k": map[string]any{}, "tags": []any{}, "spans": []any{map[string]any{}}, "grid": []any{[]any{nil}},
		},
		{"s": false, "j": 1.5, "b": nil},
		{"s": 2.5, "j": nil, "d": uint64(7)},
		{"s": []byte("bin"), "j": []byte("bin")},
	}
	rows := readObject(t, mustWrite(t, s, pqEvents(t, recs...)))
	none := map[string]any{
		"i": nil, "d": nil, "b": nil, "s": nil, "j": nil, "k": nil, "tags": nil,
		"spans": nil, "grid": nil, ExtraColumn: nil,
	}
	want := []map[string]any{
		{
			"i": int64(-3), "d": 7.0, "b": true, "s": "x", "j": jsonText(`{"a":[1,"x",null]}`),
			"k":    map[string]any{"ns": "prod", "ids": []any{int64(1), int64(-2)}},
			"tags": []any{"a", "5", "true", "2.5", nil},
			"spans": []any{map[string]any{"name": "q", "attrs": []any{
				jsonText(`{"k":"v"}`), jsonText(`1`),
			}}},
			"grid": []any{[]any{1.0, 2.5}, []any{}},
		},
		{
			"i": int64(math.MaxInt64), "d": float64(float32(0.1)), "s": "42", "j": jsonText(`"plain"`),
			"k": map[string]any{"ns": nil, "ids": nil}, "tags": []any{},
			"spans": []any{map[string]any{"name": nil, "attrs": nil}}, "grid": []any{[]any{nil}},
		},
		{"s": "false", "j": jsonText(`1.5`)},
		{"s": "2.5", "d": 7.0},
		{"s": "bin", "j": jsonText(`"bin"`)},
	}
	for i := range want {
		full := map[string]any{"ts": pqTime.UnixNano() + int64(i)*1e9}
		for k, v := range none {
			full[k] = v
		}
		for k, v := range want[i] {
			full[k] = v
		}
		// jsonText inside lists is compared as text by meaning.
		if spans, ok := full["spans"].([]any); ok && i == 0 {
			got := rows[i]["spans"].([]any)[0].(map[string]any)["attrs"].([]any)
			sameJSONText(t, "spans[0].attrs[0]", got[0], `{"k":"v"}`)
			sameJSONText(t, "spans[0].attrs[1]", got[1], `1`)
			spans[0].(map[string]any)["attrs"] = got
		}
		sameRow(t, i, rows[i], full)
	}
}

func TestParquetTimeUnits(t *testing.T) {
	evs := []Event{
		{Sec: 1795309323, Nsec: 456789123, Record: recordOf()},
		{Sec: 0, Nsec: 999, Record: recordOf()},
		{Sec: -2, Nsec: 500, Record: recordOf()},
	}
	for _, c := range []struct {
		unit TimeUnit
		want []int64
	}{
		{Micros, []int64{1795309323456789, 0, -2000000}},
		{Nanos, []int64{1795309323456789123, 999, -1999999500}},
	} {
		s := declaredSchema(t, `{"log":"string"}`, ParquetOptions{DateKey: "time", TimeUnit: c.unit, DropUnknown: true})
		rows := readObject(t, mustWrite(t, s, evs))
		for i, w := range c.want {
			sameRow(t, i, rows[i], map[string]any{"time": w, "log": nil})
		}
	}
}

func TestParquetNoTimeColumn(t *testing.T) {
	rows := roundTrip(t, ParquetOptions{}, map[string]any{"date": "mine", "log": "x"})
	sameRow(t, 0, rows[0], map[string]any{"date": "mine", "log": "x", ExtraColumn: nil})
}

func TestParquetLegacyEvents(t *testing.T) {
	chunk := AppendLegacyEvent(nil, pqTime, map[string]any{"log": "x"})
	chunk = append(chunk, msgp.AppendArrayHeader(nil, 2)...)
	chunk = msgp.AppendInt64(chunk, 1700000000)
	chunk = append(chunk, recordOf(str("log"), str("y"))...)
	var evs []Event
	rd := NewReader(chunk)
	for {
		var ev Event
		if rd.Next(&ev) != nil {
			break
		}
		evs = append(evs, ev)
	}
	o := ParquetOptions{DateKey: "date"}
	rows := readObject(t, mustWrite(t, inferSchema(t, o, evs), evs))
	sameRow(t, 0, rows[0], map[string]any{"date": pqTime.UnixMicro(), "log": "x", ExtraColumn: nil})
	sameRow(t, 1, rows[1], map[string]any{"date": int64(1700000000e6), "log": "y", ExtraColumn: nil})
}

func TestParquetManyRowsRoundTrip(t *testing.T) {
	// More rows than one batch, each different, with optional fields.
	const n = 3*rowBatch + 17
	recs := make([]map[string]any, n)
	for i := range recs {
		r := map[string]any{"i": i, "s": itoa(int64(i))}
		if i%3 == 0 {
			r["l"] = []any{i, i + 1}
		}
		if i%5 == 0 {
			r["g"] = map[string]any{"x": float64(i)}
		}
		recs[i] = r
	}
	rows := roundTrip(t, ParquetOptions{DropUnknown: true}, recs...)
	for i, row := range rows {
		want := map[string]any{"i": int64(i), "s": itoa(int64(i)), "l": nil, "g": nil}
		if i%3 == 0 {
			want["l"] = []any{int64(i), int64(i + 1)}
		}
		if i%5 == 0 {
			want["g"] = map[string]any{"x": float64(i)}
		}
		sameRow(t, i, row, want)
		if t.Failed() {
			break
		}
	}
}

func TestParquetNullColumnsAreStrings(t *testing.T) {
	learnt := pqEvents(t, map[string]any{"n": nil, "e": []any{}, "g": map[string]any{"z": nil}})
	s := inferSchema(t, ParquetOptions{DropUnknown: true}, learnt)
	for _, col := range []string{"n", "e.list.element", "g.z"} {
		leaf, ok := s.Schema().Lookup(strings.Split(col, ".")...)
		if !ok {
			t.Fatalf("no column %s in\n%s", col, s.Schema())
		}
		if lt := leaf.Node.Type().LogicalType(); lt == nil || lt.String() != "STRING" {
			t.Errorf("column %s is %v, want STRING", col, leaf.Node.Type())
		}
	}
	// Values seen later are kept as text.
	later := pqEvents(t,
		map[string]any{"n": "x", "e": []any{"y", 2}, "g": map[string]any{"z": true}},
		map[string]any{"n": map[string]any{"a": 1}, "e": nil, "g": nil},
	)
	rows := readObject(t, mustWrite(t, s, later))
	sameRow(t, 0, rows[0], map[string]any{"n": "x", "e": []any{"y", "2"}, "g": map[string]any{"z": "true"}})
	sameRow(t, 1, rows[1], map[string]any{"n": jsonText(`{"a":1}`), "e": nil, "g": nil})
}

func TestParquetInferredSpecialNamesGoToExtra(t *testing.T) {
	rows := roundTrip(t, ParquetOptions{DateKey: "date"},
		map[string]any{"date": "the record's", ExtraColumn: map[string]any{"a": 1}, "log": "x"},
		map[string]any{"log": "y"},
	)
	sameRow(t, 0, rows[0], map[string]any{
		"date": micros(0), "log": "x", ExtraColumn: jsonText(`{"date":"the record's","_extra":{"a":1}}`),
	})
	sameRow(t, 1, rows[1], map[string]any{"date": micros(1), "log": "y", ExtraColumn: nil})
}
