package conf

import (
	"fmt"
	"strings"
	"time"
	// The zone database is built in: minimal images (distroless, scratch,
	// some Fluent Bit images) have no /usr/share/zoneinfo.
	_ "time/tzdata"
	"unicode/utf8"
)

// MaxKeyLength is the longest object key S3 accepts, in bytes.
const MaxKeyLength = 1024

func parseTimeZone(v string) (*time.Location, error) {
	loc, err := time.LoadLocation(v)
	if err != nil {
		return nil, fmt.Errorf("is not an IANA time zone name (for example UTC, Europe/Berlin, Asia/Kolkata)")
	}
	return loc, nil
}

func showTimeZone(loc *time.Location) string {
	if loc == nil {
		return "UTC"
	}
	return loc.String()
}

// checkKeySegmentValue returns why v cannot stand in a key segment as is,
// or "". The same rules hold for the values rendered into keys, which are
// rewritten rather than refused.
func checkKeySegmentValue(v string) string {
	switch {
	case !utf8.ValidString(v):
		return "is not valid UTF-8"
	case strings.Contains(v, "/"):
		return `must not contain "/": it stands for one value inside a key segment`
	case strings.Contains(v, ".."), v == ".":
		return `must not be "." or contain ".."`
	case strings.IndexFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return "must not contain control characters"
	}
	return ""
}

// checkIndexFormat returns why f is not a usable $INDEX format, or "": it
// must hold exactly one integer verb (%d, %x, %X or %o, optionally with the
// 0 flag and a width) and literal text that can stay in a key segment.
func checkIndexFormat(f string) string {
	verbs := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		j := i + 1
		if j < len(f) && f[j] == '%' {
			i = j
			continue
		}
		if j < len(f) && f[j] == '0' {
			j++
		}
		width := j
		for j < len(f) && f[j] >= '0' && f[j] <= '9' {
			j++
		}
		if j-width > 2 {
			return "has a width over 99"
		}
		if j >= len(f) || strings.IndexByte("dxXo", f[j]) < 0 {
			return "must use an integer verb: %d, %x, %X or %o, with an optional 0 flag and width, as in %06d"
		}
		verbs++
		i = j
	}
	if verbs != 1 {
		return fmt.Sprintf("must hold exactly one integer verb such as %%06d (found %d)", verbs)
	}
	if reason := checkKeySegmentValue(strings.ReplaceAll(f, "%%", "%")); reason != "" {
		return reason
	}
	return ""
}
