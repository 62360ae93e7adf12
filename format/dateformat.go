package format

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DateFormat is how the JSON encoder writes the event time under the date
// key; the names and layouts are those of Fluent Bit's json_date_format.
type DateFormat int

const (
	DateISO8601          DateFormat = iota // "2006-01-02T15:04:05.000000Z", UTC, microseconds
	DateEpoch                              // integer seconds
	DateEpochMs                            // integer milliseconds
	DateDouble                             // seconds with fraction, e.g. 1763805600.123456
	DateJavaSQLTimestamp                   // "2006-01-02 15:04:05.000000", UTC
)

// The layouts down to the second; microseconds and the zone are added by
// appendCalendar.
const (
	iso8601SecondsLayout = "2006-01-02T15:04:05"
	javaSQLSecondsLayout = "2006-01-02 15:04:05"
)

var dateFormatNames = [...]string{
	DateISO8601:          "iso8601",
	DateEpoch:            "epoch",
	DateEpochMs:          "epoch_ms",
	DateDouble:           "double",
	DateJavaSQLTimestamp: "java_sql_timestamp",
}

// ParseDateFormat parses a json_date_format value: "iso8601", "epoch",
// "epoch_ms" (also "epoch_millis", "epoch_milliseconds"), "double" or
// "java_sql_timestamp", in any letter case, as Fluent Bit does.
func ParseDateFormat(s string) (DateFormat, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	switch v {
	case "epoch_millis", "epoch_milliseconds":
		return DateEpochMs, nil
	}
	for f, name := range dateFormatNames {
		if v == name {
			return DateFormat(f), nil
		}
	}
	return 0, fmt.Errorf("json_date_format: unknown value %q (want iso8601, epoch, epoch_ms, double or java_sql_timestamp)", s)
}

func (f DateFormat) String() string {
	if f >= 0 && int(f) < len(dateFormatNames) {
		return dateFormatNames[f]
	}
	return "DateFormat(" + strconv.Itoa(int(f)) + ")"
}

// dateCache keeps the calendar part of the last time formatted. Events
// arrive in time order, many per second, and formatting the date is most of
// the cost of writing it.
type dateCache struct {
	sec    int64
	layout string
	text   []byte // sec formatted with layout, down to the second
}

// appendDate appends the event time as a JSON value in format f.
func (c *dateCache) appendDate(dst []byte, f DateFormat, sec int64, nsec int32) []byte {
	switch f {
	case DateEpoch:
		return strconv.AppendInt(dst, sec, 10)
	case DateEpochMs:
		return strconv.AppendInt(dst, sec*1000+int64(nsec)/1e6, 10)
	case DateDouble:
		return appendSeconds(dst, sec, nsec)
	case DateJavaSQLTimestamp:
		return append(c.appendCalendar(dst, javaSQLSecondsLayout, sec, nsec), '"')
	default:
		return append(c.appendCalendar(dst, iso8601SecondsLayout, sec, nsec), 'Z', '"')
	}
}

// appendCalendar writes an opening quote, the UTC time down to the second
// in layout, and six digits of microseconds. The fraction is truncated, as
// Fluent Bit does when it prints microseconds.
func (c *dateCache) appendCalendar(dst []byte, layout string, sec int64, nsec int32) []byte {
	if c.text == nil || c.sec != sec || c.layout != layout {
		c.text = time.Unix(sec, 0).UTC().AppendFormat(c.text[:0], layout)
		c.sec, c.layout = sec, layout
	}
	dst = append(dst, '"')
	dst = append(dst, c.text...)
	us := nsec / 1000
	return append(dst, '.',
		byte('0'+us/100000), byte('0'+us/10000%10), byte('0'+us/1000%10),
		byte('0'+us/100%10), byte('0'+us/10%10), byte('0'+us%10))
}

// appendSeconds writes seconds with fraction the way Fluent Bit prints a
// double: "%.1f" when whole, "%.16g" otherwise (microsecond precision for
// present-day times).
func appendSeconds(dst []byte, sec int64, nsec int32) []byte {
	if nsec == 0 {
		dst = strconv.AppendInt(dst, sec, 10)
		return append(dst, '.', '0')
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, float64(sec)+float64(nsec)/1e9, 'g', 16, 64)
	// A fraction below the 16th digit rounds away; keep the value a float.
	if !bytes.ContainsAny(dst[start:], ".e") {
		dst = append(dst, '.', '0')
	}
	return dst
}
