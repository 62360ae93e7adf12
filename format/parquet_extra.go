package format

import (
	"bytes"

	"github.com/tinylib/msgp/msgp"
)

// extraWriter gathers the values of a record that have no column and
// writes them as one JSON object, nested as in the record: a field
// kubernetes.new_label the schema lacks becomes
// {"kubernetes":{"new_label":...}}.
type extraWriter struct {
	segs    [][]byte // raw msgpack keys of every entry's path, then its key
	entries []extraEntry
	open    [][]byte // render: keys of the objects currently open
	wrote   []bool   // render: whether each open object has a member
}

type extraEntry struct {
	from, to int // the entry's path and key: segs[from:to]
	value    []byte
}

func (x *extraWriter) reset() {
	x.segs = x.segs[:0]
	x.entries = x.entries[:0]
}

func (x *extraWriter) empty() bool { return len(x.entries) == 0 }

// add keeps value under path and key (raw msgpack keys). Calls come in
// depth-first record order, so entries sharing a path prefix are adjacent.
func (x *extraWriter) add(path [][]byte, key, value []byte) {
	from := len(x.segs)
	x.segs = append(x.segs, path...)
	x.segs = append(x.segs, key)
	x.entries = append(x.entries, extraEntry{from: from, to: len(x.segs), value: value})
}

// render appends the JSON object of every entry to dst.
func (x *extraWriter) render(dst []byte, e *JSONEncoder) ([]byte, error) {
	dst = append(dst, '{')
	x.open, x.wrote = x.open[:0], append(x.wrote[:0], false)
	for _, en := range x.entries {
		path := x.segs[en.from : en.to-1]
		common := 0
		for common < len(x.open) && common < len(path) && bytes.Equal(x.open[common], path[common]) {
			common++
		}
		for len(x.open) > common {
			dst = append(dst, '}')
			x.open = x.open[:len(x.open)-1]
			x.wrote = x.wrote[:len(x.wrote)-1]
		}
		for _, seg := range path[common:] {
			dst = x.member(dst, e, seg)
			dst = append(dst, '{')
			x.open = append(x.open, seg)
			x.wrote = append(x.wrote, false)
		}
		dst = x.member(dst, e, x.segs[en.to-1])
		var err error
		if dst, _, err = e.appendValue(dst, en.value, 2); err != nil {
			return dst, err
		}
	}
	for range x.open {
		dst = append(dst, '}')
	}
	return append(dst, '}'), nil
}

// member starts a member named by the raw msgpack key: a comma when
// needed, the key as a JSON string, the colon.
func (x *extraWriter) member(dst []byte, e *JSONEncoder, rawKey []byte) []byte {
	top := len(x.wrote) - 1
	if x.wrote[top] {
		dst = append(dst, ',')
	}
	x.wrote[top] = true
	switch msgp.NextType(rawKey) {
	case msgp.StrType, msgp.BinType:
		k, _ := stringBytes(rawKey)
		dst = appendJSONString(dst, k, &e.invalidUTF8)
	default:
		// A scalar key is written as the string of its JSON text.
		start := len(dst)
		var err error
		if dst, _, err = e.appendValue(dst, rawKey, 2); err != nil {
			dst = append(dst[:start], "null"...)
		}
		e.scratch = append(e.scratch[:0], dst[start:]...)
		dst = appendJSONString(dst[:start], e.scratch, &e.invalidUTF8)
	}
	return append(dst, ':')
}
