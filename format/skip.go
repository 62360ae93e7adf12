package format

import (
	"encoding/binary"

	"github.com/tinylib/msgp/msgp"
)

// skip returns b after its first msgpack value, as msgp.Skip does, and
// with the same errors. Every event is framed by skipping it whole before
// it is decoded, and every record member is skipped to find the next key,
// so this sits on the hottest path: the common shapes are walked here with
// one switch per value, and anything unusual (extensions, truncation,
// nesting deeper than skipDepth) is left to msgp.Skip.
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
	c := b[0]
	var size, count int // a payload of size bytes, or count values
	switch {
	case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		return 1, true // fixint, nil, bool
	case c >= 0xa0 && c <= 0xbf: // fixstr
		n, size = 1, int(c&0x1f)
	case c >= 0x90 && c <= 0x9f: // fixarray
		n, count = 1, int(c&0x0f)
	case c >= 0x80 && c <= 0x8f: // fixmap
		n, count = 1, 2*int(c&0x0f)
	default:
		switch c {
		case 0xcc, 0xd0: // uint8, int8
			n = 2
		case 0xcd, 0xd1: // uint16, int16
			n = 3
		case 0xca, 0xce, 0xd2: // float32, uint32, int32
			n = 5
		case 0xcb, 0xcf, 0xd3: // float64, uint64, int64
			n = 9
		case 0xd9, 0xc4: // str8, bin8
			if len(b) < 2 {
				return 0, false
			}
			n, size = 2, int(b[1])
		case 0xda, 0xc5: // str16, bin16
			if len(b) < 3 {
				return 0, false
			}
			n, size = 3, int(binary.BigEndian.Uint16(b[1:]))
		case 0xdb, 0xc6: // str32, bin32
			if len(b) < 5 {
				return 0, false
			}
			n, size = 5, int(binary.BigEndian.Uint32(b[1:]))
		case 0xdc: // array16
			if len(b) < 3 {
				return 0, false
			}
			n, count = 3, int(binary.BigEndian.Uint16(b[1:]))
		case 0xde: // map16
			if len(b) < 3 {
				return 0, false
			}
			n, count = 3, 2*int(binary.BigEndian.Uint16(b[1:]))
		default: // extensions, 32-bit containers, the unused byte
			return 0, false
		}
	}
	if size > len(b)-n || n > len(b) {
		return 0, false
	}
	n += size
	if count > 0 {
		if depth >= skipDepth {
			return 0, false
		}
		for range count {
			m, ok := skipLen(b[n:], depth+1)
			if !ok {
				return 0, false
			}
			n += m
		}
	}
	return n, true
}
