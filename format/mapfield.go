package format

import "github.com/tinylib/msgp/msgp"

// MapField returns the raw msgpack value of the first member of the map m
// whose key is the string (or bin) key; ok is false when m is not a
// well-formed map or has no such member. The value aliases m. Sources use
// it to read a record's time field after transcoding: one walk of the
// top level, each other value skipped by its length.
func MapField(m []byte, key string) (value []byte, ok bool) {
	n, b, err := msgp.ReadMapHeaderBytes(m)
	if err != nil {
		return nil, false
	}
	for range n {
		var k []byte
		isString := true
		switch msgp.NextType(b) {
		case msgp.StrType:
			k, b, err = msgp.ReadStringZC(b)
		case msgp.BinType:
			k, b, err = msgp.ReadBytesZC(b)
		default:
			isString = false
			b, err = skip(b)
		}
		if err != nil {
			return nil, false
		}
		rest, err := skip(b)
		if err != nil {
			return nil, false
		}
		if isString && string(k) == key {
			return b[: len(b)-len(rest) : len(b)-len(rest)], true
		}
		b = rest
	}
	return nil, false
}
