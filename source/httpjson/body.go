package httpjson

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/source"
)

// badLine is why a body was refused: the first record that could not be
// read. Line counts lines from 1 in a stream of objects (NDJSON), and
// elements from 0 in an array; Offset is the byte offset of the fault in
// the decompressed body.
type badLine struct {
	Line   int
	Offset int
	Reason string
}

// appendBody transcodes a request body to events [time, record] appended
// to dst, one per JSON object, and returns them with their count. A body
// whose first byte (after whitespace and a byte order mark) is '[' is one
// array of objects; any other body is a stream of objects separated by
// whitespace, which is NDJSON and also takes an object spread over lines.
// The first thing that is not an object stops it all: the batch is taken
// whole or not at all.
func appendBody(dst, body []byte, arrival time.Time, tk timeKey) ([]byte, int, *badLine) {
	i := skipSpace(body, 0)
	if bytes.HasPrefix(body[i:], []byte("\xef\xbb\xbf")) {
		i = skipSpace(body, i+3)
	}
	if i < len(body) && body[i] == '[' {
		return appendArray(dst, body, i, arrival, tk)
	}
	records := 0
	for {
		if i = skipSpace(body, i); i == len(body) {
			return dst, records, nil
		}
		var bad *badLine
		if dst, i, bad = appendRecord(dst, body, i, arrival, tk); bad != nil {
			bad.Line = 1 + bytes.Count(body[:bad.Offset], []byte{'\n'})
			return dst, records, bad
		}
		records++
	}
}

// appendArray reads the array of objects whose '[' is at i.
func appendArray(dst, body []byte, i int, arrival time.Time, tk timeKey) ([]byte, int, *badLine) {
	records := 0
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == ']' {
		i++
	} else {
		for {
			var bad *badLine
			if dst, i, bad = appendRecord(dst, body, skipSpace(body, i), arrival, tk); bad != nil {
				bad.Line = records
				bad.Reason = fmt.Sprintf("element %d of the array (counting from 0): %s", records, bad.Reason)
				return dst, records, bad
			}
			records++
			i = skipSpace(body, i)
			if i < len(body) && body[i] == ',' {
				i++
				continue
			}
			if i < len(body) && body[i] == ']' {
				i++
				break
			}
			return dst, records, &badLine{Line: records, Offset: i,
				Reason: fmt.Sprintf("after element %d of the array: want ',' or ']'", records-1)}
		}
	}
	if i = skipSpace(body, i); i != len(body) {
		return dst, records, &badLine{Line: records, Offset: i, Reason: "data after the closing ']' of the array"}
	}
	return dst, records, nil
}

// appendRecord appends the event of the object at i and returns the
// offset after it; on a bad record dst is returned as it was given.
func appendRecord(dst, body []byte, i int, arrival time.Time, tk timeKey) ([]byte, int, *badLine) {
	if i >= len(body) {
		return dst, i, &badLine{Offset: i, Reason: "the body ends where a record should start"}
	}
	if body[i] != '{' {
		return dst, i, &badLine{Offset: i, Reason: fmt.Sprintf("a record must be a JSON object; found %q", body[i])}
	}
	head := len(dst)
	out := source.AppendEventHead(dst, arrival)
	rec := len(out)
	out, n, err := format.AppendJSONAsMsgpack(out, body[i:])
	if err != nil {
		var je *format.JSONInputError
		if errors.As(err, &je) {
			return dst, i, &badLine{Offset: i + je.Offset, Reason: je.Reason}
		}
		return dst, i, &badLine{Offset: i, Reason: err.Error()}
	}
	if tk.key != "" {
		if v, ok := format.MapField(out[rec:], tk.key); ok {
			if t, ok := tk.parse(v); ok {
				// The head has a fixed size: write the record's own time over
				// the arrival time in place.
				source.AppendEventHead(out[head:head], t)
			}
		}
	}
	return out, i + n, nil
}

// skipSpace returns the offset of the first byte at or after i that is
// not JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}
