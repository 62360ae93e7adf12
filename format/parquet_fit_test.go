package format

import (
	"math"
	"testing"

	"github.com/tinylib/msgp/msgp"
)

func TestParquetMisfit(t *testing.T) {
	s := declaredSchema(t, `{"log":"string","status":"int64","latency":"double","ok":"bool","any":"json",
		"kubernetes":{"ns":"string","pid":"int64","owner":{"kind":"string","n":"int"}},
		"tags":["int64"],"spans":[{"name":"string","ms":"double"}],"grid":[["int"]]}`,
		ParquetOptions{DateKey: "date"})
	cases := []struct {
		name string
		rec  map[string]any
		want *Misfit
	}{
		{"fits", map[string]any{"log": 1, "status": 2, "latency": 3, "ok": true, "any": []any{map[string]any{}}}, nil},
		{"nulls fit", map[string]any{"status": nil, "kubernetes": nil, "tags": []any{nil}, "grid": []any{nil, []any{nil}}}, nil},
		{"unknown fields fit", map[string]any{"new": 1, "kubernetes": map[string]any{"new": "x"}, "spans": []any{map[string]any{"new": 1}}}, nil},
		{"special names fit", map[string]any{"date": map[string]any{}, ExtraColumn: 5}, nil},
		{"strings take anything", map[string]any{"log": map[string]any{"a": 1}, "kubernetes": map[string]any{"ns": []any{1}}}, nil},
		{"string in int64", map[string]any{"status": "200"}, &Misfit{Field: "status", Want: KindInt, Got: KindString}},
		{"double in int64", map[string]any{"status": 2.5}, &Misfit{Field: "status", Want: KindInt, Got: KindDouble}},
		{"huge uint in int64", map[string]any{"status": uint64(math.MaxUint64)}, &Misfit{Field: "status", Want: KindInt, Got: KindDouble}},
		{"int in double fits", map[string]any{"latency": uint64(math.MaxUint64)}, nil},
		{"string in double", map[string]any{"latency": "fast"}, &Misfit{Field: "latency", Want: KindDouble, Got: KindString}},
		{"int in bool", map[string]any{"ok": 1}, &Misfit{Field: "ok", Want: KindBool, Got: KindInt}},
		{"map in int64", map[string]any{"status": map[string]any{}}, &Misfit{Field: "status", Want: KindInt, Got: KindGroup}},
		{"scalar in group", map[string]any{"kubernetes": "flat"}, &Misfit{Field: "kubernetes", Want: KindGroup, Got: KindString}},
		{"list in group", map[string]any{"kubernetes": []any{}}, &Misfit{Field: "kubernetes", Want: KindGroup, Got: KindList}},
		{"nested", map[string]any{"kubernetes": map[string]any{"ns": "a", "pid": true}}, &Misfit{Field: "kubernetes.pid", Want: KindInt, Got: KindBool}},
		{"deeper", map[string]any{"kubernetes": map[string]any{"owner": map[string]any{"n": "x"}}}, &Misfit{Field: "kubernetes.owner.n", Want: KindInt, Got: KindString}},
		{"map in list", map[string]any{"tags": map[string]any{}}, &Misfit{Field: "tags", Want: KindList, Got: KindGroup}},
		{"list element", map[string]any{"tags": []any{1, 2, "three"}}, &Misfit{Field: "tags[]", Want: KindInt, Got: KindString}},
		{"list of groups", map[string]any{"spans": []any{map[string]any{"name": "a", "ms": 1}, map[string]any{"ms": "x"}}}, &Misfit{Field: "spans[].ms", Want: KindDouble, Got: KindString}},
		{"element not a group", map[string]any{"spans": []any{"a"}}, &Misfit{Field: "spans[]", Want: KindGroup, Got: KindString}},
		{"list of lists", map[string]any{"grid": []any{[]any{1}, []any{2, 3.5}}}, &Misfit{Field: "grid[][]", Want: KindInt, Got: KindDouble}},
		{"inner not a list", map[string]any{"grid": []any{5}}, &Misfit{Field: "grid[]", Want: KindList, Got: KindInt}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := s.Misfit(pqEvents(t, c.rec)[0].Record)
			switch {
			case c.want == nil && got != nil:
				t.Errorf("Misfit = %+v, want none", *got)
			case c.want != nil && (got == nil || *got != *c.want):
				t.Errorf("Misfit = %+v, want %+v", got, *c.want)
			}
		})
	}
	ext := recordOf(str("latency"), eventTimeExt)
	if got := s.Misfit(ext); got == nil || *got != (Misfit{Field: "latency", Want: KindDouble, Got: KindJSON}) {
		t.Errorf("EventTime in a double column: Misfit = %+v", got)
	}
	// The first misfit in record order is reported.
	two := recordOf(str("ok"), str("x"), str("status"), str("y"))
	if got := s.Misfit(two); got == nil || got.Field != "ok" {
		t.Errorf("two misfits: Misfit = %+v, want ok", got)
	}
	// Records that cannot be read are the encoder's to report.
	for _, bad := range [][]byte{str("x"), nil, {0x81, 0xa6, 's', 't', 'a', 't', 'u', 's'}} {
		if got := s.Misfit(bad); got != nil {
			t.Errorf("Misfit(%x) = %+v, want nil", bad, *got)
		}
	}
	// A non-string key is an unknown field.
	if got := s.Misfit(recordOf(msgp.AppendInt64(nil, 1), str("x"))); got != nil {
		t.Errorf("non-string key: Misfit = %+v", *got)
	}
}

// A record Misfit passes is written with no misfit; one it reports is
// written with the value in _extra. The one difference: a list element
// with a member the schema lacks is no misfit to Misfit (unknown fields
// never are) but sends its list to _extra, which the encoder counts.
func TestParquetMisfitAgreesWithEncoder(t *testing.T) {
	s := declaredSchema(t, extraSchema, ParquetOptions{})
	for _, c := range extraCases {
		ev := pqEvents(t, c.rec)[0]
		m := s.Misfit(ev.Record)
		_, pw := writeObject(t, s, []Event{ev})
		if (m != nil) != (pw.Encoder().Misfits > 0) && c.name != "unknown member inside a list of groups sends the whole list" {
			t.Errorf("%s: Misfit %+v but the encoder counted %d misfits", c.name, m, pw.Encoder().Misfits)
		}
	}
}
