package format

import (
	"encoding/binary"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// plainASCII marks the bytes a JSON string may hold as they are: printable
// ASCII other than '"' and '\\'. Bytes from 0x80 up need a UTF-8 check.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString writes s as a quoted JSON string (RFC 8259): quote,
// backslash and control characters escaped, invalid UTF-8 replaced by
// U+FFFD (counted in *invalid when invalid is not nil), everything else
// copied as is.
func appendJSONString(dst, s []byte, invalid *int) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Skip plain ASCII eight bytes at a time: most of a log is.
		for i+8 <= len(s) && !hasSpecialByte(binary.LittleEndian.Uint64(s[i:])) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if plainASCII[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\uFFFD"...)
				if invalid != nil {
					*invalid++
				}
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// hasSpecialByte reports whether any of the eight bytes in x is not plain
// ASCII (see plainASCII). With the high bits clear, subtracting per byte
// can only set a byte's high bit by a borrow that starts at a byte below
// the bound, so the test has no false negatives and, for a word of plain
// bytes, no false positives.
func hasSpecialByte(x uint64) bool {
	return (x|(x-0x20*lowBits)|((x^'"'*lowBits)-lowBits)|((x^'\\'*lowBits)-lowBits))&highBits != 0
}
