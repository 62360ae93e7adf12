package s3access

import (
	"fmt"
	"math"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// ParseLine reads one access-log line (a trailing newline is ignored) and
// appends its record to dst as a msgpack map: the RecordFields known
// fields in line order, "-" as nil, the numbers as integers, and ExtraKey
// with the rest of the line when it holds more fields than are known. t is
// the request time, in UTC: the event time.
//
// A line that cannot be read (fewer than 17 fields, a bad time, a number
// field that is not a number) returns dst unchanged and a *LineError.
// ParseLine does not allocate once dst has room.
func ParseLine(dst, line []byte) (out []byte, t time.Time, err error) {
	start := len(dst)
	line = trimEnd(line)
	dst = beginMap(dst)
	n, pos := 0, 0
	for i := range fields {
		f := &fields[i]
		pos = skipSpaces(line, pos)
		if pos == len(line) {
			if i < minFields {
				return dst[:start], time.Time{}, &LineError{f.name, pos,
					fmt.Sprintf("the line ends after %d fields; S3 writes at least %d", i, minFields)}
			}
			// An older line: the fields S3 added since are null.
			for ; i < len(fields); i++ {
				if fields[i].kind != stamp {
					dst = msgp.AppendNil(append(dst, keys[i]...))
					n++
				}
			}
			break
		}
		if f.kind == stamp {
			var reason string
			if t, pos, reason = readTime(line, pos); reason != "" {
				return dst[:start], time.Time{}, &LineError{f.name, pos, reason}
			}
			continue
		}
		dst = append(dst, keys[i]...)
		n++
		var reason string
		if dst, pos, reason = appendField(dst, line, pos, f.kind); reason != "" {
			return dst[:start], time.Time{}, &LineError{f.name, pos, reason}
		}
	}
	if pos = skipSpaces(line, pos); pos < len(line) {
		dst = msgp.AppendStringFromBytes(append(dst, extraKey...), line[pos:])
		n++
	}
	setCount(dst[start:], n)
	return dst, t, nil
}

// trimEnd drops the line end and trailing spaces.
func trimEnd(line []byte) []byte {
	for len(line) > 0 {
		switch line[len(line)-1] {
		case '\n', '\r', ' ':
			line = line[:len(line)-1]
			continue
		}
		break
	}
	return line
}

// readTime reads the bracketed time at pos. It returns the position after
// it, or, with a reason, the position of the token.
func readTime(line []byte, pos int) (time.Time, int, string) {
	if line[pos] != '[' {
		return time.Time{}, pos, fmt.Sprintf("%s is not a [dd/Mon/yyyy:HH:MM:SS +hhmm] time", quote(line[pos:plainEnd(line, pos)]))
	}
	end := pos + 1
	for end < len(line) && line[end] != ']' {
		end++
	}
	if end == len(line) {
		return time.Time{}, pos, fmt.Sprintf("%s has no closing bracket", quote(line[pos:]))
	}
	t, reason := parseTime(line[pos+1 : end])
	if reason != "" {
		return time.Time{}, pos, quote(line[pos:end+1]) + " " + reason
	}
	return t, end + 1, ""
}

// appendField appends the value of the field of kind k at pos (a
// non-space byte). It returns the position after the token, or, with a
// reason, the position of the token.
func appendField(dst, line []byte, pos int, k kind) ([]byte, int, string) {
	if k == quoted && line[pos] == '"' {
		if end, escaped, ok := quotedEnd(line, pos); ok {
			v := line[pos+1 : end]
			if !escaped {
				return appendValue(dst, v), end + 1, ""
			}
			dst = appendStrHeader(dst, unescapedLen(v))
			return appendUnescaped(dst, v), end + 1, ""
		}
		// An opening quote that nothing closes is a stray one: the token
		// ends at the next space, as an unquoted one does.
	}
	end := plainEnd(line, pos)
	v := line[pos:end]
	if k != number {
		return appendValue(dst, v), end, ""
	}
	if len(v) == 1 && v[0] == '-' {
		return msgp.AppendNil(dst), end, ""
	}
	i, ok := parseInt(v)
	if !ok {
		return dst, pos, quote(v) + " is not a whole number or -"
	}
	return msgp.AppendInt64(dst, i), end, ""
}

// parseInt reads a non-negative decimal integer that fits an int64.
func parseInt(v []byte) (int64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
