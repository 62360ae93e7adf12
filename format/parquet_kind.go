package format

import (
	"math"
	"unicode/utf8"

	"github.com/tinylib/msgp/msgp"
)

// kindOf classifies the msgpack value at the start of b without decoding
// it: the kind of column that holds it with no loss. Extension values
// (other than as JSON text) and unsigned integers above the int64 range
// have no exact column of their own.
func kindOf(b []byte) Kind {
	switch msgp.NextType(b) {
	case msgp.StrType, msgp.BinType:
		return KindString
	case msgp.IntType:
		return KindInt
	case msgp.UintType:
		if len(b) >= 9 && b[0] == 0xcf && b[1] >= 0x80 {
			return KindDouble // above math.MaxInt64
		}
		return KindInt
	case msgp.Float32Type, msgp.Float64Type:
		return KindDouble
	case msgp.BoolType:
		return KindBool
	case msgp.NilType:
		return KindNull
	case msgp.MapType:
		return KindGroup
	case msgp.ArrayType:
		return KindList
	}
	return KindJSON
}

// widen is the narrowest kind holding values of both kinds: int and double
// widen to double, other differing scalars to string, and anything mixed
// with a group or list to JSON text.
func widen(a, b Kind) Kind {
	switch {
	case a == b:
		return a
	case a == KindNull:
		return b
	case b == KindNull:
		return a
	case a == KindJSON || b == KindJSON:
		return KindJSON
	case a == KindGroup || a == KindList || b == KindGroup || b == KindList:
		return KindJSON
	case a == KindInt && b == KindDouble, a == KindDouble && b == KindInt:
		return KindDouble
	}
	return KindString
}

// holds says whether a column of kind col takes a value of kind v as it
// is (groups and lists still need their members checked).
func holds(col, v Kind) bool {
	if v == KindNull {
		return true
	}
	switch col {
	case KindNull, KindString, KindJSON:
		return true
	case KindDouble:
		return v == KindInt || v == KindDouble
	}
	return col == v
}

// readNumber reads an int, uint or float msgpack value as float64.
func readNumber(b []byte) (float64, []byte, error) {
	switch msgp.NextType(b) {
	case msgp.IntType:
		i, rest, err := msgp.ReadInt64Bytes(b)
		return float64(i), rest, err
	case msgp.UintType:
		u, rest, err := msgp.ReadUint64Bytes(b)
		return float64(u), rest, err
	case msgp.Float32Type:
		f, rest, err := msgp.ReadFloat32Bytes(b)
		return float64(f), rest, err
	}
	return msgp.ReadFloat64Bytes(b)
}

// readInt reads an int, or a uint within the int64 range.
func readInt(b []byte) (int64, []byte, error) {
	if msgp.NextType(b) == msgp.UintType {
		u, rest, err := msgp.ReadUint64Bytes(b)
		if err == nil && u > math.MaxInt64 {
			return 0, b, msgp.UintOverflow{Value: u, FailedBitsize: 64}
		}
		return int64(u), rest, err
	}
	return msgp.ReadInt64Bytes(b)
}

// readKey reads a map key: strings and bin as they are; other scalars, and
// names that are not UTF-8 (which a Parquet footer cannot carry), are
// reported with ok false: they have no column, their members go to
// _extra.
func readKey(b []byte) (key, rest []byte, ok bool, err error) {
	switch msgp.NextType(b) {
	case msgp.StrType:
		key, rest, err = msgp.ReadStringZC(b)
		return key, rest, err == nil && utf8.Valid(key), err
	case msgp.BinType:
		key, rest, err = msgp.ReadBytesZC(b)
		return key, rest, err == nil && utf8.Valid(key), err
	}
	rest, err = skip(b)
	return nil, rest, false, err
}
