package s3access

import (
	"testing"

	"github.com/s3append/s3append/format"
)

// The shipped schema declares every record field, with the type the
// record holds, and nothing else.
func TestSchemaDeclaresEveryField(t *testing.T) {
	f, err := format.ParseParquetSchema(Schema)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]format.Kind{}
	for _, c := range f.Children {
		declared[c.Name] = c.Kind
	}
	for _, name := range Fields() {
		want := format.KindString
		if intFields[name] {
			want = format.KindInt
		}
		if k, ok := declared[name]; !ok || k != want {
			t.Errorf("%s declared as %v (%v), want %v", name, k, ok, want)
		}
		delete(declared, name)
	}
	if len(declared) != 0 {
		t.Errorf("declared beyond the record fields: %v", declared)
	}
}
