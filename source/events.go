package source

import (
	"encoding/binary"
	"time"
)

// AppendEventHead starts an event of a batch for the Sink: the msgpack
// array header of [time, record] and t as an EventTime (ext type 0:
// seconds and nanoseconds, big-endian uint32 each). The record, a msgpack
// map, is appended next by the caller.
func AppendEventHead(dst []byte, t time.Time) []byte {
	sec, nsec := t.Unix(), t.Nanosecond()
	if sec < 0 {
		sec, nsec = 0, 0 // EventTime cannot say before 1970
	}
	if sec > 1<<32-1 {
		sec = 1<<32 - 1
	}
	dst = append(dst, 0x92, 0xd7, 0x00)
	dst = binary.BigEndian.AppendUint32(dst, uint32(sec))
	return binary.BigEndian.AppendUint32(dst, uint32(nsec))
}
