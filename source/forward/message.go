package forward

import (
	"errors"
	"fmt"
	"time"

	"github.com/tinylib/msgp/msgp"

	"github.com/s3append/s3append/source"
)

// message is one forward-protocol message, decoded for the Sink. Its
// slices alias the message's bytes or the decoder's scratch: they are
// good until the next decode.
type message struct {
	mode    string // Message, Forward, PackedForward, CompressedPackedForward
	tag     string
	events  []byte // msgpack [time, record] entries back to back
	records int
	// chunk is the raw msgpack value of the chunk option, echoed in the
	// ack; nil when the client asked for none.
	chunk []byte
	// signal is the fluent_signal option (protocol v1.5): 0 for logs, 1
	// metrics, 2 traces.
	signal int64
}

// decoder turns framed messages into messages. One per connection: its
// scratch (Message mode's event, decompressed entries) is reused.
type decoder struct {
	max     int // bound on decompressed entries
	scratch []byte
	gz      gunzipper
	now     func() time.Time
}

// malformedError says why a message is not one of the protocol's.
type malformedError struct{ reason string }

func (e *malformedError) Error() string { return e.reason }

func malformed(format string, a ...any) error {
	return &malformedError{fmt.Sprintf(format, a...)}
}

// decode reads msg, one whole msgpack value: [tag, time, record, option?]
// (Message), [tag, [entry...], option?] (Forward), or [tag, bin|str of
// entries, option?] (PackedForward, compressed when option says so). The
// second element's type tells the modes apart.
func (d *decoder) decode(msg []byte) (m message, err error) {
	n, b, err := msgp.ReadArrayHeaderBytes(msg)
	if err != nil {
		return m, malformed("not a msgpack array but a msgpack %s", msgp.NextType(msg))
	}
	if n < 2 || n > 4 {
		return m, malformed("an array of %d elements: want [tag, time, record, option?], [tag, entries, option?] or [tag, packed entries, option?]", n)
	}
	tag, after, err := msgp.ReadStringZC(b)
	if err != nil {
		return m, malformed("the tag is a msgpack %s, not a string", msgp.NextType(b))
	}
	m.tag, b = string(tag), after
	var packed []byte
	switch t := msgp.NextType(b); t {
	case msgp.ArrayType:
		m.mode = "Forward"
		b, err = m.forward(b)
	case msgp.BinType, msgp.StrType:
		m.mode = "PackedForward"
		packed, b = readBinOrStr(b)
	default:
		m.mode = "Message"
		if n < 3 {
			return m, malformed("a Message-mode array of 2 elements: want [tag, time, record, option?]")
		}
		b, err = d.single(&m, b)
		n-- // time and record take two elements
	}
	if err != nil {
		return m, err
	}
	if n == 4 {
		return m, malformed("a %s-mode array of 4 elements: want [tag, entries, option?]", m.mode)
	}
	compressed := false
	if n == 3 {
		if compressed, err = m.options(b); err != nil {
			return m, err
		}
	}
	if m.mode == "PackedForward" {
		if compressed {
			m.mode = "CompressedPackedForward"
			if packed, err = d.gunzip(packed); err != nil {
				return m, err
			}
		}
		m.events = packed
		m.records, err = countEntries(packed)
	}
	return m, err
}

// forward reads Forward mode's array of entries: they lie back to back
// in the message already, so the events are a slice of it.
func (m *message) forward(b []byte) ([]byte, error) {
	n, entries, _ := msgp.ReadArrayHeaderBytes(b)
	rest := entries
	for i := range n {
		var err error
		if rest, err = skipEntry(rest); err != nil {
			return nil, malformed("Forward-mode entry %d: %v", i, err)
		}
	}
	m.events = entries[:len(entries)-len(rest)]
	m.records = int(n)
	return rest, nil
}

// single reads Message mode's time and record and builds their event in
// the scratch: an array header, then both as received. A nil time is the
// time of arrival, as Fluentd takes it.
func (d *decoder) single(m *message, b []byte) ([]byte, error) {
	t := msgp.NextType(b)
	start := b
	switch t {
	case msgp.IntType, msgp.UintType, msgp.Float64Type, msgp.Float32Type, msgp.NilType,
		msgp.ExtensionType, msgp.TimeType, msgp.Complex64Type, msgp.Complex128Type:
	default:
		return nil, malformed("Message-mode time is a msgpack %s: want EventTime, integer or float", t)
	}
	afterTime, err := msgp.Skip(b)
	if err != nil { // unreachable: the message was framed whole
		return nil, malformed("Message-mode time: %v", err)
	}
	rest, err := msgp.Skip(afterTime)
	if err != nil {
		return nil, malformed("Message-mode record: %v", err)
	}
	if t == msgp.NilType {
		d.scratch = source.AppendEventHead(d.scratch[:0], d.now())
	} else {
		d.scratch = append(append(d.scratch[:0], 0x92), start[:len(start)-len(afterTime)]...)
	}
	d.scratch = append(d.scratch, afterTime[:len(afterTime)-len(rest)]...)
	m.events, m.records = d.scratch, 1
	return rest, nil
}

// options reads the option map (or nil): chunk, compressed and
// fluent_signal matter; size and anything else are skipped.
func (m *message) options(b []byte) (compressed bool, err error) {
	if msgp.IsNil(b) {
		return false, nil
	}
	n, after, err := msgp.ReadMapHeaderBytes(b)
	if err != nil {
		return false, malformed("the option is a msgpack %s, not a map", msgp.NextType(b))
	}
	b = after
	for range n {
		var key []byte
		if msgp.NextType(b) == msgp.StrType {
			key, b, _ = msgp.ReadStringZC(b)
		} else if b, err = msgp.Skip(b); err != nil {
			return false, malformed("option key: %v", err)
		}
		val := b
		if b, err = msgp.Skip(b); err != nil {
			return false, malformed("option %q: %v", key, err)
		}
		val = val[:len(val)-len(b)]
		switch string(key) {
		case "chunk":
			m.chunk = val
		case "compressed":
			s, _, err := msgp.ReadStringZC(val)
			if err != nil || string(s) != "gzip" {
				return false, malformed("option compressed is %s: only \"gzip\" is known", describe(val))
			}
			compressed = true
		case "fluent_signal":
			if m.signal, _, err = msgp.ReadInt64Bytes(val); err != nil {
				// Some clients send it as a string such as "2": any
				// value but 0 says the entries are not logs.
				m.signal = -1
				if s, _, err := msgp.ReadStringZC(val); err == nil && string(s) == "0" {
					m.signal = 0
				}
			}
		}
	}
	// Fluentd reads compressed in PackedForward mode only; elsewhere the
	// entries were read as msgpack already, so it cannot mean anything.
	return compressed && m.mode == "PackedForward", nil
}

// readBinOrStr reads PackedForward's entries: bin, or str from clients
// of msgpack's older spec. The type was checked by the caller.
func readBinOrStr(b []byte) (v, rest []byte) {
	if msgp.NextType(b) == msgp.BinType {
		v, rest, _ = msgp.ReadBytesZC(b)
	} else {
		v, rest, _ = msgp.ReadStringZC(b)
	}
	return v, rest
}

// countEntries checks PackedForward's entries, as sent or decompressed:
// whole msgpack values, each an array of two, back to back.
func countEntries(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		var err error
		if b, err = skipEntry(b); err != nil {
			return 0, malformed("packed entry %d: %v", n, err)
		}
		n++
	}
	return n, nil
}

// skipEntry checks one entry's shape, an array of two ([time, record], or
// Fluent Bit's [[time, metadata], record]), and returns what follows it.
// What the time and record hold is the engine's to judge: it sets aside
// what it cannot read and keeps the rest.
func skipEntry(b []byte) ([]byte, error) {
	n, _, err := msgp.ReadArrayHeaderBytes(b)
	if err == nil && n != 2 {
		return nil, fmt.Errorf("an array of %d elements, not [time, record]", n)
	}
	rest := b
	if err == nil {
		rest, err = msgp.Skip(b)
	}
	switch {
	case err == nil:
		return rest, nil
	case errors.Is(err, msgp.ErrShortBytes):
		return nil, errors.New("truncated: the entries end inside this one")
	case msgp.NextType(b) != msgp.ArrayType:
		return nil, fmt.Errorf("a msgpack %s, not an array [time, record]", msgp.NextType(b))
	default:
		return nil, fmt.Errorf("broken msgpack: %v", err)
	}
}

// describe names a msgpack value for an error message.
func describe(v []byte) string {
	if s, _, err := msgp.ReadStringZC(v); err == nil && len(s) <= 32 {
		return fmt.Sprintf("%q", s)
	}
	return "a msgpack " + msgp.NextType(v).String()
}
