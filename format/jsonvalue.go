package format

import (
	"bytes"
	"fmt"
	"math"
	"strconv"

	"github.com/tinylib/msgp/msgp"
)

// appendValue transcodes the msgpack value at the start of b to JSON and
// returns the rest of b. depth is the nesting level of the value.
func (e *JSONEncoder) appendValue(dst, b []byte, depth int) ([]byte, []byte, error) {
	var err error
	at := b
	switch msgp.NextType(b) {
	case msgp.StrType:
		var s []byte
		if s, b, err = msgp.ReadStringZC(b); err == nil {
			dst = appendJSONString(dst, s, &e.invalidUTF8)
		}
	case msgp.BinType:
		var s []byte
		if s, b, err = msgp.ReadBytesZC(b); err == nil {
			dst = appendJSONString(dst, s, &e.invalidUTF8)
		}
	case msgp.IntType:
		var i int64
		if i, b, err = msgp.ReadInt64Bytes(b); err == nil {
			dst = strconv.AppendInt(dst, i, 10)
		}
	case msgp.UintType:
		var u uint64
		if u, b, err = msgp.ReadUint64Bytes(b); err == nil {
			dst = strconv.AppendUint(dst, u, 10)
		}
	case msgp.Float64Type:
		var f float64
		if f, b, err = msgp.ReadFloat64Bytes(b); err == nil {
			dst = appendFloat(dst, f, 64)
		}
	case msgp.Float32Type:
		var f float32
		if f, b, err = msgp.ReadFloat32Bytes(b); err == nil {
			dst = appendFloat(dst, float64(f), 32)
		}
	case msgp.BoolType:
		var v bool
		if v, b, err = msgp.ReadBoolBytes(b); err == nil {
			dst = strconv.AppendBool(dst, v)
		}
	case msgp.NilType:
		if b, err = msgp.ReadNilBytes(b); err == nil {
			dst = append(dst, "null"...)
		}
	case msgp.ExtensionType, msgp.TimeType, msgp.Complex64Type, msgp.Complex128Type:
		if b, err = skip(b); err == nil {
			if sec, nsec, ok := eventTimeOf(at); ok {
				dst = appendSeconds(dst, int64(sec), int32(min(nsec, 1e9-1)))
			} else {
				dst = append(dst, "null"...)
			}
		}
	case msgp.MapType:
		if depth > maxNesting {
			return dst, at, e.tooDeep(at)
		}
		var n uint32
		if n, b, err = msgp.ReadMapHeaderBytes(b); err == nil {
			dst = append(dst, '{')
			if dst, b, err = e.appendMapBody(dst, b, n, depth, nil, false); err != nil {
				return dst, b, err
			}
			dst = append(dst, '}')
		}
	case msgp.ArrayType:
		if depth > maxNesting {
			return dst, at, e.tooDeep(at)
		}
		var n uint32
		if n, b, err = msgp.ReadArrayHeaderBytes(b); err == nil {
			dst = append(dst, '[')
			for i := uint32(0); i < n; i++ {
				if i > 0 {
					dst = append(dst, ',')
				}
				if dst, b, err = e.appendValue(dst, b, depth+1); err != nil {
					return dst, b, err
				}
			}
			dst = append(dst, ']')
		}
	default:
		if len(b) == 0 {
			err = msgp.ErrShortBytes
		} else {
			err = msgp.InvalidPrefixError(b[0])
		}
	}
	if err != nil {
		return dst, at, e.malformed(at, err)
	}
	return dst, b, nil
}

// appendMapBody writes n key/value pairs of the map whose entries start at
// b, without the braces. A key whose string form equals omit is left out
// with its value; wrote says whether a member precedes the first one.
func (e *JSONEncoder) appendMapBody(dst, b []byte, n uint32, depth int, omit []byte, wrote bool) ([]byte, []byte, error) {
	var err error
	for i := uint32(0); i < n; i++ {
		memberStart := len(dst)
		if wrote {
			dst = append(dst, ',')
		}
		at := b
		var key []byte
		switch msgp.NextType(b) {
		case msgp.StrType:
			key, b, err = msgp.ReadStringZC(b)
		case msgp.BinType:
			key, b, err = msgp.ReadBytesZC(b)
		case msgp.MapType, msgp.ArrayType:
			// Written as a string, a composite key would be escaped once
			// more at every level of keys within keys: output exponential
			// in the depth of the input. Fluent Bit never produces one.
			return dst, at, e.malformed(at, fmt.Errorf("map key is a msgpack %s; keys must be strings or scalars", msgp.NextType(b)))
		default:
			// JSON keys are strings: write the scalar key's JSON text as one.
			keyStart := len(dst)
			if dst, b, err = e.appendValue(dst, b, depth+1); err != nil {
				return dst, b, err
			}
			e.scratch = append(e.scratch[:0], dst[keyStart:]...)
			dst = dst[:keyStart]
			key = e.scratch
		}
		if err != nil {
			return dst, at, e.malformed(at, err)
		}
		if omit != nil && bytes.Equal(key, omit) {
			dst = dst[:memberStart]
			at = b
			if b, err = skip(b); err != nil {
				return dst, at, e.malformed(at, err)
			}
			continue
		}
		dst = appendJSONString(dst, key, &e.invalidUTF8)
		dst = append(dst, ':')
		if dst, b, err = e.appendValue(dst, b, depth+1); err != nil {
			return dst, b, err
		}
		wrote = true
	}
	return dst, b, nil
}

func (e *JSONEncoder) tooDeep(at []byte) error {
	return fmt.Errorf("%w: more than %d levels at byte %d", ErrTooDeep, maxNesting, e.offset(at))
}

// appendFloat writes f in the shortest form that reads back to the same
// value, as encoding/json does, but keeps a ".0" on whole numbers so the
// value stays a float for readers that infer types (Fluent Bit does the
// same). NaN and infinities have no JSON form and become null.
func appendFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) ||
			bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		// Shorten "e-07" to "e-7", as encoding/json does.
		if n := len(dst); n-start >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
		return dst
	}
	if bytes.IndexByte(dst[start:], '.') < 0 {
		dst = append(dst, '.', '0')
	}
	return dst
}
