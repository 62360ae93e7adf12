package format

import (
	"encoding/binary"
	"fmt"
)

// JSONInputError says where a JSON text could not be read and why.
// Offset is the byte offset in the input given to AppendJSONAsMsgpack.
type JSONInputError struct {
	Offset int
	Reason string
}

func (e *JSONInputError) Error() string {
	return fmt.Sprintf("invalid JSON at byte offset %d: %s", e.Offset, e.Reason)
}

// AppendJSONAsMsgpack transcodes the JSON value at the start of src
// (leading whitespace skipped) to msgpack appended to dst, and returns n,
// the offset just past the value; what follows it is the caller's to
// judge. Objects become maps (members in their order, duplicates kept),
// arrays arrays, strings str with every escape decoded (a lone surrogate
// as U+FFFD, as encoding/json does), integers that fit int64 ints, larger
// ones that fit uint64 uints, any other number a float64. Invalid UTF-8
// inside strings is copied as it is: a log line is kept, not judged.
//
// The grammar is RFC 8259's, as strict as encoding/json (no raw control
// characters in strings, no leading zeros), with nesting bounded by the
// JSON encoder's limit so every record taken can be written out again.
// On error dst is returned as given, with a *JSONInputError.
//
// Nothing is decoded into Go values: the bytes go straight from src to
// dst, which is what lets the http source keep up with a busy client.
func AppendJSONAsMsgpack(dst, src []byte) (out []byte, n int, err error) {
	t := jsonTranscoder{src: src}
	out, n, err = t.value(dst, 0, 0)
	if err != nil {
		return dst, 0, err
	}
	return out, n, nil
}

// jsonTranscoder holds the input; positions are passed along, so the
// struct stays on the caller's stack.
type jsonTranscoder struct {
	src []byte
}

func (t *jsonTranscoder) fail(at int, format string, a ...any) error {
	return &JSONInputError{Offset: at, Reason: fmt.Sprintf(format, a...)}
}

// foundAt names what was found at i for an error: the byte, or the end.
func (t *jsonTranscoder) foundAt(i int) string {
	if i >= len(t.src) {
		return "the end of the input"
	}
	return fmt.Sprintf("%q", t.src[i])
}

// skipSpace returns the offset of the first byte at or after i that is
// not JSON whitespace.
func skipSpace(src []byte, i int) int {
	for i < len(src) {
		switch src[i] {
		case ' ', '\n', '\r', '\t':
			i++
		default:
			return i
		}
	}
	return i
}

// value transcodes the value at or after i (whitespace first); depth is
// the number of containers around it.
func (t *jsonTranscoder) value(dst []byte, i, depth int) ([]byte, int, error) {
	i = skipSpace(t.src, i)
	if i >= len(t.src) {
		return dst, i, t.fail(i, "the input ends where a value should start")
	}
	switch c := t.src[i]; {
	case c == '"':
		return t.str(dst, i)
	case c == '{':
		return t.object(dst, i, depth+1)
	case c == '[':
		return t.array(dst, i, depth+1)
	case c == '-' || c >= '0' && c <= '9':
		return t.number(dst, i)
	case c == 't':
		return t.literal(dst, i, "true", 0xc3)
	case c == 'f':
		return t.literal(dst, i, "false", 0xc2)
	case c == 'n':
		return t.literal(dst, i, "null", 0xc0)
	default:
		return dst, i, t.fail(i, "found %q where a value should start", c)
	}
}

func (t *jsonTranscoder) literal(dst []byte, i int, word string, code byte) ([]byte, int, error) {
	if len(t.src)-i < len(word) || string(t.src[i:i+len(word)]) != word {
		return dst, i, t.fail(i, "not a value: expected %s", word)
	}
	return append(dst, code), i + len(word), nil
}

// object transcodes the object whose '{' is at i. Its member count is
// known only at its end, so a one-byte fixmap header is written first and
// widened (the members moved up) in the rare object of over 15 members.
func (t *jsonTranscoder) object(dst []byte, i, depth int) ([]byte, int, error) {
	if depth > maxNesting {
		return dst, i, t.fail(i, "nested deeper than %d objects and arrays", maxNesting)
	}
	head := len(dst)
	dst = append(dst, 0x80)
	i = skipSpace(t.src, i+1)
	if i < len(t.src) && t.src[i] == '}' {
		return dst, i + 1, nil
	}
	var err error
	for n := 1; ; n++ {
		if i >= len(t.src) || t.src[i] != '"' {
			return dst, i, t.fail(i, "found %s where an object member's name (a string) should be", t.foundAt(i))
		}
		if dst, i, err = t.str(dst, i); err != nil {
			return dst, i, err
		}
		i = skipSpace(t.src, i)
		if i >= len(t.src) || t.src[i] != ':' {
			return dst, i, t.fail(i, "found %s where ':' should follow an object member's name", t.foundAt(i))
		}
		if dst, i, err = t.value(dst, i+1, depth); err != nil {
			return dst, i, err
		}
		i = skipSpace(t.src, i)
		if i < len(t.src) && t.src[i] == ',' {
			i = skipSpace(t.src, i+1)
			continue
		}
		if i < len(t.src) && t.src[i] == '}' {
			return setCount(dst, head, n, 0xde), i + 1, nil
		}
		return dst, i, t.fail(i, "found %s where ',' or '}' should follow an object member", t.foundAt(i))
	}
}

// array transcodes the array whose '[' is at i, its header as object's.
func (t *jsonTranscoder) array(dst []byte, i, depth int) ([]byte, int, error) {
	if depth > maxNesting {
		return dst, i, t.fail(i, "nested deeper than %d objects and arrays", maxNesting)
	}
	head := len(dst)
	dst = append(dst, 0x90)
	i = skipSpace(t.src, i+1)
	if i < len(t.src) && t.src[i] == ']' {
		return dst, i + 1, nil
	}
	var err error
	for n := 1; ; n++ {
		if dst, i, err = t.value(dst, i, depth); err != nil {
			return dst, i, err
		}
		i = skipSpace(t.src, i)
		if i < len(t.src) && t.src[i] == ',' {
			i++
			continue
		}
		if i < len(t.src) && t.src[i] == ']' {
			return setCount(dst, head, n, 0xdc), i + 1, nil
		}
		return dst, i, t.fail(i, "found %s where ',' or ']' should follow an array element", t.foundAt(i))
	}
}

// setCount writes the element count n into the one-byte fix header at
// dst[head] (fixmap 0x80 or fixarray 0x90), or, past 15, replaces it by
// the 16-bit (code16: map16 0xde, array16 0xdc) or 32-bit form.
func setCount(dst []byte, head, n int, code16 byte) []byte {
	if n <= 15 {
		dst[head] |= byte(n)
		return dst
	}
	extra := 2
	if n > 0xffff {
		extra = 4
	}
	end := len(dst)
	dst = append(dst, make([]byte, extra)...)
	copy(dst[head+1+extra:], dst[head+1:end])
	if extra == 2 {
		dst[head] = code16
		binary.BigEndian.PutUint16(dst[head+1:], uint16(n))
	} else {
		dst[head] = code16 + 1
		binary.BigEndian.PutUint32(dst[head+1:], uint32(n))
	}
	return dst
}
