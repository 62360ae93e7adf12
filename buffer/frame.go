package buffer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// A frame is the unit of durability: one flush's records for one object.
//
//	u32 little-endian payload length | u32 little-endian CRC32C(payload) | payload
//
// The payload's first byte is its kind, so a frame is never empty: a run of
// zero bytes (what a file system may leave after power loss) can never pass
// for a valid frame, because an empty payload is rejected.
const frameHeaderSize = 8

// maxFramePayload bounds what one frame may claim, so a corrupt length field
// is recognised as damage instead of being trusted.
const maxFramePayload = 1 << 30

// Frame kinds.
const (
	// KindEvents: the rest of the payload is Fluent Bit msgpack events, exactly
	// as they arrived in the chunk.
	KindEvents byte = 1
	// KindHeader: the first frame of a segment, a JSON copy of the object's
	// manifest as created (key, route, encoding), so a segment whose
	// manifest is lost can still be finished under its key.
	KindHeader byte = 2
	// KindDeadLetter: the rest of the payload is JSON lines describing
	// records that could not be read or encoded, uploaded as they are.
	KindDeadLetter byte = 3
	// KindEventsOnce: events of a batch handed over with a token
	// (FlushOnce): the data is the token header (uvarint length, token
	// bytes) followed by the events exactly as kind 1 carries them. The
	// token lets recovery drop the frames of a batch whose commit never
	// reached the token journal (see tokens.go).
	KindEventsOnce byte = 4
	// KindDeadLetterOnce: dead-letter lines written by the same handing
	// over, with the same token header, so they are dropped together with
	// the batch's events when its token is void.
	KindDeadLetterOnce byte = 5
)

// MaxTokenLength bounds a token, so that a token header is small next to
// the records it names and a journal entry is never large.
const MaxTokenLength = 1024

// appendTokenHeader appends the token header of a kind 4 or 5 frame.
func appendTokenHeader(dst []byte, token string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(token)))
	return append(dst, token...)
}

// tokenHeaderSize is the size of the token header of token.
func tokenHeaderSize(token string) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], uint64(len(token))) + len(token)
}

// TokenOf splits the data of a kind 4 or 5 frame into its token and the
// rest. ok is false for other kinds and for a header that does not parse
// (which a checksummed frame written by this package never has).
func TokenOf(kind byte, data []byte) (token, rest []byte, ok bool) {
	if kind != KindEventsOnce && kind != KindDeadLetterOnce {
		return nil, nil, false
	}
	n, w := binary.Uvarint(data)
	if w <= 0 || n > uint64(len(data)-w) {
		return nil, nil, false
	}
	return data[w : w+int(n)], data[w+int(n):], true
}

// EventsOf returns the msgpack events a frame carries: the data of a kind
// 1 frame, the data after the token header of a kind 4 frame. Every reader
// of events goes through it, so a batch handed over with a token reads as
// any other.
func EventsOf(kind byte, data []byte) ([]byte, bool) {
	switch kind {
	case KindEvents:
		return data, true
	case KindEventsOnce:
		_, rest, ok := TokenOf(kind, data)
		return rest, ok
	}
	return nil, false
}

// DeadLettersOf returns the dead-letter lines a frame carries (kinds 3
// and 5), as EventsOf does for events.
func DeadLettersOf(kind byte, data []byte) ([]byte, bool) {
	switch kind {
	case KindDeadLetter:
		return data, true
	case KindDeadLetterOnce:
		_, rest, ok := TokenOf(kind, data)
		return rest, ok
	}
	return nil, false
}

// OnceKind is the kind of the frame that carries a frame of kind (1 or 3)
// for a batch handed over with a token.
func OnceKind(kind byte) byte {
	if kind == KindDeadLetter {
		return KindDeadLetterOnce
	}
	return KindEventsOnce
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendFrame appends a frame holding kind followed by data to dst.
func appendFrame(dst []byte, kind byte, data []byte) []byte {
	return append(appendFrameHeader(dst, kind, data), data...)
}

// appendFrameHeader appends the header and kind byte of the frame holding
// kind followed by data; the data itself is not copied.
func appendFrameHeader(dst []byte, kind byte, data []byte) []byte {
	crc := crc32.Update(crc32.Update(0, castagnoli, []byte{kind}), castagnoli, data)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(1+len(data)))
	dst = binary.LittleEndian.AppendUint32(dst, crc)
	return append(dst, kind)
}

// FrameSize is the number of bytes a frame of len(data) bytes of data takes.
func FrameSize(dataLen int) int64 { return int64(frameHeaderSize + 1 + dataLen) }

// FrameSizeOnce is FrameSize for a frame that carries token (kinds 4, 5).
func FrameSizeOnce(token string, dataLen int) int64 {
	return FrameSize(tokenHeaderSize(token) + dataLen)
}

// errTorn marks the end of the valid frames of a segment.
var errTorn = errors.New("torn or corrupt frame")

// parseFrame reads the frame at the start of b. It returns the payload (kind
// byte included) and the frame's total size, or errTorn when b does not start
// with a complete, intact frame.
func parseFrame(b []byte) (payload []byte, size int, err error) {
	if len(b) < frameHeaderSize {
		return nil, 0, fmt.Errorf("%w: %d header bytes of %d", errTorn, len(b), frameHeaderSize)
	}
	n := binary.LittleEndian.Uint32(b[0:4])
	if n == 0 || n > maxFramePayload {
		return nil, 0, fmt.Errorf("%w: payload length %d", errTorn, n)
	}
	if uint64(len(b)-frameHeaderSize) < uint64(n) {
		return nil, 0, fmt.Errorf("%w: payload of %d bytes cut at %d", errTorn, n, len(b)-frameHeaderSize)
	}
	payload = b[frameHeaderSize : frameHeaderSize+int(n)]
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(b[4:8]) {
		return nil, 0, fmt.Errorf("%w: checksum mismatch", errTorn)
	}
	return payload, frameHeaderSize + int(n), nil
}
