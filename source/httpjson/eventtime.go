package httpjson

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// timeKey says which record field holds the event time (time_key) and how
// it is written (time_key_format). A record whose field is missing or
// unreadable keeps its arrival time: the record is still good, only its
// time is not its own; the field stays in the record either way.
type timeKey struct {
	key    string
	format string // auto, rfc3339, epoch or epoch_ms
}

// msThreshold tells epoch milliseconds from epoch seconds under auto: a
// number above 1e11 is taken as milliseconds. As seconds it would lie past
// the year 5000; as milliseconds, 1e11 is March 1973. So every real time
// from either side reads right.
const msThreshold = 1e11

// parse reads v, the field's raw msgpack value: a string (RFC 3339, or
// under the epoch formats and auto a number written as text) or a number.
func (k timeKey) parse(v []byte) (time.Time, bool) {
	switch msgp.NextType(v) {
	case msgp.StrType:
		s, _, err := msgp.ReadStringZC(v)
		if err != nil {
			return time.Time{}, false
		}
		return k.parseText(string(s))
	case msgp.IntType:
		i, _, err := msgp.ReadInt64Bytes(v)
		return k.fromInt(i, err == nil)
	case msgp.UintType:
		u, _, err := msgp.ReadUint64Bytes(v)
		return k.fromInt(int64(min(u, math.MaxInt64)), err == nil)
	case msgp.Float64Type, msgp.Float32Type:
		f, _, err := msgp.ReadFloat64Bytes(v)
		return k.fromFloat(f, err == nil)
	}
	return time.Time{}, false
}

func (k timeKey) parseText(s string) (time.Time, bool) {
	if k.format == "auto" || k.format == "rfc3339" {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return inRange(t)
		}
		// RFC 3339 lets a space stand for the T; Go's layout does not.
		if len(s) > 10 && s[10] == ' ' {
			if t, err := time.Parse(time.RFC3339Nano, s[:10]+"T"+s[11:]); err == nil {
				return inRange(t)
			}
		}
		if k.format == "rfc3339" {
			return time.Time{}, false
		}
	}
	s = strings.TrimSpace(s)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return k.fromInt(i, true)
	}
	f, err := strconv.ParseFloat(s, 64)
	return k.fromFloat(f, err == nil)
}

func (k timeKey) fromInt(i int64, ok bool) (time.Time, bool) {
	if !ok || k.format == "rfc3339" {
		return time.Time{}, false
	}
	if k.format == "epoch_ms" || k.format == "auto" && i > msThreshold {
		return inRange(time.UnixMilli(i))
	}
	if i > 1<<33 || i < 0 { // far out of range; and no overflow below
		return time.Time{}, false
	}
	return inRange(time.Unix(i, 0))
}

func (k timeKey) fromFloat(f float64, ok bool) (time.Time, bool) {
	if !ok || k.format == "rfc3339" || math.IsNaN(f) || f < 0 || f > 1<<45 {
		return time.Time{}, false
	}
	// Whole seconds first, then the remainder in the number's own unit:
	// dividing milliseconds by 1000 first would round them.
	unit := 1.0
	if k.format == "epoch_ms" || k.format == "auto" && f > msThreshold {
		unit = 1000
	}
	sec := math.Floor(f / unit)
	nsec := math.Round((f - sec*unit) * (1e9 / unit))
	if nsec >= 1e9 {
		sec, nsec = sec+1, nsec-1e9
	}
	if nsec < 0 {
		sec, nsec = sec-1, nsec+1e9
	}
	return inRange(time.Unix(int64(sec), int64(nsec)))
}

// inRange refuses times an EventTime cannot hold (before 1970, after
// 2106): such a field is read as unreadable, not clamped.
func inRange(t time.Time) (time.Time, bool) {
	if s := t.Unix(); s < 0 || s > math.MaxUint32 {
		return time.Time{}, false
	}
	return t, true
}
