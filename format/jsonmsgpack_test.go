package format

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tinylib/msgp/msgp"
)

func TestJSONAsMsgpackBytes(t *testing.T) {
	for _, c := range []struct {
		in, want string // want as hex
	}{
		{`null`, "c0"},
		{` true `, "c3"},
		{`false`, "c2"},
		{`0`, "00"},
		{`-0`, "00"},
		{`127`, "7f"},
		{`128`, "d10080"},
		{`-32`, "e0"},
		{`-33`, "d0df"},
		{`9223372036854775807`, "d37fffffffffffffff"},
		{`-9223372036854775808`, "d38000000000000000"},
		{`9223372036854775808`, "cf8000000000000000"},
		{`18446744073709551615`, "cfffffffffffffffff"},
		{`18446744073709551616`, "cb43f0000000000000"},
		{`-9223372036854775809`, "cbc3e0000000000000"},
		{`1.5`, "cb3ff8000000000000"},
		{`1e3`, "cb408f400000000000"},
		{`1.0`, "cb3ff0000000000000"},
		{`""`, "a0"},
		{`"ab"`, "a26162"},
		{`"a\"b\\c\/d"`, "a76122625c632f64"},
		{`"\b\f\n\r\t"`, "a5080c0a0d09"},
		{`"\u00e9"`, "a2c3a9"},
		{`"\ud83d\ude00"`, "a4f09f9880"}, // a surrogate pair
		{`"\ud83d"`, "a3efbfbd"},         // a lone high half
		{`"\ude00x"`, "a4efbfbd78"},      // a lone low half
		{`"\ud83d\u0041"`, "a4efbfbd41"}, // a high half then not a low one
		{"\"\xff\xfe\"", "a2fffe"},       // invalid UTF-8 kept
		{`[]`, "90"},
		{`{}`, "80"},
		{`[1,[2,{}]]`, "9201920280"},
		{`{"a":1,"b":[true,null]}`, "82a16101a16292c3c0"},
		{`{"a":1,"a":2}`, "82a16101a16102"}, // duplicates kept in order
		{" \t\r\n{ \"k\" : \"v\" } ", "81a16ba176"},
	} {
		got, n, err := AppendJSONAsMsgpack([]byte{0xEE}, []byte(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if h := hex.EncodeToString(got[1:]); h != c.want || got[0] != 0xEE {
			t.Errorf("%s: got % x, want %s after the prefix kept", c.in, got, c.want)
		}
		if !onlySpace([]byte(c.in[n:])) || (n > 0 && onlySpace([]byte(c.in[n-1:n]))) {
			t.Errorf("%s: consumed %d bytes, want up to the value's end", c.in, n)
		}
	}
}

func TestJSONAsMsgpackErrors(t *testing.T) {
	for _, c := range []struct {
		in     string
		offset int
		reason string
	}{
		{``, 0, "ends where a value"},
		{`   `, 3, "ends where a value"},
		{`{"a":1,}`, 7, "member's name"},
		{`{"a" 1}`, 5, "':'"},
		{`{"a":1 "b":2}`, 7, "',' or '}'"},
		{`[1 2]`, 3, "',' or ']'"},
		{`[1,]`, 3, "value should start"},
		{`{"a":tru}`, 5, "expected true"},
		{`nul`, 0, "expected null"},
		{`-`, 1, "digits"},
		{`-a`, 1, "digits"},
		{`1.`, 2, "decimal point"},
		{`1.e5`, 2, "decimal point"},
		{`1e`, 2, "exponent"},
		{`1e+`, 3, "exponent"},
		{`1e400`, 0, "range"},
		{`"abc`, 0, "not closed"},
		{`"ab\"`, 0, "not closed"},
		{`"a\`, 0, "not closed"},
		{"\"a\tb\"", 2, "control character 0x09"},
		{"\"a\\n\x01\"", 4, "control character 0x01"},
		{`"\x"`, 1, `invalid escape \x`},
		{`"\u12"`, 1, "four hex digits"},
		{`"\u12G4"`, 1, "four hex digits"},
		{`{"a":[1,{"b":}]}`, 13, "value should start"},
		{`'a'`, 0, "value should start"},
		{strings.Repeat("[", maxNesting+1), maxNesting, "nested deeper"},
	} {
		dst := []byte("keep")
		got, _, err := AppendJSONAsMsgpack(dst, []byte(c.in))
		var je *JSONInputError
		if !errors.As(err, &je) {
			t.Errorf("%q: got error %v, want a JSONInputError", c.in, err)
			continue
		}
		if je.Offset != c.offset || !strings.Contains(je.Reason, c.reason) {
			t.Errorf("%q: got %v, want offset %d and %q", c.in, err, c.offset, c.reason)
		}
		if string(got) != "keep" {
			t.Errorf("%q: dst changed to %q on error", c.in, got)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("byte offset %d", c.offset)) {
			t.Errorf("%q: message %q does not name the offset", c.in, err)
		}
	}
}

// TestJSONAsMsgpackHeaders crosses every header width of maps, arrays and
// strings, strings with and without escapes.
func TestJSONAsMsgpackHeaders(t *testing.T) {
	for _, n := range []int{15, 16, 0xffff, 0x10000} {
		var obj, arr bytes.Buffer
		obj.WriteByte('{')
		arr.WriteByte('[')
		for i := range n {
			if i > 0 {
				obj.WriteByte(',')
				arr.WriteByte(',')
			}
			fmt.Fprintf(&obj, `"k%d":%d`, i, i)
			fmt.Fprintf(&arr, `%d`, i)
		}
		obj.WriteByte('}')
		arr.WriteByte(']')
		for _, in := range [][]byte{obj.Bytes(), arr.Bytes()} {
			out := mustTranscode(t, in)
			var size uint32
			var err error
			if in[0] == '{' {
				size, _, err = msgp.ReadMapHeaderBytes(out)
			} else {
				size, _, err = msgp.ReadArrayHeaderBytes(out)
			}
			if err != nil || int(size) != n {
				t.Errorf("%c with %d elements: header says %d (%v)", in[0], n, size, err)
			}
			wantHead := 1
			if n > 0xffff {
				wantHead = 5
			} else if n > 15 {
				wantHead = 3
			}
			if skipped, _ := skip(out); len(skipped) != 0 || headLen(out) != wantHead {
				t.Errorf("%c with %d elements: header of %d bytes, want %d", in[0], n, headLen(out), wantHead)
			}
		}
	}
	for _, n := range []int{31, 32, 255, 256, 0xffff, 0x10000} {
		for _, escaped := range []bool{false, true} {
			text := strings.Repeat("x", n)
			in := `"` + text + `"`
			if escaped { // the same text, its first byte escaped
				in = `"\u0078` + text[1:] + `"`
			}
			out := mustTranscode(t, []byte(in))
			s, rest, err := msgp.ReadStringZC(out)
			if err != nil || len(rest) != 0 || string(s) != text {
				t.Errorf("string of %d (escaped %v): got %d bytes, %d left, %v", n, escaped, len(s), len(rest), err)
			}
			wantHead := 5
			switch {
			case n <= 31:
				wantHead = 1
			case n <= 0xff:
				wantHead = 2
			case n <= 0xffff:
				wantHead = 3
			}
			if len(out)-n != wantHead {
				t.Errorf("string of %d (escaped %v): header of %d bytes, want %d", n, escaped, len(out)-n, wantHead)
			}
		}
	}
}

func headLen(b []byte) int {
	switch b[0] {
	case 0xdc, 0xde:
		return 3
	case 0xdd, 0xdf:
		return 5
	}
	return 1
}

func mustTranscode(t *testing.T, in []byte) []byte {
	t.Helper()
	out, n, err := AppendJSONAsMsgpack(nil, in)
	if err != nil || !onlySpace(in[n:]) {
		t.Fatalf("%.40s: consumed %d of %d: %v", in, n, len(in), err)
	}
	return out
}

// TestJSONAsMsgpackMatchesEncodingJSON decodes the same texts both ways.
func TestJSONAsMsgpackMatchesEncodingJSON(t *testing.T) {
	for _, in := range jsonSamples() {
		want, err := decodeJSONReference([]byte(in))
		if err != nil {
			t.Fatalf("%s: sample is not JSON: %v", in, err)
		}
		if d := sameAsReference(mustTranscode(t, []byte(in)), want); d != "" {
			t.Errorf("%s: %s", in, d)
		}
	}
}

// jsonSamples are texts like the records a log shipper sends, with the
// corners of the grammar; the fuzz test starts from them too.
func jsonSamples() []string {
	return []string{
		`{"time":"2026-11-22T10:01:02.123456789Z","level":"info","msg":"GET /api/v1/items 200","latency_ms":12.5,"bytes":5120,"user":null,"tags":["a","b"],"ok":true}`,
		`{"message":"line with \"quotes\", a tab\there and ünïcödé ✓ \ud83d\ude00","host":{"name":"web-1","ip":"10.0.0.7"},"pid":4242}`,
		`{"n":[0,-0,1,-1,127,128,-32,-33,255,256,65535,65536,-2147483649,4294967296,9223372036854775807,-9223372036854775808,9223372036854775808,18446744073709551615,18446744073709551616]}`,
		`{"f":[0.0,-0.0,1.5,-1.5e-7,6.02214076e23,1E+2,1e-320,1.7976931348623157e308,5e-324,123456789012345678901234567890]}`,
		`{"deep":{"a":{"b":{"c":[[[{"d":[]}]]]}}},"empty":{},"arr":[]}`,
		`{"esc":"\u0000\u001f\u007f\u0080\u07ff\u0800\uffff\/\\\b\f\n\r\t","lone":"\ud800 \udfff \ud800\ud800\udc00"}`,
		`{"dup":1,"dup":{"x":2}}`,
		`[1,"two",3.0,{"four":4},[5],null,true,false]`,
		`"just a string"`,
		`-12.5e+3`,
		` { "spaced" : [ 1 , 2 ] } `,
	}
}

func TestMapField(t *testing.T) {
	rec := mustTranscode(t, []byte(`{"a":1,"nested":{"time":9},"time":"2026-01-02T03:04:05Z","time":7,"z":[1,2]}`))
	v, ok := MapField(rec, "time")
	if s, _, err := msgp.ReadStringZC(v); !ok || err != nil || string(s) != "2026-01-02T03:04:05Z" {
		t.Errorf("time: got % x, %v", v, ok)
	}
	if v, ok := MapField(rec, "z"); !ok || hex.EncodeToString(v) != "920102" {
		t.Errorf("z: got % x, %v", v, ok)
	}
	for _, key := range []string{"missing", "nested.time", ""} {
		if v, ok := MapField(rec, key); ok {
			t.Errorf("%q: found % x", key, v)
		}
	}
	if _, ok := MapField(rec[:len(rec)-2], "z"); ok {
		t.Error("a cut map gave a value")
	}
	if _, ok := MapField(mustTranscode(t, []byte(`[1]`)), "a"); ok {
		t.Error("an array gave a value")
	}
	// A non-string key is passed over.
	m := msgp.AppendMapHeader(nil, 2)
	m = msgp.AppendInt(m, 5)
	m = msgp.AppendInt(m, 6)
	m = msgp.AppendString(m, "k")
	m = msgp.AppendBool(m, true)
	if v, ok := MapField(m, "k"); !ok || !bytes.Equal(v, []byte{0xc3}) {
		t.Errorf("after an int key: got % x, %v", v, ok)
	}
}
