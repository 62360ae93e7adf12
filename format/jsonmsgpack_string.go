package format

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/tinylib/msgp/msgp"
)

// hasStringStop reports whether any of the eight bytes in x ends a plain
// run inside a JSON string: '"', '\\' or a control character. Each term
// is the classic exact test for a byte below a bound (a zero byte, for
// the two that are xored to zero first): a borrow can only start at such
// a byte, and ^x clears the bytes of 0x80 and up, which are plain here.
func hasStringStop(x uint64) bool {
	q := x ^ '"'*lowBits
	b := x ^ '\\'*lowBits
	return ((x-0x20*lowBits)&^x|(q-lowBits)&^q|(b-lowBits)&^b)&highBits != 0
}

// plainEnd returns the offset of the first byte at or after j that ends a
// plain run of a string (see hasStringStop), or len(src).
func plainEnd(src []byte, j int) int {
	for {
		// Most of a log is plain ASCII: eight bytes at a time.
		for j+8 <= len(src) && !hasStringStop(binary.LittleEndian.Uint64(src[j:])) {
			j += 8
		}
		if j >= len(src) {
			return j
		}
		if c := src[j]; c == '"' || c == '\\' || c < 0x20 {
			return j
		}
		j++
	}
}

// str transcodes the string whose opening quote is at i. A string
// without escapes, nearly every one, is copied in one piece.
func (t *jsonTranscoder) str(dst []byte, i int) ([]byte, int, error) {
	j := plainEnd(t.src, i+1)
	if j < len(t.src) && t.src[j] == '"' {
		return msgp.AppendStringFromBytes(dst, t.src[i+1:j]), j + 1, nil
	}
	return t.escapedStr(dst, i, j)
}

// escapedStr transcodes the string whose quote is at i and whose first
// escape (or bad byte) is at j. Its length is known only at its end, so
// room for the widest header is kept and the text moved down after.
func (t *jsonTranscoder) escapedStr(dst []byte, i, j int) ([]byte, int, error) {
	src := t.src
	head := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0)
	dst = append(dst, src[i+1:j]...)
	for {
		if j >= len(src) {
			return dst[:head], j, t.fail(i, "string not closed before the end of the input")
		}
		c := src[j]
		switch {
		case c == '"':
			return strHeader(dst, head), j + 1, nil
		case c < 0x20:
			return dst[:head], j, t.fail(j, "control character 0x%02x in a string must be escaped", c)
		case c != '\\':
			k := plainEnd(src, j+1)
			dst = append(dst, src[j:k]...)
			j = k
			continue
		}
		if j+1 >= len(src) {
			return dst[:head], j, t.fail(i, "string not closed before the end of the input")
		}
		switch e := src[j+1]; e {
		case '"', '\\', '/':
			dst = append(dst, e)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, n := unicodeEscape(src, j)
			if n == 0 {
				return dst[:head], j, t.fail(j, "\\u must be followed by four hex digits")
			}
			dst = utf8.AppendRune(dst, r)
			j += n
			continue
		default:
			return dst[:head], j, t.fail(j, "invalid escape \\%c in a string", e)
		}
		j += 2
	}
}

// unicodeEscape reads the \uXXXX escape at j, and the low half that
// follows a high surrogate. It returns the rune and the bytes read (0 when
// the escape is bad). A surrogate that is not half of a pair becomes
// U+FFFD and the escape after it is read on its own, as encoding/json
// does.
func unicodeEscape(src []byte, j int) (rune, int) {
	r, ok := hex4(src, j+2)
	if !ok {
		return 0, 0
	}
	if r < 0xd800 || r > 0xdfff {
		return r, 6
	}
	if r < 0xdc00 && j+12 <= len(src) && src[j+6] == '\\' && src[j+7] == 'u' {
		if lo, ok := hex4(src, j+8); ok && lo >= 0xdc00 && lo <= 0xdfff {
			return 0x10000 + (r-0xd800)<<10 + (lo - 0xdc00), 12
		}
	}
	return utf8.RuneError, 6
}

// hex4 reads four hex digits at j.
func hex4(src []byte, j int) (rune, bool) {
	if j+4 > len(src) {
		return 0, false
	}
	var r rune
	for _, c := range src[j : j+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// strHeader finishes a string written after five bytes kept at head: it
// writes the smallest header for its length and moves the text down to it.
func strHeader(dst []byte, head int) []byte {
	n := len(dst) - head - 5
	var h []byte
	switch {
	case n <= 31:
		h = []byte{0xa0 | byte(n)}
	case n <= 0xff:
		h = []byte{0xd9, byte(n)}
	case n <= 0xffff:
		h = []byte{0xda, byte(n >> 8), byte(n)}
	default:
		h = []byte{0xdb, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	}
	copy(dst[head:], h)
	if gap := 5 - len(h); gap > 0 {
		copy(dst[head+len(h):], dst[head+5:])
		dst = dst[:len(dst)-gap]
	}
	return dst
}
