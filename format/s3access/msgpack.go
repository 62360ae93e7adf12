package s3access

import "github.com/tinylib/msgp/msgp"

// appendStrHeader appends the msgpack header of a string of n bytes, for
// values whose bytes are appended after it as they are unescaped.
func appendStrHeader(dst []byte, n int) []byte {
	switch {
	case n < 32:
		return append(dst, 0xa0|byte(n))
	case n < 1<<8:
		return append(dst, 0xd9, byte(n))
	case n < 1<<16:
		return append(dst, 0xda, byte(n>>8), byte(n))
	}
	return append(dst, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// appendValue appends a string value, or nil for S3's "-".
func appendValue(dst, v []byte) []byte {
	if len(v) == 1 && v[0] == '-' {
		return msgp.AppendNil(dst)
	}
	return msgp.AppendStringFromBytes(dst, v)
}

// beginMap appends a map16 header whose count setCount fills in when the
// record is complete: the count depends on whether the line has extra
// fields, known only at its end.
func beginMap(dst []byte) []byte { return append(dst, 0xde, 0, 0) }

func setCount(rec []byte, n int) {
	rec[1], rec[2] = byte(n>>8), byte(n)
}
