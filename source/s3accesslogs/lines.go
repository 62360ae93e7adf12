package s3accesslogs

import (
	"bufio"
	"errors"
	"io"
)

// maxLine bounds a line held in memory. S3's lines are a few KiB at most;
// a longer one (a binary object without newlines, say) is read through
// and only its first maxLine bytes are kept.
const maxLine = 1 << 20

// lineReader reads an object's lines with memory bounded by maxLine and
// its buffer, whatever the object's size.
type lineReader struct {
	br   *bufio.Reader
	long []byte // a line that spans more than the buffer
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next line without its newline, valid until the next
// call; size is the line's length in the object with its newline, and
// cut says the line was longer than maxLine (line is then its start).
// At the end of the object it returns io.EOF, after a last line without
// a newline if there is one.
func (r *lineReader) next() (line []byte, size int, cut bool, err error) {
	r.long = r.long[:0]
	for {
		part, err := r.br.ReadSlice('\n')
		size += len(part)
		if errors.Is(err, bufio.ErrBufferFull) {
			if room := maxLine - len(r.long); room > 0 {
				r.long = append(r.long, part[:min(room, len(part))]...)
			}
			continue
		}
		if err != nil && err != io.EOF {
			return nil, size, false, err
		}
		if err == io.EOF && size == 0 {
			return nil, 0, false, io.EOF
		}
		lineLen := size
		if len(part) > 0 && part[len(part)-1] == '\n' {
			part = part[:len(part)-1]
			lineLen--
		}
		if len(r.long) == 0 {
			return part, size, false, nil // the common case: no copy
		}
		if room := maxLine - len(r.long); room > 0 {
			r.long = append(r.long, part[:min(room, len(part))]...)
		}
		cut = lineLen > maxLine
		return r.long, size, cut, nil
	}
}
