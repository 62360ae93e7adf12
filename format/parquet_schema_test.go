package format

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	pqformat "github.com/parquet-go/parquet-go/format"
)

func TestParquetKindNames(t *testing.T) {
	want := map[Kind]string{
		KindNull: "null", KindBool: "boolean", KindInt: "int64", KindDouble: "double",
		KindString: "string", KindJSON: "json", KindGroup: "group", KindList: "list",
		kindTime: "timestamp", Kind(99): "Kind(99)",
	}
	for k, name := range want {
		if got := k.String(); got != name {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, name)
		}
	}
}

func TestParquetSchemaColumns(t *testing.T) {
	f, err := ParseParquetSchema(`{"b":"int","a":{"y":"string","x":["double"]},"Z":"bool"}`)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewParquetSchema(f, ParquetOptions{DateKey: "@ts", TimeUnit: Nanos})
	if err != nil {
		t.Fatal(err)
	}
	// Children are in name order, the order of parquet-go's columns.
	var paths []string
	for _, c := range s.Schema().Columns() {
		paths = append(paths, strings.Join(c, "."))
	}
	want := "@ts Z _extra a.x.list.element a.y b"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("columns %s, want %s", got, want)
	}
	if s.Fields().Child("a") == nil || s.Fields().Child("a").Child("x") == nil || s.Fields().Child("nope") != nil {
		t.Errorf("Child lookups wrong in %s", s.Fields())
	}
	leaf, ok := s.Schema().Lookup("@ts")
	if !ok {
		t.Fatal("no time column")
	}
	if lt := leaf.Node.Type().LogicalType(); lt.String() != "TIMESTAMP(isAdjustedToUTC=true,unit=NANOS)" {
		t.Errorf("time column is %v, want a UTC timestamp in nanoseconds", leaf.Node.Type())
	}
	for _, c := range []string{"@ts", "Z", ExtraColumn, "b"} {
		leaf, _ := s.Schema().Lookup(c)
		if !leaf.Node.Optional() {
			t.Errorf("column %s is not optional", c)
		}
	}
	s, err = NewParquetSchema(f, ParquetOptions{DateKey: "@ts"})
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ = s.Schema().Lookup("@ts")
	if lt := leaf.Node.Type().LogicalType(); lt.String() != "TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)" {
		t.Errorf("time column is %v, want a timestamp in microseconds", leaf.Node.Type())
	}
}

func TestParquetSchemaErrors(t *testing.T) {
	one := &Field{Kind: KindGroup, Children: []*Field{{Name: "a", Kind: KindString}}}
	cases := []struct {
		name   string
		fields *Field
		o      ParquetOptions
		want   string
	}{
		{"nil fields", nil, ParquetOptions{}, "group of fields"},
		{"not a group", &Field{Kind: KindString}, ParquetOptions{}, "group of fields"},
		{"no columns at all", &Field{Kind: KindGroup}, ParquetOptions{DropUnknown: true}, "no columns"},
		{"only special names", &Field{Kind: KindGroup, Children: []*Field{{Name: ExtraColumn, Kind: KindString}}},
			ParquetOptions{DropUnknown: true}, "no columns"},
		{"unknown codec", one, ParquetOptions{Codec: "lz4"}, `"lz4"`},
		{"empty group", &Field{Kind: KindGroup, Children: []*Field{{Name: "g", Kind: KindGroup}}}, ParquetOptions{}, `"g" has no fields`},
		{"unknown kind", &Field{Kind: KindGroup, Children: []*Field{{Name: "k", Kind: Kind(42)}}}, ParquetOptions{}, `"k"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := NewParquetSchema(c.fields, c.o)
			if err == nil {
				t.Fatalf("NewParquetSchema = %v, want an error", s.Fields())
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
	// Only the special columns is a schema: every field goes to _extra.
	s, err := NewParquetSchema(&Field{Kind: KindGroup}, ParquetOptions{DateKey: "date"})
	if err != nil {
		t.Fatal(err)
	}
	rows := readObject(t, mustWrite(t, s, pqEvents(t, map[string]any{"a": 1})))
	sameRow(t, 0, rows[0], map[string]any{"date": pqTime.UnixMicro(), ExtraColumn: jsonText(`{"a":1}`)})
}

func TestParquetSchemaTooDeep(t *testing.T) {
	leaf := &Field{Name: "a", Kind: KindInt}
	for range maxParquetDepth {
		leaf = &Field{Name: "a", Kind: KindGroup, Children: []*Field{leaf}}
	}
	_, err := NewParquetSchema(&Field{Kind: KindGroup, Children: []*Field{leaf}}, ParquetOptions{})
	if err == nil || !strings.Contains(err.Error(), "deeper than") {
		t.Fatalf("error %v, want one about depth", err)
	}
}

func TestParquetCodecs(t *testing.T) {
	evs := pqEvents(t, map[string]any{"log": strings.Repeat("compressible ", 100)})
	for name, want := range map[string]pqformat.CompressionCodec{
		"": pqformat.Zstd, "zstd": pqformat.Zstd, "ZSTD": pqformat.Zstd, "snappy": pqformat.Snappy,
		"gzip": pqformat.Gzip, "none": pqformat.Uncompressed,
	} {
		c, err := ParquetCodec(name, 0)
		if err != nil || c.CompressionCodec() != want {
			t.Errorf("ParquetCodec(%q) = %v, %v; want %v", name, c, err, want)
			continue
		}
		s := inferSchema(t, ParquetOptions{Codec: name}, evs)
		data := mustWrite(t, s, evs)
		f, err := parquet.OpenFile(strings.NewReader(string(data)), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, col := range f.Metadata().RowGroups[0].Columns {
			if col.MetaData.Codec != want {
				t.Errorf("codec %q: column %v written with %v", name, col.MetaData.PathInSchema, col.MetaData.Codec)
			}
		}
		rows := readObject(t, data)
		if len(rows) != 1 || rows[0]["log"] != strings.Repeat("compressible ", 100) {
			t.Errorf("codec %q: read back %v", name, rows)
		}
	}
	if _, err := ParquetCodec("brotli", 0); err == nil || !strings.Contains(err.Error(), `"brotli"`) {
		t.Errorf("ParquetCodec(brotli): %v, want an error naming it", err)
	}
}

// An inferred schema, as logged, can be pasted into parquet_schema: a
// nulls-only column renders as "null", which parses, and the depth limits
// of inference and declaration agree.
func TestParquetInferredSchemaTextParses(t *testing.T) {
	cases := map[string]map[string]any{
		"null column": {"a": nil, "tags": []any{}},
		"deepest":     {"l": nestedValue(maxParquetDepth-1, true, "x")},
	}
	for name, rec := range cases {
		t.Run(name, func(t *testing.T) {
			f := inferFields(t, ParquetOptions{}, pqEvents(t, rec))
			if _, err := ParseParquetSchema(f.String()); err != nil {
				t.Errorf("inferred schema %s does not parse: %v", f, err)
			}
		})
	}
}

// Field.String writes names as JSON strings, control characters included.
func TestParquetFieldStringIsJSON(t *testing.T) {
	for _, name := range []string{"nul\x00", "bell\a", "del\x7f", "tab\t", "quote\"", "✓"} {
		f := &Field{Kind: KindGroup, Children: []*Field{{Name: name, Kind: KindString}}}
		text := f.String()
		var m map[string]any
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			t.Errorf("name %q renders as %s, not JSON: %v", name, text, err)
			continue
		}
		if _, ok := m[name]; !ok || len(m) != 1 {
			t.Errorf("name %q renders as %s", name, text)
		}
	}
}
