package format

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tinylib/msgp/msgp"
)

// decodeJSONReference decodes in with encoding/json, numbers kept as
// their text.
func decodeJSONReference(in []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(in))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// sameAsReference compares the msgpack a transcoding produced with what
// encoding/json decodes from the same text, and says how they differ ("" when
// they do not). Strings are compared after replacing each invalid UTF-8
// byte of the transcoded one by U+FFFD, which is what encoding/json makes
// of them while the transcoder keeps the bytes.
func sameAsReference(mp []byte, want any) string {
	got, rest, err := readAny(mp)
	if err != nil {
		return fmt.Sprintf("output is not msgpack: %v", err)
	}
	if len(rest) != 0 {
		return fmt.Sprintf("%d bytes after the value", len(rest))
	}
	return compareValue(got, want, "$")
}

func compareValue(got, want any, path string) string {
	switch w := want.(type) {
	case nil:
		if got != nil {
			return fmt.Sprintf("%s: got %#v, want null", path, got)
		}
	case bool:
		if g, ok := got.(bool); !ok || g != w {
			return fmt.Sprintf("%s: got %#v, want %v", path, got, w)
		}
	case string:
		if g, ok := got.(string); !ok || asJSONDecodes(g) != w {
			return fmt.Sprintf("%s: got %#v, want %q", path, got, w)
		}
	case json.Number:
		return compareNumber(got, w, path)
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: got %#v, want an array of %d", path, got, len(w))
		}
		for i := range w {
			if d := compareValue(g[i], w[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: got %#v, want an object", path, got)
		}
		fixed := map[string]any{}
		for k, v := range g {
			fixed[asJSONDecodes(k)] = v
		}
		if len(fixed) != len(w) {
			return fmt.Sprintf("%s: got %d members, want %d", path, len(fixed), len(w))
		}
		for k, wv := range w {
			gv, ok := fixed[k]
			if !ok {
				return fmt.Sprintf("%s: member %q missing", path, k)
			}
			if d := compareValue(gv, wv, path+"."+k); d != "" {
				return d
			}
		}
	default:
		return fmt.Sprintf("%s: reference has a %T", path, want)
	}
	return ""
}

// compareNumber checks the msgpack number's type and value against the
// JSON number's text: integers as ints (uint past int64), the rest float64.
func compareNumber(got any, w json.Number, path string) string {
	text := string(w)
	integer := !strings.ContainsAny(text, ".eE")
	switch g := got.(type) {
	case int64:
		if i, err := strconv.ParseInt(text, 10, 64); !integer || err != nil || i != g {
			return fmt.Sprintf("%s: got int %d for %s", path, g, text)
		}
	case uint64:
		if u, err := strconv.ParseUint(text, 10, 64); !integer || err != nil || u != g || g <= math.MaxInt64 {
			return fmt.Sprintf("%s: got uint %d for %s", path, g, text)
		}
	case float64:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || f != g {
			return fmt.Sprintf("%s: got float %v for %s", path, g, text)
		}
		if _, err := strconv.ParseInt(text, 10, 64); integer && err == nil {
			return fmt.Sprintf("%s: got float %v for the int64 %s", path, g, text)
		}
		if _, err := strconv.ParseUint(text, 10, 64); integer && err == nil {
			return fmt.Sprintf("%s: got float %v for the uint64 %s", path, g, text)
		}
	default:
		return fmt.Sprintf("%s: got %#v for the number %s", path, got, text)
	}
	return ""
}

// asJSONDecodes replaces each byte of s that is not part of valid UTF-8
// by U+FFFD, one for one, as encoding/json's decoder does.
func asJSONDecodes(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// onlySpace says whether b is JSON whitespace only.
func onlySpace(b []byte) bool { return skipSpace(b, 0) == len(b) }

// readAny decodes the msgpack value at the start of b into Go values, as
// msgp.ReadIntfBytes would, but without its guess that every map entry
// takes three bytes or more ({"":1} takes two).
func readAny(b []byte) (any, []byte, error) {
	switch msgp.NextType(b) {
	case msgp.MapType:
		n, b, err := msgp.ReadMapHeaderBytes(b)
		if err != nil {
			return nil, b, err
		}
		m := map[string]any{}
		for range n {
			var k []byte
			if k, b, err = msgp.ReadStringZC(b); err != nil {
				return nil, b, err
			}
			var v any
			if v, b, err = readAny(b); err != nil {
				return nil, b, err
			}
			m[string(k)] = v
		}
		return m, b, nil
	case msgp.ArrayType:
		n, b, err := msgp.ReadArrayHeaderBytes(b)
		if err != nil {
			return nil, b, err
		}
		a := []any{}
		for range n {
			var v any
			if v, b, err = readAny(b); err != nil {
				return nil, b, err
			}
			a = append(a, v)
		}
		return a, b, nil
	case msgp.StrType:
		s, b, err := msgp.ReadStringZC(b)
		return string(s), b, err
	default:
		return msgp.ReadIntfBytes(b)
	}
}
