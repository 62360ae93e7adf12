package lines

import (
	"bytes"

	"github.com/google/uuid"
)

// piece is the text of one record: a whole line, or one piece of a line
// longer than max_line_size.
type piece struct {
	text    []byte // aliases the read buffer
	ordinal int    // 0 for a whole line; 1..n for the pieces of a long one
	last    bool   // the last piece of a long line
	id      string // shared by the pieces of one line
}

// splitter cuts received bytes into records: lines without their "\n"
// or "\r\n", and lines longer than max cut into pieces of max bytes, the
// last one shorter or equal. Empty lines are skipped: they carry nothing.
//
// It needs at most max+2 bytes to decide: a line of exactly max bytes
// followed by "\r\n" is whole, not cut. A piece is cut only when at
// least two bytes that are not "\n" follow it, so the last piece of a
// line is never empty, even once its "\r" is stripped.
type splitter struct {
	max     int
	ordinal int    // pieces of the current long line taken so far
	id      string // its partial id
}

// next returns the next record of buf and the bytes of buf it used
// (empty lines skipped included). ok is false when buf holds no complete
// record: more bytes are needed, or at EOF (atEOF) nothing is left. At
// EOF the bytes after the last newline are a line.
func (s *splitter) next(buf []byte, atEOF bool) (p piece, used int, ok bool) {
	for {
		window := buf[:min(len(buf), s.max+2)]
		i := bytes.IndexByte(window, '\n')
		switch {
		case i >= 0:
			// A whole line (or the end of a long one) is at hand.
		case len(buf) >= s.max+2:
			return s.cut(buf[:s.max]), used + s.max, true
		case atEOF && len(buf) > 0:
			i = len(buf) // the last line, unterminated
		default:
			return piece{}, used, false
		}
		line := bytes.TrimSuffix(buf[:i], []byte{'\r'})
		skip := min(i+1, len(buf)) // the newline, unless at EOF
		if len(line) > s.max {
			// max+1 bytes and then the newline: cut one piece; the byte
			// left is the last piece.
			return s.cut(line[:s.max]), used + s.max, true
		}
		if s.ordinal > 0 {
			p = piece{text: line, ordinal: s.ordinal + 1, last: true, id: s.id}
			s.ordinal, s.id = 0, ""
			return p, used + skip, true
		}
		if len(line) > 0 {
			return piece{text: line}, used + skip, true
		}
		buf = buf[skip:]
		used += skip
	}
}

// cut returns a piece of a long line that is not its last.
func (s *splitter) cut(text []byte) piece {
	if s.ordinal == 0 {
		s.id = uuid.NewString()
	}
	s.ordinal++
	return piece{text: text, ordinal: s.ordinal, id: s.id}
}
