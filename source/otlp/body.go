package otlp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
)

var (
	errTooLarge = errors.New("body larger than max_body_size")
	errEncoding = errors.New("unsupported Content-Encoding")
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

var gzipPool sync.Pool // *gzip.Reader

// counter counts the bytes read through it: the body as received.
type counter struct {
	r   io.Reader
	n   int64
	max int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readBody reads r's body into buf, decompressed. Both the body as sent
// and as decompressed are bounded by max, and reading stops one byte past
// it: a huge body (or a gzip bomb) never lands in memory. wire is the
// bytes received.
func readBody(r *http.Request, max int64, buf *bytes.Buffer) (wire int64, err error) {
	if r.ContentLength > max {
		return 0, errTooLarge
	}
	in := &counter{r: io.LimitReader(r.Body, max+1), max: max}
	var src io.Reader = in
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, _ := gzipPool.Get().(*gzip.Reader)
		if zr == nil {
			zr = new(gzip.Reader)
		}
		defer gzipPool.Put(zr)
		if err := zr.Reset(in); err != nil {
			return in.n, tooLargeOr(in, err, "gzip header")
		}
		src = zr
	default:
		return 0, fmt.Errorf("%w %q (gzip and identity are)", errEncoding, enc)
	}
	_, err = buf.ReadFrom(io.LimitReader(src, max+1))
	if err != nil {
		return in.n, tooLargeOr(in, err, "reading the body")
	}
	if int64(buf.Len()) > max || in.n > max {
		return in.n, errTooLarge
	}
	return in.n, nil
}

// tooLargeOr names a read error: a gzip stream cut by the bound on the
// body as sent fails as truncated, but was too large.
func tooLargeOr(in *counter, err error, what string) error {
	if in.n > in.max {
		return errTooLarge
	}
	return fmt.Errorf("%s: %w", what, err)
}
