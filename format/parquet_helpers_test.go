package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	pqformat "github.com/parquet-go/parquet-go/format"
)

// pqTime is the event time of the first event the Parquet tests build;
// later events follow one second apart.
var pqTime = time.Date(2026, 11, 22, 1, 2, 3, 456789123, time.UTC)

// pqEvents turns records into events, each in the current Fluent Bit
// shape, through a chunk and the Reader as the plugin sees them.
func pqEvents(t testing.TB, recs ...map[string]any) []Event {
	t.Helper()
	var chunk []byte
	for i, r := range recs {
		chunk = AppendEvent(chunk, pqTime.Add(time.Duration(i)*time.Second), nil, r)
	}
	rd := NewReader(chunk)
	evs := make([]Event, 0, len(recs))
	for {
		var ev Event
		err := rd.Next(&ev)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading the test chunk: %v", err)
		}
		evs = append(evs, ev)
	}
	if len(evs) != len(recs) {
		t.Fatalf("chunk holds %d events, want %d", len(evs), len(recs))
	}
	return evs
}

// rawEvents wraps raw msgpack records as events one second apart.
func rawEvents(records ...[]byte) []Event {
	evs := make([]Event, len(records))
	for i, r := range records {
		evs[i] = Event{Sec: pqTime.Unix() + int64(i), Nsec: int32(pqTime.Nanosecond()), Record: r}
	}
	return evs
}

// inferFields learns the record fields of evs under o.
func inferFields(t testing.TB, o ParquetOptions, evs []Event) *Field {
	t.Helper()
	in := NewInferrer(o)
	for i := range evs {
		if err := in.Add(evs[i].Record); err != nil {
			t.Fatalf("Inferrer.Add(record %d): %v", i, err)
		}
	}
	if in.Records() != len(evs) {
		t.Fatalf("Inferrer.Records() = %d, want %d", in.Records(), len(evs))
	}
	return in.Fields()
}

// inferSchema compiles the schema inferred from evs.
func inferSchema(t testing.TB, o ParquetOptions, evs []Event) *ParquetSchema {
	t.Helper()
	s, err := NewParquetSchema(inferFields(t, o, evs), o)
	if err != nil {
		t.Fatalf("NewParquetSchema: %v", err)
	}
	return s
}

// declaredSchema parses and compiles a declared schema.
func declaredSchema(t testing.TB, text string, o ParquetOptions) *ParquetSchema {
	t.Helper()
	f, err := ParseParquetSchema(text)
	if err != nil {
		t.Fatalf("ParseParquetSchema(%s): %v", text, err)
	}
	s, err := NewParquetSchema(f, o)
	if err != nil {
		t.Fatalf("NewParquetSchema(%s): %v", text, err)
	}
	return s
}

// writeObject writes every event with s, closes the object and returns it
// with the writer (for its counters).
func writeObject(t testing.TB, s *ParquetSchema, evs []Event) ([]byte, *ParquetWriter) {
	t.Helper()
	var out bytes.Buffer
	pw := NewParquetWriter(s, &out)
	for i := range evs {
		if err := pw.Write(&evs[i]); err != nil {
			t.Fatalf("Write(event %d): %v", i, err)
		}
	}
	if err := pw.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if pw.Written() != int64(out.Len()) {
		t.Fatalf("Written() = %d, output has %d bytes", pw.Written(), out.Len())
	}
	return out.Bytes(), pw
}

// readObject reads every row of a Parquet object with parquet-go.
func readObject(t testing.TB, data []byte) []map[string]any {
	t.Helper()
	rows, err := readRows(data)
	if err != nil {
		t.Fatalf("reading the object back: %v", err)
	}
	return rows
}

func readRows(data []byte) ([]map[string]any, error) {
	r := parquet.NewReader(bytes.NewReader(data))
	defer r.Close()
	var rows []map[string]any
	for {
		m := map[string]any{}
		err := r.Read(&m)
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, m)
	}
}

// roundTrip infers a schema from recs under o, writes them and reads them
// back.
func roundTrip(t testing.TB, o ParquetOptions, recs ...map[string]any) []map[string]any {
	t.Helper()
	evs := pqEvents(t, recs...)
	data, _ := writeObject(t, inferSchema(t, o, evs), evs)
	rows := readObject(t, data)
	if len(rows) != len(recs) {
		t.Fatalf("read %d rows, wrote %d", len(rows), len(recs))
	}
	return rows
}

// sameRow compares a row read back with the values wanted, types included
// (int64 stays int64, a double is float64). A want of jsonText compares
// the column's JSON text by meaning.
func sameRow(t testing.TB, i int, got, want map[string]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("row %d has columns %v, want %v", i, keysOf(got), keysOf(want))
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("row %d: column %q missing", i, k)
			continue
		}
		if j, isJSON := w.(jsonText); isJSON {
			sameJSONText(t, fmt.Sprintf("row %d column %q", i, k), g, string(j))
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("row %d column %q = %#v, want %#v", i, k, g, w)
		}
	}
}

// jsonText is a wanted string column holding JSON, compared by meaning.
type jsonText string

func sameJSONText(t testing.TB, what string, got any, want string) {
	t.Helper()
	s, ok := got.(string)
	if !ok {
		t.Errorf("%s = %#v, want JSON text %s", what, got, want)
		return
	}
	var g, w any
	if err := json.Unmarshal([]byte(s), &g); err != nil {
		t.Errorf("%s = %q is not JSON: %v", what, s, err)
		return
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("test bug: want %q is not JSON: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s = %s, want %s", what, s, want)
	}
}

func keysOf(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// fieldAt walks a dotted path ("k.labels", "tags[]") down a field tree.
func fieldAt(t testing.TB, f *Field, path string) *Field {
	t.Helper()
	cur := f
	name := ""
	step := func() {
		if name == "" {
			return
		}
		var next *Field
		for _, c := range cur.Children {
			if c.Name == name {
				next = c
			}
		}
		if next == nil {
			t.Fatalf("no field %q in %s (looking for %s)", name, cur, path)
		}
		cur, name = next, ""
	}
	for i := 0; i < len(path); i++ {
		switch {
		case path[i] == '.':
			step()
		case path[i] == '[' && i+1 < len(path) && path[i+1] == ']':
			step()
			if cur.Kind != KindList {
				t.Fatalf("%s: %s is not a list", path, cur)
			}
			cur = cur.Elem
			i++
		default:
			name += string(path[i])
		}
	}
	step()
	return cur
}

// inferSchemaFrom compiles fields already inferred.
func inferSchemaFrom(t testing.TB, f *Field, o ParquetOptions) *ParquetSchema {
	t.Helper()
	s, err := NewParquetSchema(f, o)
	if err != nil {
		t.Fatalf("NewParquetSchema(%s): %v", f, err)
	}
	return s
}

// columnEncodings says, for each column of an object by dotted path,
// whether any of its chunks is dictionary-encoded.
func columnEncodings(t testing.TB, data []byte) map[string]bool {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("OpenFile: %v", err)
	}
	dict := map[string]bool{}
	for _, rg := range f.Metadata().RowGroups {
		for _, c := range rg.Columns {
			path := strings.Join(c.MetaData.PathInSchema, ".")
			for _, e := range c.MetaData.Encoding {
				if e == pqformat.RLEDictionary || e == pqformat.PlainDictionary {
					dict[path] = true
				}
			}
			if _, ok := dict[path]; !ok {
				dict[path] = false
			}
		}
	}
	return dict
}
