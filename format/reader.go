package format

import (
	"errors"
	"fmt"
	"io"

	"github.com/tinylib/msgp/msgp"
)

// Reader walks the events of one Fluent Bit chunk without copying it.
//
// A chunk is a plain concatenation of msgpack events, each either
// [ts, record] (legacy) or [[ts, metadata], record] (current).
type Reader struct {
	chunk []byte
	off   int
	fatal *DecodeError // broken framing; sticky, returned by every later Next
}

// NewReader returns a Reader positioned at the start of chunk.
func NewReader(chunk []byte) *Reader {
	return &Reader{chunk: chunk}
}

// Reset makes r read chunk from its start, forgetting any earlier error.
func (r *Reader) Reset(chunk []byte) {
	*r = Reader{chunk: chunk}
}

// Offset returns the byte offset of the next event in the chunk.
func (r *Reader) Offset() int { return r.off }

// Next fills ev with the next event and returns io.EOF at the clean end of
// the chunk. On failure it returns a *DecodeError; see DecodeError for when
// reading may continue. The slices in ev alias the chunk.
func (r *Reader) Next(ev *Event) error {
	if r.fatal != nil {
		return r.fatal
	}
	if r.off >= len(r.chunk) {
		return io.EOF
	}
	start := r.off
	// Frame the whole event first: once its end is known, content problems
	// can be reported without losing the position of the next event.
	rest, err := skip(r.chunk[start:])
	if err != nil {
		*ev = Event{}
		r.fatal = &DecodeError{Offset: start, Reason: framingReason(err, len(r.chunk)-start)}
		return r.fatal
	}
	end := len(r.chunk) - len(rest)
	r.off = end
	raw := r.chunk[start:end:end]
	if reason, rejected := decodeEvent(raw, ev); reason != "" {
		*ev = Event{Raw: raw}
		return &DecodeError{Offset: start, Reason: reason, Skipped: true, Rejected: rejected}
	}
	ev.Raw = raw
	return nil
}

// CountEvents returns how many events of chunk Next returns without error,
// and the first error met. Skipped events do not stop the count; broken
// framing does.
func CountEvents(chunk []byte) (n int, err error) {
	r := NewReader(chunk)
	var ev Event
	for {
		e := r.Next(&ev)
		switch {
		case e == nil:
			n++
		case e == io.EOF:
			return n, err
		default:
			if err == nil {
				err = e
			}
			var de *DecodeError
			if !errors.As(e, &de) || !de.Skipped {
				return n, err
			}
		}
	}
}

// decodeEvent splits one well-framed event into its parts. It returns a
// reason when the event is not usable, or "" on success; and, when the
// record is a RejectedExt extension, what it says.
func decodeEvent(raw []byte, ev *Event) (string, *Rejection) {
	if t := msgp.NextType(raw); t != msgp.ArrayType {
		return fmt.Sprintf("event is a msgpack %s, not an array", t), nil
	}
	n, b, _ := msgp.ReadArrayHeaderBytes(raw)
	if n != 2 {
		return fmt.Sprintf("event array has %d elements, want 2 (time, record)", n), nil
	}
	var meta []byte
	var reason string
	if msgp.NextType(b) == msgp.ArrayType {
		hn, hb, _ := msgp.ReadArrayHeaderBytes(b)
		if hn != 2 {
			return fmt.Sprintf("event header array has %d elements, want 2 (time, metadata)", hn), nil
		}
		ev.Sec, ev.Nsec, hb, reason = readTimestamp(hb)
		if reason != "" {
			return reason, nil
		}
		if t := msgp.NextType(hb); t != msgp.MapType {
			return fmt.Sprintf("event metadata is a msgpack %s, not a map", t), nil
		}
		after, err := skip(hb)
		if err != nil { // unreachable: the event was framed as a whole
			return "event metadata: " + err.Error(), nil
		}
		meta = hb[:len(hb)-len(after)]
		b = after
	} else {
		ev.Sec, ev.Nsec, b, reason = readTimestamp(b)
		if reason != "" {
			return reason, nil
		}
	}
	// The outer array has two elements and was framed exactly, so
	// everything after the header is the record.
	if t := msgp.NextType(b); t != msgp.MapType {
		reason := fmt.Sprintf("record is a msgpack %s, not a map", t)
		if t == msgp.ExtensionType {
			// A record its source could not read. One whose payload is
			// malformed is just an extension, not a map.
			if r, rest, err := ReadRejected(b); err == nil && len(rest) == 0 {
				return "its source could not read the record", r
			}
		}
		return reason, nil
	}
	ev.Meta = meta
	ev.Record = b
	return "", nil
}

// framingReason turns a msgp framing error into words for DecodeError.
func framingReason(err error, left int) string {
	var prefix msgp.InvalidPrefixError
	switch {
	case errors.Is(err, msgp.ErrShortBytes):
		return fmt.Sprintf("truncated msgpack: the chunk ends inside this event (%d bytes left)", left)
	case errors.As(err, &prefix):
		return fmt.Sprintf("invalid msgpack type byte 0x%02x inside this event", byte(prefix))
	case errors.Is(err, msgp.ErrRecursion):
		return "msgpack nested too deeply to frame"
	default:
		return "broken msgpack: " + err.Error()
	}
}
