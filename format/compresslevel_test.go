package format

import (
	"bytes"
	"testing"

	"github.com/klauspost/compress/zstd"
	pqgzip "github.com/parquet-go/parquet-go/compress/gzip"
	pqzstd "github.com/parquet-go/parquet-go/compress/zstd"
)

// Levels reach the codec: the fastest and the smallest level give
// different output, and both read back to the input.
func TestCompressorLevels(t *testing.T) {
	in := jsonLines(t, 1<<20)
	for _, tc := range []struct {
		c              Compression
		fast, smallest int
	}{{CompressionGzip, 1, 9}, {CompressionZstd, 1, 19}} {
		size := map[int]int{}
		for _, level := range []int{tc.fast, 0, tc.smallest} {
			var out bytes.Buffer
			comp, err := NewCompressorLevel(tc.c, level, &out)
			if err != nil {
				t.Fatalf("%s level %d: %v", tc.c, level, err)
			}
			if _, err := comp.Write(in); err != nil {
				t.Fatal(err)
			}
			if err := comp.Close(); err != nil {
				t.Fatal(err)
			}
			if got := decompress(t, tc.c, out.Bytes()); !bytes.Equal(got, in) {
				t.Fatalf("%s level %d: output does not decompress to the input", tc.c, level)
			}
			size[level] = out.Len()
		}
		if !(size[tc.smallest] < size[0] && size[0] < size[tc.fast]) {
			t.Errorf("%s sizes by level %v: want level %d < default < level %d", tc.c, size, tc.smallest, tc.fast)
		}
	}
}

func TestParquetCodecLevels(t *testing.T) {
	c, err := ParquetCodec("zstd", 19)
	if z, ok := c.(*pageZstd); err != nil || !ok || z.level != zstd.SpeedBestCompression {
		t.Errorf("ParquetCodec(zstd, 19) = %#v, %v; want zstd at its best level", c, err)
	}
	c, err = ParquetCodec("gzip", 2)
	if g, ok := c.(*pqgzip.Codec); err != nil || !ok || g.Level != 2 {
		t.Errorf("ParquetCodec(gzip, 2) = %#v, %v; want gzip level 2", c, err)
	}
	if _, err := ParquetCodec("gzip", 10); err == nil {
		t.Errorf("ParquetCodec(gzip, 10) is no error")
	}
	// Pages default to zstd's fastest speed.
	c, err = ParquetCodec("zstd", 0)
	if z, ok := c.(*pageZstd); err != nil || !ok || z.level != zstd.SpeedFastest {
		t.Errorf("ParquetCodec(zstd, 0) = %#v, %v; want zstd at its fastest", c, err)
	}
	// Codecs are shared, and with them their pools of encoders.
	for _, l := range []int{0, 1, 3, 9} {
		a, _ := ParquetCodec("gzip", l)
		b, _ := ParquetCodec("gzip", l)
		x, _ := ParquetCodec("zstd", l)
		y, _ := ParquetCodec("", l)
		if a != b || x != y {
			t.Errorf("level %d: two calls return two codecs", l)
		}
	}
	if ZstdLevel(0) != zstd.SpeedDefault || ZstdLevel(1) != zstd.SpeedFastest || ZstdLevel(7) != zstd.SpeedBetterCompression {
		t.Errorf("ZstdLevel maps 0, 1, 7 to %v, %v, %v", ZstdLevel(0), ZstdLevel(1), ZstdLevel(7))
	}
}

// Pages compressed by the page codec read back with parquet-go's own zstd
// codec, at every speed, pages larger than the window included.
func TestPageZstdReadsBackWithParquetGo(t *testing.T) {
	page := bytes.Repeat([]byte(`{"level":"info","msg":"request served","status":200} `), 3*pageSize/50)
	for _, level := range []int{0, 1, 3, 9, 19} {
		c, err := ParquetCodec("zstd", level)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := c.Encode(nil, page)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := (&pqzstd.Codec{}).Decode(nil, enc)
		if err != nil || !bytes.Equal(dec, page) {
			t.Fatalf("level %d: %d bytes decoded to %d bytes (%v), want the page back", level, len(enc), len(dec), err)
		}
		if len(enc) >= len(page)/10 {
			t.Errorf("level %d: a repetitive page of %d bytes compressed to %d", level, len(page), len(enc))
		}
	}
}
