package out_s3append

import (
	"strconv"
	"time"
)

// appendStrftime renders one strftime conversion of t, as C's strftime does
// in the C locale.
func appendStrftime(dst []byte, conv byte, t time.Time) []byte {
	switch conv {
	case 'Y':
		return strconv.AppendInt(dst, int64(t.Year()), 10)
	case 'y':
		return append2(dst, t.Year()%100)
	case 'm':
		return append2(dst, int(t.Month()))
	case 'd':
		return append2(dst, t.Day())
	case 'H':
		return append2(dst, t.Hour())
	case 'M':
		return append2(dst, t.Minute())
	case 'S':
		return append2(dst, t.Second())
	case 'j':
		d := t.YearDay()
		return append(dst, byte('0'+d/100), byte('0'+d/10%10), byte('0'+d%10))
	case 'b':
		return append(dst, t.Month().String()[:3]...)
	case 'a':
		return append(dst, t.Weekday().String()[:3]...)
	case 'p':
		if t.Hour() < 12 {
			return append(dst, "AM"...)
		}
		return append(dst, "PM"...)
	case 'Z':
		name, _ := t.Zone()
		return append(dst, name...)
	case 'z':
		return t.AppendFormat(dst, "-0700")
	case 's':
		return strconv.AppendInt(dst, t.Unix(), 10)
	case '%':
		return append(dst, '%')
	}
	return dst
}

func append2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10%10), byte('0'+v%10))
}
