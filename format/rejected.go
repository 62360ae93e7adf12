package format

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// RejectedExt is the msgpack extension type that stands in for a record
// its source could not read (a line of a log object that does not parse,
// say). A source puts the extension where the record would be, in the
// same batch as the records around it, so that the engine writes it to
// the dead letters in the same buffer step as those records (and under
// the same DeliverOnce token): it is delivered exactly once with its
// batch, never lost and never repeated after a crash.
//
// The payload is a msgpack map: "reason" (string, why the source could not
// read it), "origin" (string, where it was read, e.g. s3://bucket/key),
// "line" (int, its 1-based line number in origin; 0 when not known) and
// "raw" (bin, the original bytes, perhaps cut to a bound the source
// chooses). Keys the reader does not know are skipped.
//
// The type is an application type (0 to 127); Fluent Bit itself uses only
// type 0 (EventTime). A forward client could send a record of this type
// too: that is harmless, since such a record is not a map and would go to
// the dead letters anyway; it then goes there with the reason, origin and
// line it claims.
const RejectedExt int8 = 82

// Rejection is a record its source could not read.
type Rejection struct {
	Reason string
	Origin string // where it was read, e.g. s3://bucket/key; "" when not known
	Line   int    // its 1-based line number in Origin; 0 when not known
	// Raw is the record's original bytes (a line's text), perhaps cut.
	// Decoded, it aliases the chunk.
	Raw []byte
}

// String names the record and says why it was rejected:
// "line 3 of s3://bucket/key: reason".
func (r *Rejection) String() string {
	var where string
	switch {
	case r.Line > 0 && r.Origin != "":
		where = "line " + strconv.Itoa(r.Line) + " of " + r.Origin
	case r.Line > 0:
		where = "line " + strconv.Itoa(r.Line)
	default:
		where = r.Origin
	}
	if where == "" {
		return r.Reason
	}
	return where + ": " + r.Reason
}

// AppendRejectedEvent appends the event [t, RejectedExt{r}] to dst: the
// legacy event shape, t as an EventTime (clamped to what it can say,
// 1970 to 2106).
func AppendRejectedEvent(dst []byte, t time.Time, r *Rejection) []byte {
	sec, nsec := t.Unix(), int32(t.Nanosecond())
	if sec < 0 {
		sec, nsec = 0, 0
	}
	if sec > math.MaxUint32 {
		sec = math.MaxUint32
	}
	dst = msgp.AppendArrayHeader(dst, 2)
	dst = appendEventTime(dst, sec, nsec)
	return AppendRejected(dst, r)
}

// AppendRejected appends r as a RejectedExt extension.
func AppendRejected(dst []byte, r *Rejection) []byte {
	p := msgp.AppendMapHeader(nil, 4)
	p = msgp.AppendString(p, "reason")
	p = msgp.AppendString(p, r.Reason)
	p = msgp.AppendString(p, "origin")
	p = msgp.AppendString(p, r.Origin)
	p = msgp.AppendString(p, "line")
	p = msgp.AppendInt(p, r.Line)
	p = msgp.AppendString(p, "raw")
	p = msgp.AppendBytes(p, r.Raw)
	// A payload never fails to marshal: rawExt only copies it.
	dst, _ = msgp.AppendExtension(dst, &rawExt{typ: RejectedExt, data: p})
	return dst
}

// rawExt takes an extension's payload without copying it.
type rawExt struct {
	typ  int8
	data []byte
}

func (e *rawExt) ExtensionType() int8            { return e.typ }
func (e *rawExt) Len() int                       { return len(e.data) }
func (e *rawExt) MarshalBinaryTo(b []byte) error { copy(b, e.data); return nil }
func (e *rawExt) UnmarshalBinary(b []byte) error { e.data = b; return nil }

// errNotRejected: the value is no RejectedExt extension.
var errNotRejected = errors.New("not a rejected record extension")

// ReadRejected reads the RejectedExt extension at the start of b and
// returns it and the bytes after it. The Rejection's Raw aliases b. It
// fails when b does not start with such an extension or its payload is
// not the map described at RejectedExt.
func ReadRejected(b []byte) (*Rejection, []byte, error) {
	if msgp.NextType(b) != msgp.ExtensionType {
		return nil, b, errNotRejected
	}
	ext := rawExt{typ: RejectedExt}
	rest, err := msgp.ReadExtensionBytes(b, &ext)
	if err != nil {
		var te msgp.ExtensionTypeError
		if errors.As(err, &te) {
			return nil, b, errNotRejected
		}
		return nil, b, fmt.Errorf("rejected record: %w", err)
	}
	r, err := readRejection(ext.data)
	if err != nil {
		return nil, b, fmt.Errorf("rejected record: %w", err)
	}
	return r, rest, nil
}

// readRejection reads the payload map of a RejectedExt extension.
func readRejection(p []byte) (*Rejection, error) {
	n, p, err := msgp.ReadMapHeaderBytes(p)
	if err != nil {
		return nil, err
	}
	r := &Rejection{}
	for i := uint32(0); i < n; i++ {
		var k []byte
		if k, p, err = msgp.ReadStringZC(p); err != nil {
			return nil, fmt.Errorf("a key: %w", err)
		}
		switch string(k) {
		case "reason":
			r.Reason, p, err = msgp.ReadStringBytes(p)
		case "origin":
			r.Origin, p, err = msgp.ReadStringBytes(p)
		case "line":
			var line int64
			line, p, err = msgp.ReadInt64Bytes(p)
			if err == nil && (line < 0 || line > math.MaxInt32) {
				err = fmt.Errorf("line %d is out of range", line)
			}
			r.Line = int(line)
		case "raw":
			r.Raw, p, err = msgp.ReadBytesZC(p)
		default:
			p, err = msgp.Skip(p)
		}
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
	}
	if len(p) > 0 {
		return nil, fmt.Errorf("%d bytes after the payload's map", len(p))
	}
	return r, nil
}
