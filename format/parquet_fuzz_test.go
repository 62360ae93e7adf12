package format

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tinylib/msgp/msgp"
)

// fuzzRecords turns fuzz bytes into records: a byte stream read as a
// recipe of values, so the fuzzer explores shapes (stable and varying
// keys, widening, deep nesting, lists of groups) rather than msgpack
// framing, which the raw mode covers.
type fuzzRecords struct {
	b []byte
	i int
}

func (s *fuzzRecords) next() byte {
	if s.i >= len(s.b) {
		return 0
	}
	c := s.b[s.i]
	s.i++
	return c
}

func (s *fuzzRecords) u64() uint64 {
	var w [8]byte
	for i := range w {
		w[i] = s.next()
	}
	return binary.LittleEndian.Uint64(w[:])
}

// fuzzKeys are few, so keys repeat across records, and include the
// special names and invalid UTF-8.
var fuzzKeys = []string{"a", "b", "log", "k", "date", ExtraColumn, "", "list", "element", "k\xff", "a.b", "A"}

func (s *fuzzRecords) key() string {
	c := s.next()
	if c < 0xf0 {
		return fuzzKeys[int(c)%len(fuzzKeys)]
	}
	return "key" + itoa(int64(c&0x0f)) + itoa(int64(s.next()))
}

func (s *fuzzRecords) value(depth int) any {
	c := s.next()
	if depth > 20 {
		c %= 8 // scalars only
	}
	switch c % 16 {
	case 0:
		return nil
	case 1:
		return c&0x10 != 0
	case 2:
		return int64(s.u64())
	case 3:
		return s.u64() | 1<<63 // above the int64 range
	case 4:
		return math.Float64frombits(s.u64())
	case 5:
		return float32(int8(s.next())) / 4
	case 6:
		return string(s.b[s.i:min(s.i+int(s.next()%8), len(s.b))])
	case 7:
		return []byte{s.next(), s.next()}
	case 8, 9, 10:
		m := map[string]any{}
		for range s.next() % 6 {
			m[s.key()] = s.value(depth + 1)
		}
		return m
	case 11, 12, 13:
		a := make([]any, s.next()%5)
		for i := range a {
			a[i] = s.value(depth + 1)
		}
		return a
	default:
		return int64(int8(s.next()))
	}
}

func (s *fuzzRecords) records() []map[string]any {
	recs := make([]map[string]any, 1+s.next()%4)
	for i := range recs {
		m := map[string]any{}
		for range s.next() % 8 {
			m[s.key()] = s.value(2)
		}
		recs[i] = m
	}
	return recs
}

func fuzzRowOptions(mode uint8) ParquetOptions {
	o := ParquetOptions{DropUnknown: mode&2 != 0, NestedJSON: mode&4 != 0, Codec: "none"}
	if mode&8 != 0 {
		o.DateKey = "date"
	}
	if mode&16 != 0 {
		o.TimeUnit = Nanos
	}
	return o
}

func FuzzParquetRow(f *testing.F) {
	k8s, _ := k8sChunk(1 << 10)
	rd := NewReader(k8s)
	var ev Event
	if rd.Next(&ev) == nil {
		f.Add(ev.Record, uint8(1))
		f.Add(ev.Record, uint8(1|8))
	}
	f.Add([]byte{3, 2, 0, 8, 3, 1, 2, 3, 11, 3, 12, 4, 2, 6, 5}, uint8(0))
	f.Add([]byte{2, 5, 3, 9, 2, 10, 4, 0xf1, 7, 11, 2, 8, 1, 1, 2, 12, 1, 1, 5, 1, 6, 2, 1, 2, 3, 3, 4}, uint8(8))
	f.Add([]byte{4, 6, 0, 8, 4, 1, 2, 3, 0xf0, 7, 2, 8, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, uint8(8|16))
	f.Add(bytes.Repeat([]byte{1, 8, 1}, 40), uint8(2))
	f.Add(bytes.Repeat([]byte{1, 11, 1}, 40), uint8(4|8))
	f.Add(recordOf(str("x"), arrayOf(i64(1), recordOf(str("y"), null())), str("big"), msgp.AppendUint64(nil, math.MaxUint64)), uint8(1))
	f.Add(recordOf(i64(1), str("int key"), str("m"), recordOf(boolean(true), otherExt)), uint8(1|8))
	f.Add([]byte{0x81, 0xa1, 'a', 0xc1}, uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		o := fuzzRowOptions(mode)
		var evs []Event
		raw := mode&1 != 0
		if raw {
			evs = rawEvents(data)
		} else {
			src := &fuzzRecords{b: data}
			evs = pqEvents(t, src.records()...)
		}
		in := NewInferrer(o)
		added := make([]bool, len(evs))
		for i := range evs {
			err := in.Add(evs[i].Record)
			if err != nil && !raw {
				t.Fatalf("Add(record %d): %v", i, err)
			}
			added[i] = err == nil
		}
		fields := in.Fields()
		s, err := NewParquetSchema(fields, o)
		if err != nil {
			if len(fields.Children) == 0 && o.DropUnknown && o.DateKey == "" {
				return // nothing to write: a clean error
			}
			t.Fatalf("NewParquetSchema(%s): %v", fields, err)
		}
		var out bytes.Buffer
		pw := NewParquetWriter(s, &out)
		var times []int64
		for i := range evs {
			misfits := pw.Encoder().Misfits
			if err := pw.Write(&evs[i]); err != nil {
				if !raw {
					t.Fatalf("Write(record %d): %v", i, err)
				}
				continue
			}
			if added[i] {
				// A schema inferred from a record holds it.
				if m := s.Misfit(evs[i].Record); m != nil {
					t.Errorf("record %d does not fit the schema inferred from it: %+v in %s", i, *m, fields)
				}
				if pw.Encoder().Misfits != misfits {
					t.Errorf("record %d: the encoder found a misfit in the schema inferred from it, %s", i, fields)
				}
			}
			tm := time.Unix(evs[i].Sec, int64(evs[i].Nsec))
			if o.TimeUnit == Nanos {
				times = append(times, tm.UnixNano())
			} else {
				times = append(times, tm.UnixMicro())
			}
		}
		if err := pw.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if pw.Written() != int64(out.Len()) || pw.Rows != int64(len(times)) {
			t.Fatalf("Written %d of %d bytes, Rows %d of %d", pw.Written(), out.Len(), pw.Rows, len(times))
		}
		rows, err := readRows(out.Bytes())
		if err != nil {
			t.Fatalf("reading back the object of schema %s: %v", fields, err)
		}
		if len(rows) != len(times) {
			t.Fatalf("read %d rows, wrote %d", len(rows), len(times))
		}
		for i, row := range rows {
			if o.DateKey != "" && row[o.DateKey] != times[i] {
				t.Errorf("row %d: time %v, want %d", i, row[o.DateKey], times[i])
			}
			if x, ok := row[ExtraColumn].(string); ok && !validJSON(x) {
				t.Errorf("row %d: _extra %q is not JSON", i, x)
			}
			if _, ok := row[ExtraColumn]; ok == o.DropUnknown {
				t.Errorf("row %d: _extra column present %v with DropUnknown %v", i, ok, o.DropUnknown)
			}
			checkUTF8(t, "row", row)
		}
	})
}

// checkUTF8 fails on any string value that is not valid UTF-8.
func checkUTF8(t *testing.T, path string, v any) {
	t.Helper()
	switch v := v.(type) {
	case string:
		if !utf8.ValidString(v) {
			t.Errorf("%s: invalid UTF-8 %q", path, v)
		}
	case map[string]any:
		for k, e := range v {
			checkUTF8(t, path+"."+k, e)
		}
	case []any:
		for _, e := range v {
			checkUTF8(t, path+"[]", e)
		}
	}
}

func validJSON(s string) bool { return json.Valid([]byte(s)) }

func FuzzParseParquetSchema(f *testing.F) {
	for _, s := range []string{
		`{"level":"string","status":"int64","kubernetes":{"ns":"str","labels":"json"},"tags":["string"]}`,
		`{"spans":[{"name":"string","attrs":[["double"]]}],"ok":"BOOL"}`,
		`{"date":"string","_extra":"json"}`,
		`{"a":` + strings.Repeat(`{"a":`, maxParquetDepth) + `"int"` + strings.Repeat(`}`, maxParquetDepth) + `}`,
		`{"a":[]}`, `{"a":{}}`, `{}`, `[]`, `{"a":"string"} x`, `{"":"int"}`, `{"a":null}`, `{"a":1e999}`,
		`{"a.b":"int","a":{"b":"int"}}`,
	} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, text string, mode uint8) {
		fields, err := ParseParquetSchema(text)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		if fields.Kind != KindGroup || len(fields.Children) == 0 {
			t.Fatalf("parsed %s: not a group of fields", fields)
		}
		rendered := fields.String()
		again, err := ParseParquetSchema(rendered)
		if err != nil || again.String() != rendered {
			t.Fatalf("rendering %s does not parse back: %v", rendered, err)
		}
		o := fuzzRowOptions(mode)
		s, err := NewParquetSchema(fields, o)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		// The schema writes a record of nothing and one of everything
		// (the schema text itself, as a record), and reads them back.
		var rec map[string]any
		if err := json.Unmarshal([]byte(text), &rec); err != nil {
			t.Fatalf("%q parsed as a schema but is not one JSON object: %v", text, err)
		}
		evs := pqEvents(t, map[string]any{}, rec)
		var out bytes.Buffer
		pw := NewParquetWriter(s, &out)
		for i := range evs {
			if err := pw.Write(&evs[i]); err != nil {
				t.Fatalf("Write(record %d) with schema %s: %v", i, fields, err)
			}
		}
		if err := pw.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		rows, err := readRows(out.Bytes())
		if err != nil || len(rows) != 2 {
			t.Fatalf("read %d rows of schema %s: %v", len(rows), fields, err)
		}
	})
}
