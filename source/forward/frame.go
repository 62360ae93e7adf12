package forward

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// maxDepth bounds how deeply containers may nest in one message. The
// framer keeps one counter per open container, so without a bound a
// message of max_message_size bytes of array headers would cost eight
// times its size in counters.
const maxDepth = 1024

var errTooDeep = fmt.Errorf("msgpack nested more than %d levels deep", maxDepth)

// framer finds where one msgpack value ends in a stream that arrives in
// pieces. It resumes where the previous call stopped, so each byte is
// looked at once however the value is split across reads: msgp.Skip
// would walk the whole buffered prefix again after every read, which is
// quadratic for a large Forward-mode message arriving in small reads.
type framer struct {
	pos  int      // bytes of the value walked so far
	open []uint64 // values still to walk in each open container, innermost last
	busy bool     // a value is being walked
}

// reset makes f ready for the next value.
func (f *framer) reset() { f.pos, f.open, f.busy = 0, f.open[:0], false }

// scan goes on walking b, the bytes of the value received so far (from
// its first byte; b only grows between calls). When the value is whole it
// returns its length and done. Otherwise need is the length b must reach
// before scan can make progress: exact for a string, binary or extension
// whose header has arrived, one more byte otherwise.
func (f *framer) scan(b []byte) (n int, done bool, need int, err error) {
	if !f.busy {
		f.busy = true
		f.open = append(f.open[:0], 1)
	}
	for len(f.open) > 0 {
		top := len(f.open) - 1
		if f.open[top] == 0 {
			f.open = f.open[:top]
			continue
		}
		size, items, err := measure(b[f.pos:])
		if err != nil {
			return 0, false, 0, err
		}
		if f.pos+size > len(b) {
			return 0, false, f.pos + size, nil
		}
		f.open[top]--
		f.pos += size
		if items > 0 {
			if len(f.open) > maxDepth {
				return 0, false, 0, errTooDeep
			}
			f.open = append(f.open, items)
		}
	}
	return f.pos, true, 0, nil
}

// errInvalidByte is msgpack's one unused type byte.
var errInvalidByte = errors.New("invalid msgpack type byte 0xc1")

// measure reads the head of the msgpack value at the start of b: size is
// its length without the values a container holds (items of them). When
// b is too short to tell, size is the length needed to tell (greater than
// len(b)).
func measure(b []byte) (size int, items uint64, err error) {
	if len(b) == 0 {
		return 1, 0, nil
	}
	c := b[0]
	switch {
	case c <= 0x7f || c >= 0xe0: // positive and negative fixint
		return 1, 0, nil
	case c <= 0x8f: // fixmap
		return 1, 2 * uint64(c&0x0f), nil
	case c <= 0x9f: // fixarray
		return 1, uint64(c & 0x0f), nil
	case c <= 0xbf: // fixstr
		return 1 + int(c&0x1f), 0, nil
	}
	switch c {
	case 0xc0, 0xc2, 0xc3: // nil, false, true
		return 1, 0, nil
	case 0xc1:
		return 0, 0, errInvalidByte
	case 0xc4, 0xd9: // bin8, str8
		return sized(b, 1, 0)
	case 0xc5, 0xda: // bin16, str16
		return sized(b, 2, 0)
	case 0xc6, 0xdb: // bin32, str32
		return sized(b, 4, 0)
	case 0xc7: // ext8: length, type, data
		return sized(b, 1, 1)
	case 0xc8: // ext16
		return sized(b, 2, 1)
	case 0xc9: // ext32
		return sized(b, 4, 1)
	case 0xca: // float32
		return 5, 0, nil
	case 0xcb: // float64
		return 9, 0, nil
	case 0xcc, 0xd0: // uint8, int8
		return 2, 0, nil
	case 0xcd, 0xd1:
		return 3, 0, nil
	case 0xce, 0xd2:
		return 5, 0, nil
	case 0xcf, 0xd3:
		return 9, 0, nil
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1, 2, 4, 8, 16 (+ type byte)
		return 2 + 1<<(c-0xd4), 0, nil
	case 0xdc: // array16
		return 3, count(b, 2), nil
	case 0xdd: // array32
		return 5, count(b, 4), nil
	case 0xde: // map16
		return 3, 2 * count(b, 2), nil
	default: // 0xdf map32
		return 5, 2 * count(b, 4), nil
	}
}

// sized measures a value whose type byte is followed by a width-byte
// length, typ bytes of extension type, then that many bytes of data.
func sized(b []byte, width, typ int) (int, uint64, error) {
	head := 1 + width + typ
	if len(b) < 1+width {
		return head, 0, nil
	}
	var n uint64
	switch width {
	case 1:
		n = uint64(b[1])
	case 2:
		n = uint64(binary.BigEndian.Uint16(b[1:]))
	default:
		n = uint64(binary.BigEndian.Uint32(b[1:]))
	}
	return head + int(n), 0, nil
}

// count reads a container's width-byte item count. Until it has arrived
// the container's items are unknown: measure reports the head as not yet
// whole by its size alone, and the caller asks for more bytes.
func count(b []byte, width int) uint64 {
	switch {
	case len(b) < 1+width:
		return 0
	case width == 2:
		return uint64(binary.BigEndian.Uint16(b[1:]))
	default:
		return uint64(binary.BigEndian.Uint32(b[1:]))
	}
}
