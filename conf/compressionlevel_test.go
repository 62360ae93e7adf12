package conf

import (
	"strings"
	"testing"
)

func TestCompressionLevel(t *testing.T) {
	for _, tc := range []struct {
		kv      []string
		want    int
		problem string // "" when the config is valid
	}{
		{kv: nil, want: 0},
		{kv: []string{"compression_level", "default"}, want: 0},
		{kv: []string{"compression_level", "9"}, want: 9},
		{kv: []string{"compression", "zstd", "compression_level", "19"}, want: 19},
		{kv: []string{"format", "parquet", "compression_level", "7"}, want: 7},
		{kv: []string{"format", "parquet", "compression", "gzip", "compression_level", "1"}, want: 1},
		{kv: []string{"compression_level", "10"}, problem: "compression_level: \"10\" is not a gzip level: 1 to 9"},
		{kv: []string{"compression", "zstd", "compression_level", "23"}, problem: "not a zstd level: 1 to 22"},
		{kv: []string{"compression", "none", "compression_level", "3"}, problem: "has no effect with compression none"},
		{kv: []string{"format", "parquet", "compression", "snappy", "compression_level", "3"}, problem: "has no effect with compression snappy"},
		{kv: []string{"compression_level", "fast"}, problem: "compression_level"},
		{kv: []string{"compression_level", "0"}, problem: "compression_level"},
	} {
		c, err := Parse(withBucket(tc.kv...))
		if tc.problem == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.kv, err)
			} else if c.CompressionLevel != tc.want {
				t.Errorf("%q: level %d, want %d", tc.kv, c.CompressionLevel, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.problem) {
			t.Errorf("%q: error %v, want one containing %q", tc.kv, err, tc.problem)
		}
	}
}
