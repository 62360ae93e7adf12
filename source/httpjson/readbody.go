package httpjson

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// errTooLarge: the body, or what it decompresses to, is past max_body_size.
var errTooLarge = errors.New("body too large")

// errEncoding: a Content-Encoding other than gzip, zstd or identity.
var errEncoding = errors.New("unsupported Content-Encoding")

// bodyReader reads request bodies, decompressing them with pooled
// decoders: a zstd decoder is costly to make, a gzip one less so, and a
// busy client sends many small batches.
type bodyReader struct {
	max  int64
	gzip sync.Pool // *gzip.Reader
	zstd sync.Pool // *zstd.Decoder
}

func newBodyReader(max int64) *bodyReader {
	return &bodyReader{max: max}
}

// counter counts the bytes read through it: the body as received, for
// the Bytes counter.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// read appends r's body, decompressed, to dst, and returns it with the
// number of bytes received. Neither the body as sent nor as decompressed
// may pass max: both are read through a limit, so an oversized body (or a
// small one that inflates, a gzip bomb) stops at max+1 bytes in memory.
func (br *bodyReader) read(dst []byte, w http.ResponseWriter, r *http.Request) ([]byte, int64, error) {
	raw := &counter{r: http.MaxBytesReader(w, r.Body, br.max)}
	var body io.Reader = raw
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, _ := br.gzip.Get().(*gzip.Reader)
		var err error
		if zr == nil {
			zr, err = gzip.NewReader(raw)
		} else {
			err = zr.Reset(raw)
		}
		if err != nil {
			return dst, raw.n, br.fault("gzip", err)
		}
		defer br.gzip.Put(zr)
		body = zr
	case "zstd":
		zr, _ := br.zstd.Get().(*zstd.Decoder)
		if zr == nil {
			var err error
			// The window a frame may ask for is bounded (what it decompresses
			// to is bounded by readAll); 8 MiB at least, which is what zstd's
			// streaming encoders use up to level 19.
			if zr, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1),
				zstd.WithDecoderMaxWindow(uint64(max(br.max, 8<<20)))); err != nil {
				return dst, 0, fmt.Errorf("making a zstd decoder: %w", err)
			}
		}
		if err := zr.Reset(raw); err != nil {
			return dst, raw.n, br.fault("zstd", err)
		}
		defer func() { zr.Reset(nil); br.zstd.Put(zr) }()
		body = zr
	default:
		return dst, 0, fmt.Errorf("%w %q: send gzip, zstd or identity", errEncoding, enc)
	}
	dst, err := readAll(dst, body, br.max)
	if err != nil {
		return dst, raw.n, br.fault(r.Header.Get("Content-Encoding"), err)
	}
	return dst, raw.n, nil
}

// fault names a read error: too large (as received or decompressed), or
// a body that does not decompress, or one that did not arrive whole.
func (br *bodyReader) fault(enc string, err error) error {
	var mb *http.MaxBytesError
	switch {
	case errors.Is(err, errTooLarge), errors.As(err, &mb):
		return fmt.Errorf("%w: max_body_size is %d bytes", errTooLarge, br.max)
	case errors.Is(err, zstd.ErrWindowSizeExceeded), errors.Is(err, zstd.ErrDecoderSizeExceeded):
		return fmt.Errorf("%w: the zstd frame's window is larger than max_body_size (%d bytes) or 8 MiB", errTooLarge, br.max)
	case enc != "" && enc != "identity":
		return fmt.Errorf("the body is not valid %s: %w", enc, err)
	default:
		return fmt.Errorf("reading the body: %w", err)
	}
}

// readAll appends r's bytes to dst, and fails with errTooLarge past max.
func readAll(dst []byte, r io.Reader, max int64) ([]byte, error) {
	start := len(dst)
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		room := min(int64(cap(dst)-len(dst)), max+1-int64(len(dst)-start))
		n, err := r.Read(dst[len(dst) : len(dst)+int(room)])
		dst = dst[:len(dst)+n]
		if int64(len(dst)-start) > max {
			return dst, errTooLarge
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}
