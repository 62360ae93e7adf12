package out_s3append

import (
	"strconv"

	"github.com/tinylib/msgp/msgp"
)

// Record fields in keys are read straight from the record's msgpack bytes:
// no map is built, and keys that do not match are skipped over.

// lookupField returns the msgpack bytes starting with the value at path in
// record (a map), or nil when a step is missing or not a map. With
// duplicate keys the first one wins.
func lookupField(record []byte, path []string) []byte {
	b := record
	for _, name := range path {
		n, rest, err := msgp.ReadMapHeaderBytes(b)
		if err != nil {
			return nil
		}
		b = rest
		found := false
		for i := uint32(0); i < n; i++ {
			k, rest, err := msgp.ReadMapKeyZC(b)
			if err != nil {
				return nil
			}
			if string(k) == name {
				b, found = rest, true
				break
			}
			if b, err = msgp.Skip(rest); err != nil {
				return nil
			}
		}
		if !found {
			return nil
		}
	}
	return b
}

// appendFieldValue appends the value v (msgpack, nil when missing) as it
// stands in a key: strings sanitised, numbers and booleans as text; nil,
// maps, arrays, extensions and anything unreadable as missing.
func appendFieldValue(dst, v []byte, missing string) ([]byte, bool) {
	if v == nil {
		return append(dst, missing...), false
	}
	switch msgp.NextType(v) {
	case msgp.StrType:
		if s, _, err := msgp.ReadStringZC(v); err == nil {
			return appendSegmentValue(dst, msgp.UnsafeString(s), missing)
		}
	case msgp.BinType:
		if s, _, err := msgp.ReadBytesZC(v); err == nil {
			return appendSegmentValue(dst, msgp.UnsafeString(s), missing)
		}
	case msgp.IntType:
		if n, _, err := msgp.ReadInt64Bytes(v); err == nil {
			return strconv.AppendInt(dst, n, 10), false
		}
	case msgp.UintType:
		if n, _, err := msgp.ReadUint64Bytes(v); err == nil {
			return strconv.AppendUint(dst, n, 10), false
		}
	case msgp.Float64Type:
		if f, _, err := msgp.ReadFloat64Bytes(v); err == nil {
			return strconv.AppendFloat(dst, f, 'g', -1, 64), false
		}
	case msgp.Float32Type:
		if f, _, err := msgp.ReadFloat32Bytes(v); err == nil {
			return strconv.AppendFloat(dst, float64(f), 'g', -1, 32), false
		}
	case msgp.BoolType:
		if b, _, err := msgp.ReadBoolBytes(v); err == nil {
			return strconv.AppendBool(dst, b), false
		}
	}
	return append(dst, missing...), false
}
