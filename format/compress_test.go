package format

import (
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func TestParseCompression(t *testing.T) {
	cases := []struct {
		in       string
		want     Compression
		encoding string
		ext      string
	}{
		{"none", CompressionNone, "", ""},
		{"gzip", CompressionGzip, "gzip", ".gz"},
		{"zstd", CompressionZstd, "zstd", ".zst"},
		{" GZIP ", CompressionGzip, "gzip", ".gz"},
	}
	for _, c := range cases {
		got, err := ParseCompression(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseCompression(%q) = %v, %v; want %v", c.in, got, err, c.want)
			continue
		}
		if got.ContentEncoding() != c.encoding || got.Extension() != c.ext {
			t.Errorf("%v: ContentEncoding %q, Extension %q; want %q, %q", got, got.ContentEncoding(), got.Extension(), c.encoding, c.ext)
		}
	}
	for _, in := range []string{"", "snappy", "gz"} {
		if _, err := ParseCompression(in); err == nil || !strings.Contains(err.Error(), "compression") {
			t.Errorf("ParseCompression(%q) error = %v, want one naming compression", in, err)
		}
	}
	if _, err := NewCompressor(Compression(9), io.Discard); err == nil {
		t.Error("NewCompressor accepted an unknown codec")
	}
}

// partWriter collects what a compressor writes and lets the test cut it
// into parts at any moment, as the uploader cuts S3 parts.
type partWriter struct {
	all     []byte   // everything written, in order
	parts   [][]byte // copies of the parts cut so far
	cutAt   int      // len(all) at the last cut
	written int      // number of Write calls
}

func (w *partWriter) Write(p []byte) (int, error) {
	w.all = append(w.all, p...)
	w.written++
	return len(p), nil
}

func (w *partWriter) cut() {
	w.parts = append(w.parts, bytes.Clone(w.all[w.cutAt:]))
	w.cutAt = len(w.all)
}

func decompress(t *testing.T, c Compression, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch c {
	case CompressionNone:
		return b
	case CompressionGzip:
		zr, err := stdgzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("gzip header: %v", err)
		}
		r = zr
	case CompressionZstd:
		zr, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("zstd reader: %v", err)
		}
		defer zr.Close()
		r = zr
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%v: decompressing: %v", c, err)
	}
	return out
}

// jsonLines returns the JSON lines of a chunk of about chunkSize bytes of
// k8s records.
func jsonLines(t testing.TB, chunkSize int) []byte {
	chunk, _ := k8sChunk(chunkSize)
	enc := NewJSONEncoder(JSONOptions{DateKey: "date"})
	var out []byte
	r := NewReader(chunk)
	var ev Event
	for r.Next(&ev) == nil {
		var err error
		if out, err = enc.AppendLine(out, &ev); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestCompressorPartsConcatenate(t *testing.T) {
	input := jsonLines(t, 2<<20)
	rng := newTestRand(3)
	for _, c := range []Compression{CompressionNone, CompressionGzip, CompressionZstd} {
		w := &partWriter{}
		comp, err := NewCompressor(c, w)
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off < len(input); {
			n := min(1+rng.IntN(64<<10), len(input)-off)
			if _, err := comp.Write(input[off : off+n]); err != nil {
				t.Fatalf("%v: Write: %v", c, err)
			}
			off += n
			if rng.IntN(4) == 0 {
				w.cut() // possibly empty, possibly mid-block: must not matter
			}
		}
		if c != CompressionNone && len(w.all) == 0 {
			t.Fatalf("%v: nothing written before Close for %d input bytes; output is not streamed", c, len(input))
		}
		if err := comp.Close(); err != nil {
			t.Fatalf("%v: Close: %v", c, err)
		}
		w.cut()
		joined := bytes.Join(w.parts, nil)
		if !bytes.Equal(joined, w.all) {
			t.Fatalf("%v: bytes already cut into parts were changed later", c)
		}
		if got := decompress(t, c, joined); !bytes.Equal(got, input) {
			t.Fatalf("%v: concatenated parts decompress to %d bytes, want the %d input bytes", c, len(got), len(input))
		}
		nonEmpty := 0
		for _, p := range w.parts {
			if len(p) > 0 {
				nonEmpty++
			}
		}
		if nonEmpty < 2 {
			t.Fatalf("%v: only %d non-empty parts", c, nonEmpty)
		}
		t.Logf("%v: %d -> %d bytes in %d parts", c, len(input), len(w.all), len(w.parts))
	}
}

func TestCompressorReset(t *testing.T) {
	for _, c := range []Compression{CompressionNone, CompressionGzip, CompressionZstd} {
		first, second := &partWriter{}, &partWriter{}
		comp, err := NewCompressor(c, first)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(comp, "first stream\n")
		if err := comp.Close(); err != nil {
			t.Fatal(err)
		}
		comp.Reset(second)
		io.WriteString(comp, "second stream\n")
		if err := comp.Close(); err != nil {
			t.Fatal(err)
		}
		if got := decompress(t, c, first.all); string(got) != "first stream\n" {
			t.Errorf("%v: first stream = %q", c, got)
		}
		if got := decompress(t, c, second.all); string(got) != "second stream\n" {
			t.Errorf("%v: second stream after Reset = %q", c, got)
		}
	}
}

func TestCompressorEmptyStream(t *testing.T) {
	for _, c := range []Compression{CompressionGzip, CompressionZstd} {
		w := &partWriter{}
		comp, err := NewCompressor(c, w)
		if err != nil {
			t.Fatal(err)
		}
		if err := comp.Close(); err != nil {
			t.Fatal(err)
		}
		if len(w.all) == 0 {
			t.Errorf("%v: empty stream wrote no bytes; want a valid empty frame", c)
		}
		if got := decompress(t, c, w.all); len(got) != 0 {
			t.Errorf("%v: empty stream decompresses to %q", c, got)
		}
	}
}
