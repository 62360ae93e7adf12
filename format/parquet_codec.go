package format

import (
	"fmt"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	pqgzip "github.com/parquet-go/parquet-go/compress/gzip"
	pqformat "github.com/parquet-go/parquet-go/format"
)

// ParquetCodec returns the page compression codec named by the
// compression option, at level (0: the default).
//
// zstd's default for pages is its fastest speed, where JSON lines take
// zstd 3: pages are compressed one column at a time, so the data is
// already grouped as well as a stronger match finder would group it, and
// at 512 KiB pages the fastest speed writes files about as large as
// zstd 3 did at 256 KiB pages, for half the CPU.
//
// Codecs are shared: each keeps a pool of encoders, which every writer at
// that level then reuses.
func ParquetCodec(name string, level int) (compress.Codec, error) {
	switch strings.ToLower(name) {
	case "", "zstd":
		speed := zstd.SpeedFastest
		if level != 0 {
			speed = ZstdLevel(level)
		}
		return parquetZstd[speed], nil
	case "snappy":
		return &parquet.Snappy, nil
	case "gzip":
		if level < 0 || level > 9 {
			return nil, fmt.Errorf("format: gzip level %d is not 1 to 9", level)
		}
		return parquetGzip[level], nil
	case "none":
		return &parquet.Uncompressed, nil
	}
	return nil, fmt.Errorf("format: Parquet compression %q is not one of zstd, snappy, gzip, none", name)
}

// parquetZstd holds a codec per encoder speed.
var parquetZstd = func() map[zstd.EncoderLevel]*pageZstd {
	m := map[zstd.EncoderLevel]*pageZstd{}
	for l := zstd.SpeedFastest; l <= zstd.SpeedBestCompression; l++ {
		m[l] = &pageZstd{level: l}
	}
	return m
}()

// pageZstd compresses each Parquet page as one zstd frame. Its encoders
// look back no further than a page: a frame holds one page, so a longer
// window finds nothing more, while the encoder's history is sized to the
// window (8 MiB by default, per pooled encoder).
type pageZstd struct {
	level    zstd.EncoderLevel
	encoders sync.Pool
	decoders sync.Pool
}

// pageWindow is the zstd window of page frames: a page's size (a power
// of two, as the format wants).
const pageWindow = pageSize

func (c *pageZstd) String() string { return "ZSTD" }

func (c *pageZstd) CompressionCodec() pqformat.CompressionCodec { return pqformat.Zstd }

func (c *pageZstd) Encode(dst, src []byte) ([]byte, error) {
	e, _ := c.encoders.Get().(*zstd.Encoder)
	if e == nil {
		var err error
		e, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(c.level), zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(pageWindow), zstd.WithLowerEncoderMem(true), zstd.WithZeroFrames(true), zstd.WithEncoderCRC(false),
			zstd.WithAllLitEntropyCompression(true))
		if err != nil {
			return dst, err
		}
	}
	defer c.encoders.Put(e)
	return e.EncodeAll(src, dst[:0]), nil
}

func (c *pageZstd) Decode(dst, src []byte) ([]byte, error) {
	d, _ := c.decoders.Get().(*zstd.Decoder)
	if d == nil {
		var err error
		if d, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1)); err != nil {
			return dst, err
		}
	}
	defer c.decoders.Put(d)
	return d.DecodeAll(src, dst[:0])
}

// parquetGzip holds a codec per gzip level, 0 for the default.
var parquetGzip = func() (codecs [10]compress.Codec) {
	codecs[0] = &parquet.Gzip
	for l := 1; l < len(codecs); l++ {
		codecs[l] = &pqgzip.Codec{Level: l}
	}
	return codecs
}()
