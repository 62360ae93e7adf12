package format

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/tinylib/msgp/msgp"
)

// Fluent Bit's EventTime: msgpack extension type 0 holding big-endian
// uint32 seconds then uint32 nanoseconds.
const (
	eventTimeExtType = 0
	eventTimeLen     = 8

	msgpFixExt8 = 0xd7
	msgpExt8    = 0xc7
)

// eventTimeOf reports whether b starts with an EventTime extension, as
// fixext8 or as ext8 of length 8, and returns its parts. The extension is
// parsed by hand rather than through msgp.ReadExtensionBytes because that
// takes an interface and would cost an allocation per event.
func eventTimeOf(b []byte) (sec, nsec uint32, ok bool) {
	var data []byte
	switch {
	case len(b) >= 2+eventTimeLen && b[0] == msgpFixExt8 && b[1] == eventTimeExtType:
		data = b[2 : 2+eventTimeLen]
	case len(b) >= 3+eventTimeLen && b[0] == msgpExt8 && b[1] == eventTimeLen && b[2] == eventTimeExtType:
		data = b[3 : 3+eventTimeLen]
	default:
		return 0, 0, false
	}
	return binary.BigEndian.Uint32(data), binary.BigEndian.Uint32(data[4:]), true
}

// appendEventTime appends t as an EventTime fixext8. Seconds are truncated
// to uint32, the width Fluent Bit itself uses.
func appendEventTime(dst []byte, sec int64, nsec int32) []byte {
	dst = append(dst, msgpFixExt8, eventTimeExtType)
	dst = binary.BigEndian.AppendUint32(dst, uint32(sec))
	return binary.BigEndian.AppendUint32(dst, uint32(nsec))
}

// readTimestamp reads an event time in any form Fluent Bit writes or
// accepts: EventTime, integer seconds or float seconds. It returns the rest
// of b after it, or a reason when the value is no usable time.
func readTimestamp(b []byte) (sec int64, nsec int32, rest []byte, reason string) {
	switch t := msgp.NextType(b); t {
	case msgp.IntType:
		i, rest, err := msgp.ReadInt64Bytes(b)
		if err != nil {
			return 0, 0, b, "event time: " + err.Error()
		}
		return i, 0, rest, ""
	case msgp.UintType:
		u, rest, err := msgp.ReadUint64Bytes(b)
		if err != nil {
			return 0, 0, b, "event time: " + err.Error()
		}
		if u > math.MaxInt64 {
			return 0, 0, b, fmt.Sprintf("event time %d seconds is out of range", u)
		}
		return int64(u), 0, rest, ""
	case msgp.Float64Type, msgp.Float32Type:
		f, rest, err := msgp.ReadFloat64Bytes(b)
		if err != nil {
			return 0, 0, b, "event time: " + err.Error()
		}
		s, ns, ok := splitSeconds(f)
		if !ok {
			return 0, 0, b, fmt.Sprintf("event time %g seconds is out of range", f)
		}
		return s, ns, rest, ""
	case msgp.ExtensionType, msgp.TimeType, msgp.Complex64Type, msgp.Complex128Type:
		s, ns, ok := eventTimeOf(b)
		if !ok {
			return 0, 0, b, fmt.Sprintf("event time is a msgpack extension (type byte 0x%02x) that is not an 8-byte EventTime", b[0])
		}
		if ns >= 1e9 {
			return 0, 0, b, fmt.Sprintf("event time nanoseconds %d out of range", ns)
		}
		rest, err := skip(b)
		if err != nil {
			return 0, 0, b, "event time: " + err.Error()
		}
		return int64(s), int32(ns), rest, ""
	default:
		return 0, 0, b, fmt.Sprintf("event time is a msgpack %s, want EventTime, integer or float", t)
	}
}

// splitSeconds splits float seconds into whole seconds (rounded down) and
// nanoseconds, rejecting values that do not fit an int64.
func splitSeconds(f float64) (sec int64, nsec int32, ok bool) {
	if math.IsNaN(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, 0, false
	}
	whole := math.Floor(f)
	ns := math.Round((f - whole) * 1e9)
	sec = int64(whole)
	if ns >= 1e9 {
		if sec == math.MaxInt64 {
			return 0, 0, false
		}
		sec++
		ns -= 1e9
	}
	return sec, int32(ns), true
}
