package conf

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

var errNotDuration = errors.New("is not a duration (examples: 30s, 10m, 1h30m, or a number of seconds)")

// fluentBitUnits are the single-letter suffixes Fluent Bit's own time
// options accept, case-insensitively, after a whole number.
var fluentBitUnits = map[byte]time.Duration{
	's': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour,
}

// parseDuration reads a bare number of seconds ("30"), a Fluent Bit style
// value ("10M", "1d") or a Go duration ("1h30m", "500ms").
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") {
		return 0, errors.New("is negative")
	}
	if s == "" {
		return 0, errNotDuration
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return scale(n, time.Second)
	}
	if unit, ok := fluentBitUnits[lower(s[len(s)-1])]; ok {
		if n, err := strconv.ParseInt(s[:len(s)-1], 10, 64); err == nil {
			return scale(n, unit)
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if strings.Contains(err.Error(), "overflow") {
			return 0, errors.New("is too large")
		}
		return 0, errNotDuration
	}
	return d, nil
}

func scale(n int64, unit time.Duration) (time.Duration, error) {
	if n > math.MaxInt64/int64(unit) {
		return 0, errors.New("is too large")
	}
	return time.Duration(n) * unit, nil
}

func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// formatDuration writes d the way Go prints it, without the trailing zero
// units ("10m", not "10m0s").
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// ParseDuration reads a duration as the options take it (30s, 5m, 1h).
func ParseDuration(s string) (time.Duration, error) { return parseDuration(s) }
