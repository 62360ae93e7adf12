package s3access

import "bytes"

// Tokens are separated by spaces. A quoted field runs from its opening
// quote to the first quote that is not escaped by a backslash and is
// followed by a space or the end of the line, so quotes inside a value
// that S3 did not escape are kept as long as no space follows them.

// skipSpaces returns the position of the first non-space byte at or after
// pos.
func skipSpaces(line []byte, pos int) int {
	for pos < len(line) && line[pos] == ' ' {
		pos++
	}
	return pos
}

// plainEnd returns the end of the unquoted token starting at pos: quotes
// and brackets inside it are ordinary bytes.
func plainEnd(line []byte, pos int) int {
	if i := bytes.IndexByte(line[pos:], ' '); i >= 0 {
		return pos + i
	}
	return len(line)
}

// closes says whether the quote at i ends a quoted token.
func closes(line []byte, i int) bool {
	return i+1 == len(line) || line[i+1] == ' '
}

// quotedEnd finds the closing quote of the token whose opening quote is
// at pos. It returns its position and whether the value holds escapes;
// ok is false when no quote closes the token.
func quotedEnd(line []byte, pos int) (end int, escaped, ok bool) {
	for i := pos + 1; i < len(line); i++ {
		switch line[i] {
		case '\\':
			if i+1 < len(line) {
				escaped = true
				i++ // the escaped byte, a quote included, is content
			}
		case '"':
			if closes(line, i) {
				return i, escaped, true
			}
		}
	}
	// A backslash ending the value ("C:\") makes the closing quote look
	// escaped: take the first quote that closes, reading no escapes.
	for i := pos + 1; i < len(line); i++ {
		if line[i] == '"' && closes(line, i) {
			return i, false, true
		}
	}
	return 0, false, false
}

// unescapedLen is the length of v once \" and \\ are read as one byte.
func unescapedLen(v []byte) int {
	n := len(v)
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) && (v[i+1] == '"' || v[i+1] == '\\') {
			n--
			i++
		}
	}
	return n
}

// appendUnescaped appends v with \" and \\ read as one byte; any other
// backslash is kept as written.
func appendUnescaped(dst, v []byte) []byte {
	for len(v) > 0 {
		i := bytes.IndexByte(v, '\\')
		if i < 0 || i+1 == len(v) {
			return append(dst, v...)
		}
		dst = append(dst, v[:i]...)
		if c := v[i+1]; c == '"' || c == '\\' {
			dst = append(dst, c)
		} else {
			dst = append(dst, v[i:i+2]...)
		}
		v = v[i+2:]
	}
	return dst
}
