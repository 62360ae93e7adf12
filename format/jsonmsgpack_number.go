package format

import (
	"math"
	"strconv"

	"github.com/tinylib/msgp/msgp"
)

// number transcodes the number at i: an integer (no fraction, no
// exponent) that fits int64 as an int, one that fits uint64 as a uint,
// anything else as a float64. A number beyond float64's range is an
// error, as it is for encoding/json: there is no value to keep.
func (t *jsonTranscoder) number(dst []byte, i int) ([]byte, int, error) {
	src := t.src
	start := i
	neg := src[i] == '-'
	if neg {
		i++
	}
	digits := i
	switch {
	case i < len(src) && src[i] == '0':
		i++
	case i < len(src) && src[i] >= '1' && src[i] <= '9':
		i = skipDigits(src, i+1)
	default:
		return dst, i, t.fail(i, "found %s where a number's digits should be", t.foundAt(i))
	}
	intEnd := i
	if i < len(src) && src[i] == '.' {
		if i = skipDigits(src, i+1); i == intEnd+1 {
			return dst, i, t.fail(i, "found %s where digits should follow a decimal point", t.foundAt(i))
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		exp := i
		if i = skipDigits(src, i); i == exp {
			return dst, i, t.fail(i, "found %s where an exponent's digits should be", t.foundAt(i))
		}
	}
	if i == intEnd {
		if u, ok := parseUint(src[digits:intEnd]); ok {
			switch {
			case !neg && u <= math.MaxInt64:
				return msgp.AppendInt64(dst, int64(u)), i, nil
			case !neg:
				return msgp.AppendUint64(dst, u), i, nil
			case u <= 1<<63:
				return msgp.AppendInt64(dst, int64(-u)), i, nil
			}
		}
	}
	// string(...) of a slice that does not escape is not copied to the heap.
	f, err := strconv.ParseFloat(string(src[start:i]), 64)
	if err != nil {
		return dst, start, t.fail(start, "number %s is beyond the range of a float64", src[start:i])
	}
	return msgp.AppendFloat64(dst, f), i, nil
}

func skipDigits(src []byte, i int) int {
	for i < len(src) && src[i] >= '0' && src[i] <= '9' {
		i++
	}
	return i
}

// parseUint reads decimal digits; ok is false past uint64.
func parseUint(d []byte) (u uint64, ok bool) {
	if len(d) > 20 {
		return 0, false
	}
	for _, c := range d {
		v := uint64(c - '0')
		if u > (math.MaxUint64-v)/10 {
			return 0, false
		}
		u = u*10 + v
	}
	return u, true
}
