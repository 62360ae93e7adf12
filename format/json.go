package format

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/tinylib/msgp/msgp"
)

// ErrNoLogKey is returned by AppendLine when the record lacks the field
// named by JSONOptions.LogKey.
var ErrNoLogKey = errors.New("format: record has no field named by log_key")

// ErrTooDeep is returned by AppendLine for records nested deeper than
// maxNesting maps and arrays.
var ErrTooDeep = errors.New("format: record nested too deeply")

// maxNesting bounds the depth of records the encoder accepts (the record
// itself is level 1) so that hostile input cannot exhaust the stack.
const maxNesting = 1000

// JSONOptions shape each JSON line; the fields mirror Fluent Bit's s3
// options json_date_key, json_date_format and log_key.
type JSONOptions struct {
	DateKey    string     // "" = no date key added
	DateFormat DateFormat // how the date key's value is written
	LogKey     string     // if set, emit only this key's value (strings raw, other types as JSON)
}

// JSONEncoder transcodes msgpack records straight to JSON lines, with no
// intermediate values and no allocation once its buffers have grown.
//
// Each line is one object: the date key first (when set), then the
// record's fields in their order, less any top-level field named like the
// date key. Strings and bin become JSON strings (invalid UTF-8 replaced by
// U+FFFD); integers are exact; floats take their shortest round-trip form,
// with ".0" kept on whole numbers and null for NaN and infinities; an
// EventTime extension becomes float seconds and any other extension null.
// Scalar map keys are written as strings ("1", "true", "null"); map and
// array keys make the record unfit, as does nesting deeper than 1000.
//
// An encoder keeps scratch state between calls, so it must not be used by
// two goroutines at once.
type JSONEncoder struct {
	opts      JSONOptions
	dateKey   []byte // DateKey as raw bytes, compared with record keys
	dateField []byte // `"<DateKey>":`, written first on every line
	logKey    []byte
	noLogKey  error  // ErrNoLogKey with the key's name, built once
	scratch   []byte // reused to stringify non-string map keys
	record    []byte // record being encoded, to give error offsets
	dates     dateCache
	// invalidUTF8 counts byte sequences replaced by U+FFFD so far.
	invalidUTF8 int
}

// InvalidUTF8 is the number of invalid UTF-8 sequences the encoder has
// replaced by U+FFFD since it was made; a caller compares it before and
// after a line to tell which records carried them.
func (e *JSONEncoder) InvalidUTF8() int { return e.invalidUTF8 }

// NewJSONEncoder returns an encoder for the given options.
func NewJSONEncoder(o JSONOptions) *JSONEncoder {
	e := &JSONEncoder{opts: o}
	if o.DateKey != "" {
		e.dateKey = []byte(o.DateKey)
		e.dateField = appendJSONString(nil, e.dateKey, nil)
		e.dateField = append(e.dateField, ':')
	}
	if o.LogKey != "" {
		e.logKey = []byte(o.LogKey)
		e.noLogKey = fmt.Errorf("%w %q", ErrNoLogKey, o.LogKey)
	}
	return e
}

// AppendLine appends one JSON line, ending in '\n', for ev to dst. On error
// dst is returned unchanged in length.
func (e *JSONEncoder) AppendLine(dst []byte, ev *Event) ([]byte, error) {
	start := len(dst)
	e.record = ev.Record
	var err error
	if e.logKey != nil {
		dst, err = e.appendLogValue(dst, ev.Record)
	} else {
		dst, err = e.appendRecord(dst, ev)
	}
	e.record = nil
	if err != nil {
		return dst[:start], err
	}
	return append(dst, '\n'), nil
}

// appendRecord writes the record as one object, the date key first.
func (e *JSONEncoder) appendRecord(dst []byte, ev *Event) ([]byte, error) {
	if t := msgp.NextType(ev.Record); t != msgp.MapType {
		return dst, e.malformed(ev.Record, fmt.Errorf("record is a msgpack %s, not a map", t))
	}
	n, b, err := msgp.ReadMapHeaderBytes(ev.Record)
	if err != nil {
		return dst, e.malformed(ev.Record, err)
	}
	dst = append(dst, '{')
	wrote := false
	if e.dateField != nil {
		dst = append(dst, e.dateField...)
		dst = e.dates.appendDate(dst, e.opts.DateFormat, ev.Sec, ev.Nsec)
		wrote = true
	}
	dst, _, err = e.appendMapBody(dst, b, n, 1, e.dateKey, wrote)
	if err != nil {
		return dst, err
	}
	return append(dst, '}'), nil
}

// appendLogValue writes only the value of the log_key field: strings and
// bin raw, as Fluent Bit does, anything else as JSON.
func (e *JSONEncoder) appendLogValue(dst []byte, record []byte) ([]byte, error) {
	if t := msgp.NextType(record); t != msgp.MapType {
		return dst, e.malformed(record, fmt.Errorf("record is a msgpack %s, not a map", t))
	}
	n, b, err := msgp.ReadMapHeaderBytes(record)
	if err != nil {
		return dst, e.malformed(record, err)
	}
	for i := uint32(0); i < n; i++ {
		at := b
		var key []byte
		switch msgp.NextType(b) {
		case msgp.StrType:
			key, b, err = msgp.ReadStringZC(b)
		case msgp.BinType:
			key, b, err = msgp.ReadBytesZC(b)
		default:
			b, err = skip(b)
		}
		if err != nil {
			return dst, e.malformed(at, err)
		}
		if key != nil && bytes.Equal(key, e.logKey) {
			var v []byte
			switch msgp.NextType(b) {
			case msgp.StrType:
				v, _, err = msgp.ReadStringZC(b)
			case msgp.BinType:
				v, _, err = msgp.ReadBytesZC(b)
			default:
				dst, _, err = e.appendValue(dst, b, 2)
				return dst, err
			}
			if err != nil {
				return dst, e.malformed(b, err)
			}
			return append(dst, v...), nil
		}
		at = b
		if b, err = skip(b); err != nil {
			return dst, e.malformed(at, err)
		}
	}
	return dst, e.noLogKey
}

// malformed wraps a msgpack error with its byte offset in the record.
func (e *JSONEncoder) malformed(at []byte, err error) error {
	return fmt.Errorf("format: malformed record at byte %d: %w", e.offset(at), err)
}

// offset returns where the remainder at starts within the current record.
func (e *JSONEncoder) offset(at []byte) int {
	if len(at) > len(e.record) {
		return 0
	}
	return len(e.record) - len(at)
}
