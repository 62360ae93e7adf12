package conf

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Size units are powers of 1024 whether written K, KB or KiB: S3's limits are
// binary (a 5 MiB minimum part), so "5M" has to mean 5 MiB for the default
// part size to be valid. Fluent Bit's own parser reads K/M/G as powers of
// 1000; the README points out the difference.
const (
	kib int64 = 1 << 10
	mib int64 = 1 << 20
	gib int64 = 1 << 30
	tib int64 = 1 << 40
)

var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"k": kib, "kb": kib, "kib": kib,
	"m": mib, "mb": mib, "mib": mib,
	"g": gib, "gb": gib, "gib": gib,
	"t": tib, "tb": tib, "tib": tib,
}

var errNotSize = errors.New("is not a size (examples: 512, 100K, 50M, 1G)")

// parseSize reads a byte count such as "512", "100K", "50MB" or "1GiB".
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") {
		return 0, errors.New("is negative")
	}
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits == 0 {
		return 0, errNotSize
	}
	unit, ok := sizeUnits[strings.ToLower(strings.TrimSpace(s[digits:]))]
	if !ok {
		return 0, errNotSize
	}
	n, err := strconv.ParseInt(s[:digits], 10, 64)
	if err != nil || n > math.MaxInt64/unit {
		return 0, errors.New("is too large")
	}
	return n * unit, nil
}

// formatSize writes n with the largest unit that divides it exactly, the way
// a user would write it in a config.
func formatSize(n int64) string {
	if n != 0 {
		for _, u := range []struct {
			suffix string
			size   int64
		}{{"T", tib}, {"G", gib}, {"M", mib}, {"K", kib}} {
			if n%u.size == 0 {
				return strconv.FormatInt(n/u.size, 10) + u.suffix
			}
		}
	}
	return strconv.FormatInt(n, 10)
}

// ParseSize reads a size as the options take it (10M, 512K, 1048576), for
// the settings of the sidecar's sources.
func ParseSize(s string) (int64, error) { return parseSize(s) }
