package format

import (
	"encoding/binary"

	"github.com/tinylib/msgp/msgp"
)

// skip returns b after its first msgpack value, as msgp.Skip does, and
// with the same errors. Every event is framed by skipping it whole before
// it is decoded, and every record member is skipped to find the next key,
// so this sits on the hottest path: values are walked here with a table
// lookup each, and anything wrong (truncation, the unused byte, nesting
// deeper than skipDepth) is left to msgp.Skip, for its error.
func skip(b []byte) ([]byte, error) {
	if n, ok := skipLen(b, 0); ok {
		return b[n:], nil
	}
	return msgp.Skip(b)
}

// skipDepth bounds the recursion of skipLen; deeper values go to msgp.
const skipDepth = 32

// skipLen returns the length of the first value of b; ok is false when
// it cannot tell.
func skipLen(b []byte, depth int) (n int, ok bool) {
	if len(b) == 0 {
		return 0, false
	}
	r := skipRules[b[0]]
	n, size, ok := r.measure(b)
	if !ok || r.items == 0 {
		return n, ok
	}
	if depth >= skipDepth {
		return 0, false
	}
	for range size * int(r.items) {
		if n >= len(b) {
			return 0, false
		}
		// Scalars and strings are measured here, not in a call: they are
		// most of the values of a record.
		var m int
		if e := skipRules[b[n]]; e.items == 0 {
			m, _, ok = e.measure(b[n:])
		} else {
			m, ok = skipLen(b[n:], depth+1)
		}
		if !ok {
			return 0, false
		}
		n += m
	}
	return n, true
}

// skipRule tells how long a value is from its first byte: a head (the
// type byte, then width bytes of length or count, then an extension's
// type), then either a payload of size bytes or size values (items 1, an
// array) or pairs of values (items 2, a map). size is read from the
// length bytes when width is not 0.
type skipRule struct {
	head, width, size, items uint8
}

// measure reads the head of the value at b, whose first byte has rule r:
// for a payload of bytes it returns the value's length; for a container
// the length of its head, and size, the number of its elements (pairs,
// for a map).
func (r skipRule) measure(b []byte) (n, size int, ok bool) {
	n = int(r.head)
	if n == 0 || n > len(b) {
		return 0, 0, false // the unused byte, or a head cut short
	}
	size = int(r.size)
	switch r.width {
	case 1:
		size = int(b[1])
	case 2:
		size = int(binary.BigEndian.Uint16(b[1:]))
	case 4:
		size = int(binary.BigEndian.Uint32(b[1:]))
	}
	if r.items != 0 {
		return n, size, true
	}
	if size > len(b)-n {
		return 0, 0, false
	}
	return n + size, 0, true
}

// skipRules has the rule of every first byte, a table rather than a
// switch: walking a record meets a different type at almost every value,
// and a switch mispredicts on each.
var skipRules = func() (rules [256]skipRule) {
	for c := range 256 {
		r := &rules[c]
		switch {
		case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3: // fixint, nil, bool
			*r = skipRule{head: 1}
		case c >= 0xa0 && c <= 0xbf: // fixstr
			*r = skipRule{head: 1, size: uint8(c & 0x1f)}
		case c >= 0x90 && c <= 0x9f: // fixarray
			*r = skipRule{head: 1, size: uint8(c & 0x0f), items: 1}
		case c >= 0x80 && c <= 0x8f: // fixmap
			*r = skipRule{head: 1, size: uint8(c & 0x0f), items: 2}
		case c == 0xcc || c == 0xd0: // uint8, int8
			*r = skipRule{head: 1, size: 1}
		case c == 0xcd || c == 0xd1: // uint16, int16
			*r = skipRule{head: 1, size: 2}
		case c == 0xca || c == 0xce || c == 0xd2: // float32, uint32, int32
			*r = skipRule{head: 1, size: 4}
		case c == 0xcb || c == 0xcf || c == 0xd3: // float64, uint64, int64
			*r = skipRule{head: 1, size: 8}
		case c == 0xd9 || c == 0xc4: // str8, bin8
			*r = skipRule{head: 2, width: 1}
		case c == 0xda || c == 0xc5: // str16, bin16
			*r = skipRule{head: 3, width: 2}
		case c == 0xdb || c == 0xc6: // str32, bin32
			*r = skipRule{head: 5, width: 4}
		case c == 0xdc: // array16
			*r = skipRule{head: 3, width: 2, items: 1}
		case c == 0xdd: // array32
			*r = skipRule{head: 5, width: 4, items: 1}
		case c == 0xde: // map16
			*r = skipRule{head: 3, width: 2, items: 2}
		case c == 0xdf: // map32
			*r = skipRule{head: 5, width: 4, items: 2}
		case c >= 0xd4 && c <= 0xd8: // fixext 1, 2, 4, 8, 16: every event's time
			*r = skipRule{head: 2, size: 1 << (c - 0xd4)}
		case c == 0xc7: // ext8
			*r = skipRule{head: 3, width: 1}
		case c == 0xc8: // ext16
			*r = skipRule{head: 4, width: 2}
		case c == 0xc9: // ext32
			*r = skipRule{head: 6, width: 4}
		default: // 0xc1, never used: no rule
			*r = skipRule{}
		}
	}
	return rules
}()
