package out_s3append

import (
	"math"
	"strconv"
	"time"
)

// keyTime is an event time as the key shows it: in the key's time zone.
type keyTime struct {
	wall   time.Time // the local wall clock, held in UTC so reading it needs no zone lookup
	unix   int64
	zone   string // abbreviation, e.g. IST or EDT
	offset int64  // seconds east of UTC
}

// zoneSpan caches the zone in effect over a span of time, so records of
// one chunk (nearly always inside one span) cost no zone lookup.
type zoneSpan struct {
	loc        *time.Location
	start, end int64 // Unix seconds, [start, end)
	name       string
	offset     int64
}

// at makes z the span holding sec in loc.
func (z *zoneSpan) at(loc *time.Location, sec int64) {
	if z.loc == loc && sec >= z.start && sec < z.end {
		return
	}
	t := time.Unix(sec, 0).In(loc)
	name, off := t.Zone()
	start, end := t.ZoneBounds()
	z.loc, z.name, z.offset = loc, name, int64(off)
	if name == "" { // a zone without an abbreviation: %Z shows the offset
		z.name = string(appendOffset(nil, z.offset))
	}
	z.start, z.end = math.MinInt64, math.MaxInt64
	if !start.IsZero() {
		z.start = start.Unix()
	}
	if !end.IsZero() {
		z.end = end.Unix()
	}
}

// keyTimeOf is sec as the key shows it; z must be at sec.
func (z *zoneSpan) keyTimeOf(sec int64) keyTime {
	return keyTime{wall: time.Unix(sec+z.offset, 0).UTC(), unix: sec, zone: z.name, offset: z.offset}
}

// appendStrftime renders one strftime conversion of t, as C's strftime does
// in the C locale.
func appendStrftime(dst []byte, conv byte, kt *keyTime) []byte {
	t := kt.wall
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
		return append(dst, kt.zone...)
	case 'z':
		return appendOffset(dst, kt.offset)
	case 's':
		return strconv.AppendInt(dst, kt.unix, 10)
	case '%':
		return append(dst, '%')
	}
	return dst
}

// strftimeWidth is the longest rendering of a conversion, for the key
// length check at start (%Y past 9999 and the like are checked per record).
func strftimeWidth(conv byte) int {
	switch conv {
	case 'Y':
		return 4
	case 'j', 'b', 'a':
		return 3
	case 'Z':
		return 6
	case 'z':
		return 5
	case 's':
		return 11
	}
	return 2
}

// appendOffset appends a zone offset as %z shows it: +0530, -0400.
func appendOffset(dst []byte, off int64) []byte {
	sign := byte('+')
	if off < 0 {
		off, sign = -off, '-'
	}
	dst = append(dst, sign)
	dst = append2(dst, int(off/3600))
	return append2(dst, int(off/60%60))
}

func append2(dst []byte, v int) []byte {
	if v < 0 {
		v = -v
	}
	return append(dst, byte('0'+v/10%10), byte('0'+v%10))
}
