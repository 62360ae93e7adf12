package lines

import (
	"time"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/source"
	"github.com/tinylib/msgp/msgp"
)

// appendEvent appends the event of one piece of text: under parse json a
// whole line that is one JSON object becomes that object; anything else
// (a piece of a long line included) is {log_key: text}, with the partial
// fields on a piece. Nothing is dropped for not parsing.
func (c *config) appendEvent(dst []byte, p piece, arrival time.Time) []byte {
	dst = source.AppendEventHead(dst, arrival)
	if c.parseJSON && p.ordinal == 0 {
		if out, ok := appendJSONObject(dst, p.text); ok {
			return out
		}
	}
	if p.ordinal == 0 {
		dst = append(dst, 0x81)
		dst = msgp.AppendString(dst, c.logKey)
		return msgp.AppendStringFromBytes(dst, p.text)
	}
	dst = append(dst, 0x85)
	dst = msgp.AppendString(dst, c.logKey)
	dst = msgp.AppendStringFromBytes(dst, p.text)
	dst = msgp.AppendString(dst, "partial")
	dst = msgp.AppendBool(dst, true)
	dst = msgp.AppendString(dst, "partial_id")
	dst = msgp.AppendString(dst, p.id)
	dst = msgp.AppendString(dst, "partial_ordinal")
	dst = msgp.AppendInt(dst, p.ordinal)
	dst = msgp.AppendString(dst, "partial_last")
	return msgp.AppendBool(dst, p.last)
}

// appendJSONObject appends line as a record when it is exactly one JSON
// object, whitespace around it aside.
func appendJSONObject(dst, line []byte) ([]byte, bool) {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i == len(line) || line[i] != '{' {
		return dst, false
	}
	out, n, err := format.AppendJSONAsMsgpack(dst, line[i:])
	if err != nil {
		return dst, false
	}
	for _, c := range line[i+n:] {
		if c != ' ' && c != '\t' && c != '\r' {
			return dst, false
		}
	}
	return out, true
}
