package forward

import (
	"bytes"
	"io"

	"github.com/klauspost/compress/gzip"
)

// gunzipper decompresses CompressedPackedForward entries, reusing its
// reader across the messages of a connection.
type gunzipper struct {
	r   *gzip.Reader
	src bytes.Reader
}

// gunzip decompresses b, one or more gzip members back to back (a client
// may append a member per batch of entries), into the scratch. The result
// is bounded by max_message_size, so a small message cannot unfold into
// an unbounded one.
func (d *decoder) gunzip(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, nil
	}
	g := &d.gz
	g.src.Reset(b)
	var err error
	if g.r == nil {
		g.r, err = gzip.NewReader(&g.src)
	} else {
		err = g.r.Reset(&g.src)
	}
	if err != nil {
		return nil, malformed("compressed entries are not gzip: %v", err)
	}
	g.r.Multistream(true)
	out := d.scratch[:0]
	if want := min(4*len(b), d.max+1); cap(out) < want {
		out = make([]byte, 0, want) // gzip often shrinks logs about four times
	}
	for {
		if len(out) == cap(out) {
			if len(out) > d.max {
				return nil, malformed("compressed entries unfold to more than max_message_size (%d bytes)", d.max)
			}
			out = append(out, 0)[:len(out)]
		}
		k, err := g.r.Read(out[len(out):cap(out)])
		out = out[:len(out)+k]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, malformed("compressed entries: bad gzip after %d decompressed bytes: %v", len(out), err)
		}
	}
	if len(out) > d.max {
		return nil, malformed("compressed entries unfold to more than max_message_size (%d bytes)", d.max)
	}
	d.scratch = out
	return out, nil
}
