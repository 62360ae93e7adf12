package format

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzJSONAsMsgpack holds the transcoder to encoding/json: a text that
// encoding/json finds valid transcodes to the same values (or fails only
// for a nesting or number range encoding/json's decoder into Go values
// cannot take either); an invalid one is an error; nothing panics, and
// what is produced is one well-framed msgpack value.
func FuzzJSONAsMsgpack(f *testing.F) {
	for _, s := range jsonSamples() {
		f.Add([]byte(s))
	}
	for _, s := range []string{``, `{`, `{"a":}`, `[1,]`, `"\ud800\u"`, "\"\x00\"", `01`, `1 2`, `{"a":1}x`, `1e400`, "\"\xc3\x28\"", strings.Repeat("[", 1200) + strings.Repeat("]", 1200)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, n, err := AppendJSONAsMsgpack(nil, in)
		accepted := err == nil && onlySpace(in[n:])
		if err == nil {
			if rest, serr := skip(out); serr != nil || len(rest) != 0 {
				t.Fatalf("output is not one msgpack value (%v, %d bytes after): % x", serr, len(rest), out)
			}
		}
		if !json.Valid(in) {
			if accepted {
				t.Fatalf("accepted invalid JSON %q", in)
			}
			return
		}
		if err != nil {
			var v any
			reason := err.(*JSONInputError).Reason
			if strings.Contains(reason, "nested deeper") || strings.Contains(reason, "float64") && json.Unmarshal(in, &v) != nil {
				return
			}
			t.Fatalf("valid JSON %q refused: %v", in, err)
		}
		if !accepted {
			t.Fatalf("valid JSON %q: %d bytes consumed, then %q", in, n, in[n:])
		}
		want, err := decodeJSONReference(in)
		if err != nil {
			t.Fatalf("encoding/json finds %q valid but cannot decode it: %v", in, err)
		}
		if d := sameAsReference(out, want); d != "" {
			t.Fatalf("%q: %s", in, d)
		}
	})
}
