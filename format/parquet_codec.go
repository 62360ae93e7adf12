package format

import (
	"fmt"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	pqgzip "github.com/parquet-go/parquet-go/compress/gzip"
	pqzstd "github.com/parquet-go/parquet-go/compress/zstd"
)

// ParquetCodec returns the page compression codec named by the
// compression option, at level (0: the default).
//
// zstd's default for pages is its fastest speed, where JSON lines take
// zstd 3: pages are compressed one column at a time, so the data is
// already grouped as well as a stronger match finder would group it, and
// at 1 MiB pages the fastest speed writes files no larger than zstd 3
// did at 256 KiB pages, for half the CPU.
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
var parquetZstd = func() map[zstd.EncoderLevel]*pqzstd.Codec {
	m := map[zstd.EncoderLevel]*pqzstd.Codec{}
	for l := zstd.SpeedFastest; l <= zstd.SpeedBestCompression; l++ {
		m[l] = &pqzstd.Codec{Level: l}
	}
	return m
}()

// parquetGzip holds a codec per gzip level, 0 for the default.
var parquetGzip = func() (codecs [10]compress.Codec) {
	codecs[0] = &parquet.Gzip
	for l := 1; l < len(codecs); l++ {
		codecs[l] = &pqgzip.Codec{Level: l}
	}
	return codecs
}()
