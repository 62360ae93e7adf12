package format

import (
	"fmt"
	"time"
)

// Event is one log event sliced out of a chunk; slices alias the chunk.
type Event struct {
	Sec    int64
	Nsec   int32
	Meta   []byte // raw msgpack metadata map; nil for the legacy shape
	Record []byte // raw msgpack of the record (a map)
	Raw    []byte // the whole event as it appeared in the chunk
}

// Time returns the event time in UTC.
func (e *Event) Time() time.Time {
	return time.Unix(e.Sec, int64(e.Nsec)).UTC()
}

// DecodeError says where and why a chunk could not be read.
//
// Offset is the byte offset of the event's first byte in the chunk. When
// Skipped is true the event was well-framed msgpack but not a usable event;
// the reader has moved past it and Event.Raw holds its bytes, so the caller
// can keep them (dead letter) and go on reading. When Skipped is false the
// msgpack framing is broken at or after Offset and nothing more can be read:
// the unreadable rest of the chunk is chunk[Offset:].
type DecodeError struct {
	Offset  int
	Reason  string
	Skipped bool
	// Rejected, on a skipped event, is the record its source could not
	// read and sent as a RejectedExt extension: why, where from and its
	// original bytes (which alias the chunk).
	Rejected *Rejection
}

func (e *DecodeError) Error() string {
	if e.Rejected != nil {
		return fmt.Sprintf("format: event at byte offset %d skipped: its source could not read %s", e.Offset, e.Rejected)
	}
	if e.Skipped {
		return fmt.Sprintf("format: event at byte offset %d skipped: %s", e.Offset, e.Reason)
	}
	return fmt.Sprintf("format: chunk unreadable from byte offset %d: %s", e.Offset, e.Reason)
}
