package format

import "testing"

func TestParquetSchemaKey(t *testing.T) {
	const fields = `{"log":"string","n":"int64","k":{"pod":"string","ids":["int64"]}}`
	base := ParquetOptions{DateKey: "date", Codec: "zstd"}
	key := func(text string, o ParquetOptions) string {
		t.Helper()
		return declaredSchema(t, text, o).Key()
	}
	same := key(fields, base)
	if got := key(`{"n":"int","k":{"ids":["long"],"pod":"str"},"log":"string"}`, base); got != same {
		t.Errorf("the same fields declared in another order and spelling: key %q, want %q", got, same)
	}
	if got := key(fields, ParquetOptions{DateKey: "date", Codec: "", NestedJSON: true}); got != same {
		t.Errorf("zstd by default and NestedJSON, which only shapes inference: key %q, want %q", got, same)
	}
	for name, o := range map[string]ParquetOptions{
		"another codec":       {DateKey: "date", Codec: "snappy"},
		"another level":       {DateKey: "date", Codec: "zstd", Level: 7},
		"nanoseconds":         {DateKey: "date", Codec: "zstd", TimeUnit: Nanos},
		"another time column": {DateKey: "time", Codec: "zstd"},
		"no time column":      {Codec: "zstd"},
		"no _extra":           {DateKey: "date", Codec: "zstd", DropUnknown: true},
	} {
		if key(fields, o) == same {
			t.Errorf("%s: the key is unchanged", name)
		}
	}
	for _, other := range []string{
		`{"log":"string","n":"double","k":{"pod":"string","ids":["int64"]}}`,
		`{"log":"string","n":"int64","k":{"pod":"string","ids":"json"}}`,
		`{"log":"string","m":"int64","k":{"pod":"string","ids":["int64"]}}`,
		`{"log":"string","n":"int64","k":{"pod":"string"},"ids":["int64"]}`,
	} {
		if key(other, base) == same {
			t.Errorf("%s: the same key as %s", other, fields)
		}
	}
	// Dictionary encoding changes the bytes written: it is in the key.
	s := declaredSchema(t, fields, base)
	var recs []map[string]any
	for range 20 {
		recs = append(recs, map[string]any{"log": "the same line"})
	}
	evs := pqEvents(t, recs...)
	in := NewInferrer(base)
	for i := range evs {
		if err := in.Add(evs[i].Record); err != nil {
			t.Fatal(err)
		}
	}
	declared, err := ParseParquetSchema(fields)
	if err != nil {
		t.Fatal(err)
	}
	in.ApplyStats(declared)
	withDict := inferSchemaFrom(t, declared, base)
	if !withDict.Fields().Child("log").dict {
		t.Fatalf("twenty equal values did not make log dictionary-encoded")
	}
	if withDict.Key() == s.Key() {
		t.Errorf("a dictionary-encoded column leaves the key unchanged: %s", s.Key())
	}
}
