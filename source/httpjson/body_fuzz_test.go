package httpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// referenceCount decodes a body with encoding/json as appendBody reads
// it: one array of objects, or a stream of objects. ok is false when
// encoding/json refuses it or finds a value that is not an object.
func referenceCount(body []byte) (n int, ok bool) {
	body = bytes.TrimPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("\xef\xbb\xbf"))
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		var recs []map[string]any
		if err := json.Unmarshal(t, &recs); err != nil {
			return 0, false
		}
		for _, r := range recs {
			if r == nil { // a null element
				return 0, false
			}
		}
		return len(recs), true
	}
	d := json.NewDecoder(bytes.NewReader(body))
	for {
		var m map[string]any
		err := d.Decode(&m)
		if errors.Is(err, io.EOF) {
			return n, true
		}
		if err != nil || m == nil {
			return 0, false
		}
		n++
	}
}

// FuzzHTTPBody: appendBody never panics; what it takes, encoding/json
// takes too, record for record, and the engine's reader reads every
// event; what encoding/json takes, it takes (but for nesting or numbers
// past its limits); a refusal names a line and an offset inside the body.
func FuzzHTTPBody(f *testing.F) {
	for _, s := range []string{
		ndjson,
		`[{"a":1},{"b":[1,2,{"c":"d"}]}]`,
		"{\"ts\":\"2026-01-02T03:04:05Z\"}\r\n{\"ts\":1764000000123}\n",
		"\xef\xbb\xbf{\"bom\":true}",
		`[]`, ``, `   `, `[`, `[{}`, `[{},]`, `[{}]x`, `{}{}`, `{} x`, `1`, `[1]`, `[null]`, `null`,
		"{\"a\":\"\xff\"}",
		`{"ts":"` + strings.Repeat("9", 400) + `"}`,
	} {
		f.Add([]byte(s))
	}
	tk := timeKey{key: "ts", format: "auto"}
	arrival := time.Unix(1700000000, 0)
	f.Fuzz(func(t *testing.T, body []byte) {
		events, n, bad := appendBody(nil, body, arrival, tk)
		want, ok := referenceCount(body)
		if bad != nil {
			if bad.Offset < 0 || bad.Offset > len(body) || bad.Line < 0 || bad.Reason == "" {
				t.Fatalf("%q: refusal %+v", body, bad)
			}
			if ok && !strings.Contains(bad.Reason, "nested deeper") && !strings.Contains(bad.Reason, "float64") {
				t.Fatalf("%q: refused (%+v), encoding/json takes %d records", body, bad, want)
			}
			return
		}
		if !ok || n != want {
			t.Fatalf("%q: took %d records, encoding/json %d (ok %v)", body, n, want, ok)
		}
		checkEventsReadable(t, events, n)
	})
}
