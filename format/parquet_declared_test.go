package format

import (
	"strings"
	"testing"
)

func TestParquetDeclaredTypeNames(t *testing.T) {
	names := map[string]Kind{
		"string": KindString, "str": KindString,
		"int64": KindInt, "int": KindInt, "long": KindInt, "integer": KindInt,
		"double": KindDouble, "float": KindDouble, "float64": KindDouble,
		"boolean": KindBool, "bool": KindBool,
		"json": KindJSON,
		// case and surrounding space do not matter
		"  String ": KindString, "INT64": KindInt, "Bool": KindBool, "JSON": KindJSON,
	}
	for name, want := range names {
		f, err := ParseParquetSchema(`{"v":"` + name + `"}`)
		if err != nil {
			t.Errorf("type %q: %v", name, err)
			continue
		}
		if len(f.Children) != 1 || f.Children[0].Name != "v" || f.Children[0].Kind != want {
			t.Errorf("type %q parsed as %s, want %v", name, f, want)
		}
	}
}

func TestParquetDeclaredShapes(t *testing.T) {
	text := `{
		"level": "string", "status": "int64", "latency": "double", "ok": "bool",
		"kubernetes": {"namespace_name": "string", "labels": "json",
		               "owner": {"kind": "str", "uid": "string"}},
		"tags": ["string"],
		"matrix": [["double"]],
		"spans": [{"name": "string", "attrs": ["json"]}]
	}`
	f, err := ParseParquetSchema(text)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kubernetes":{"labels":"json","namespace_name":"string","owner":{"kind":"string","uid":"string"}},` +
		`"latency":"double","level":"string","matrix":[["double"]],"ok":"boolean",` +
		`"spans":[{"attrs":["json"],"name":"string"}],"status":"int64","tags":["string"]}`
	if got := f.String(); got != want {
		t.Fatalf("parsed\n%s\nwant\n%s", got, want)
	}
	// The rendering reads back as the same schema.
	again, err := ParseParquetSchema(f.String())
	if err != nil || again.String() != want {
		t.Fatalf("re-parsing the rendering: %v, %s", err, again)
	}
	s, err := NewParquetSchema(f, ParquetOptions{DateKey: "time"})
	if err != nil {
		t.Fatal(err)
	}
	// 3 kubernetes + latency, level, matrix, ok, 2 spans, status, tags, time, _extra
	if got := len(s.Schema().Columns()); got != 14 {
		t.Errorf("schema has %d columns, want 14:\n%s", got, s.Schema())
	}
}

func TestParquetDeclaredErrors(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string // substrings of the error
	}{
		{"unknown type", `{"a":"string","b":"strin"}`, []string{`field "b"`, `unknown type "strin"`}},
		{"every unknown type", `{"z":"strng","a":"int65","m":{"x":"char"}}`, []string{"field \"a\": unknown type \"int65\"", "\nfield \"m.x\": unknown type \"char\"", "\nfield \"z\": unknown type \"strng\""}},
		{"unknown nested type", `{"k":{"x":{"y":"timestamp"}}}`, []string{`field "k.x.y"`, `"timestamp"`}},
		{"unknown list element", `{"tags":["uuid"]}`, []string{`field "tags[]"`, `"uuid"`}},
		{"unknown in list of lists", `{"m":[["int128"]]}`, []string{`field "m[][]"`}},
		{"unknown in list of groups", `{"spans":[{"name":"char"}]}`, []string{`field "spans[].name"`}},
		{"null type", `{"a":null}`, []string{`field "a"`}},
		{"number type", `{"a":5}`, []string{`field "a"`}},
		{"bool type", `{"a":true}`, []string{`field "a"`}},
		{"empty type name", `{"a":""}`, []string{`field "a"`}},
		{"empty object", `{}`, []string{"no fields"}},
		{"empty nested object", `{"k":{"x":{}}}`, []string{`field "k.x"`, "empty object"}},
		{"empty array", `{"tags":[]}`, []string{`field "tags"`, "exactly one"}},
		{"two-element array", `{"tags":["string","int"]}`, []string{`field "tags"`, "exactly one"}},
		{"nested two-element array", `{"k":{"l":[["string","int"]]}}`, []string{`field "k.l[]"`, "exactly one"}},
		{"empty field name", `{"k":{"":"string"}}`, []string{`field "k"`, "empty"}},
		{"top-level array", `["string"]`, []string{"JSON object"}},
		{"top-level string", `"string"`, []string{"JSON object"}},
		{"top-level null", `null`, []string{"JSON object"}},
		{"empty text", ``, []string{"not a JSON object"}},
		{"not JSON", `level: string`, []string{"not a JSON object"}},
		{"truncated", `{"a":"string"`, []string{"not a JSON object"}},
		{"trailing text", `{"a":"string"} x`, []string{"follows"}},
		{"trailing object", `{"a":"string"} {"b":"int"}`, []string{"follows"}},
		{"too deep", `{"a":` + strings.Repeat(`{"a":`, maxParquetDepth) + `"int"` + strings.Repeat(`}`, maxParquetDepth) + `}`, []string{"deeper than"}},
		{"too deep in lists", `{"a":` + strings.Repeat(`[`, maxParquetDepth) + `"int"` + strings.Repeat(`]`, maxParquetDepth) + `}`, []string{`field "a[][]`, "deeper than"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := ParseParquetSchema(c.text)
			if err == nil {
				t.Fatalf("ParseParquetSchema(%s) = %s, want an error", c.text, f)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// A stray closing brace or bracket after the object is text after it:
// json.Decoder.More alone reports false before '}' and ']'.
func TestParquetDeclaredTrailingCloserRejected(t *testing.T) {
	for _, text := range []string{`{"a":"string"}}`, `{"a":"string"}]`, `{"a":"string"} ]`} {
		if f, err := ParseParquetSchema(text); err == nil {
			t.Errorf("ParseParquetSchema(%s) = %s, want an error: text follows the object", text, f)
		}
	}
}

func TestParquetDeclaredDepthLimit(t *testing.T) {
	// The record is level 1; groups and lists nest down to level
	// maxParquetDepth. (TestParquetInferredSchemaTextParses holds the
	// declared limit to the inferred one.)
	nest := func(n int, list bool) string {
		open, closer := `{"a":`, `}`
		if list {
			open, closer = `[`, `]`
		}
		return `{"a":` + strings.Repeat(open, n) + `"int"` + strings.Repeat(closer, n) + `}`
	}
	for _, list := range []bool{false, true} {
		text := nest(maxParquetDepth-2, list)
		f, err := ParseParquetSchema(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if _, err := NewParquetSchema(f, ParquetOptions{}); err != nil {
			t.Fatalf("compiling %s: %v", text, err)
		}
		text = nest(maxParquetDepth, list)
		if _, err := ParseParquetSchema(text); err == nil || !strings.Contains(err.Error(), "deeper than") {
			t.Errorf("%s: error %v, want one about depth", text, err)
		}
	}
}

func TestParquetDeclaredSpecialNamesHaveNoColumn(t *testing.T) {
	f, err := ParseParquetSchema(`{"time":"string","_extra":"json","log":"string"}`)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewParquetSchema(f, ParquetOptions{DateKey: "time"})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Fields().String()
	if want := `{"_extra":"json","log":"string","time":"timestamp"}`; got != want {
		t.Fatalf("schema %s, want %s", got, want)
	}
	evs := pqEvents(t, map[string]any{"time": "record's own", "_extra": "x", "log": "l"})
	rows := readObject(t, mustWrite(t, s, evs))
	sameRow(t, 0, rows[0], map[string]any{
		"time": pqTime.UnixMicro(), "log": "l",
		ExtraColumn: jsonText(`{"time":"record's own","_extra":"x"}`),
	})
}

func mustWrite(t *testing.T, s *ParquetSchema, evs []Event) []byte {
	t.Helper()
	data, _ := writeObject(t, s, evs)
	return data
}
