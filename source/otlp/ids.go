package otlp

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
)

// hexIDsToBase64 rewrites the values of traceId and spanId (or trace_id,
// span_id) from hex to base64. OTLP/JSON writes these ids in hex, while
// protojson, which decodes the rest, reads every bytes field as base64.
// In a logs request no other object key has these names (attribute keys
// are values of "key"), so the rewrite needs no schema: it scans string
// tokens, and a string followed by ':' is a key. A value that is not hex
// is left alone, so a sender that wrote base64 still decodes; the two
// cannot be confused, since 16 and 8 bytes in base64 end in '='. When
// nothing is rewritten, in itself is returned.
func hexIDsToBase64(in []byte) []byte {
	var out []byte
	last := 0
	for i := 0; i < len(in); i++ {
		if in[i] != '"' {
			continue
		}
		end := stringEnd(in, i)
		if end < 0 {
			break // unterminated: protojson reports it
		}
		j := skipSpace(in, end)
		if j >= len(in) || in[j] != ':' || !isIDKey(in[i:end]) {
			i = end - 1
			continue
		}
		k := skipSpace(in, j+1)
		if k >= len(in) || in[k] != '"' {
			i = k - 1
			continue
		}
		vend := stringEnd(in, k)
		if vend < 0 {
			break
		}
		if id, ok := hexID(in[k+1 : vend-1]); ok {
			out = append(out, in[last:k+1]...)
			out = base64.StdEncoding.AppendEncode(out, id)
			out = append(out, '"')
			last = vend
		}
		i = vend - 1
	}
	if out == nil {
		return in
	}
	return append(out, in[last:]...)
}

// stringEnd is the index just past the string token opening at in[i],
// or -1 when it does not close.
func stringEnd(in []byte, i int) int {
	for j := i + 1; j < len(in); j++ {
		switch in[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

func skipSpace(in []byte, i int) int {
	for i < len(in) && (in[i] == ' ' || in[i] == '\t' || in[i] == '\n' || in[i] == '\r') {
		i++
	}
	return i
}

// isIDKey says whether the string token tok (quotes included) names a
// trace or span id, escapes resolved as protojson resolves them.
func isIDKey(tok []byte) bool {
	raw := tok[1 : len(tok)-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		switch string(raw) { // a switch converts without allocating
		case "traceId", "trace_id", "spanId", "span_id":
			return true
		}
		return false
	}
	var s string
	return json.Unmarshal(tok, &s) == nil && idKey(s)
}

func idKey(s string) bool {
	return s == "traceId" || s == "trace_id" || s == "spanId" || s == "span_id"
}

// hexID decodes v when it is non-empty hex without escapes.
func hexID(v []byte) ([]byte, bool) {
	if len(v) == 0 || len(v)%2 != 0 {
		return nil, false
	}
	id, err := hex.AppendDecode(nil, v)
	return id, err == nil
}
