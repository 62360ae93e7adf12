package conf

import (
	"math"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	valid := []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"512", 512},
		{"512b", 512},
		{"100K", 100 * kib},
		{"100k", 100 * kib},
		{"100KB", 100 * kib},
		{"100KiB", 100 * kib},
		{"50M", 50 * mib},
		{"5m", 5 * mib},
		{"50MB", 50 * mib},
		{"50mib", 50 * mib},
		{"1G", gib},
		{"1gb", gib},
		{"5T", 5 * tib},
		{" 7M ", 7 * mib},
		{"7 M", 7 * mib},
		{"8388607T", 8388607 * tib}, // the largest T value that fits in int64
		{"9223372036854775807", math.MaxInt64},
	}
	for _, tc := range valid {
		got, err := parseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	invalid := []struct{ in, reason string }{
		{"", "is not a size"},
		{"M", "is not a size"},
		{"abc", "is not a size"},
		{"1.5G", "is not a size"},
		{"10X", "is not a size"},
		{"10MBB", "is not a size"},
		{"1kX", "is not a size"},
		{"0x10", "is not a size"},
		{"-1", "is negative"},
		{"-5M", "is negative"},
		{"8388608T", "is too large"},
		{"9223372036854775808", "is too large"},
	}
	for _, tc := range invalid {
		got, err := parseSize(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("parseSize(%q) = %d, %v; want error containing %q", tc.in, got, err, tc.reason)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for _, tc := range []struct {
		in   int64
		want string
	}{
		{0, "0"}, {1, "1"}, {1023, "1023"}, {kib, "1K"}, {1536, "1536"}, {5 * mib, "5M"},
		{5*mib + 1, "5242881"}, {3 * gib, "3G"}, {5 * tib, "5T"}, {1024 * tib, "1024T"},
	} {
		if got := formatSize(tc.in); got != tc.want {
			t.Errorf("formatSize(%d) = %q, want %q", tc.in, got, tc.want)
		}
		if back, err := parseSize(formatSize(tc.in)); err != nil || back != tc.in {
			t.Errorf("parseSize(formatSize(%d)) = %d, %v", tc.in, back, err)
		}
	}
}
