package e2e

import (
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"io"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// A client side of the forward protocol written from its specification,
// for the modes fluent-logger-golang does not send.

// forwardMode encodes one message of a mode, numbering its records from
// *seq, with option chunk set so the server acks it.
type forwardMode struct {
	name   string
	encode func(tag string, seq *int, chunk string) []byte
}

// appendEntry appends [time, {"seq": n, "mode": ...}] with an EventTime
// (ext 0) or an integer time.
func appendEntry(b []byte, seq int, mode string, eventTime bool) []byte {
	b = msgp.AppendArrayHeader(b, 2)
	now := time.Now()
	if eventTime {
		b = append(b, 0xd7, 0x00, byte(now.Unix()>>24), byte(now.Unix()>>16), byte(now.Unix()>>8), byte(now.Unix()),
			byte(now.Nanosecond()>>24), byte(now.Nanosecond()>>16), byte(now.Nanosecond()>>8), byte(now.Nanosecond()))
	} else {
		b = msgp.AppendInt64(b, now.Unix())
	}
	return appendRecord(b, seq, mode)
}

func appendRecord(b []byte, seq int, mode string) []byte {
	b = msgp.AppendMapHeader(b, 3)
	b = msgp.AppendString(b, "seq")
	b = msgp.AppendInt(b, seq)
	b = msgp.AppendString(b, "mode")
	b = msgp.AppendString(b, mode)
	b = msgp.AppendString(b, "msg")
	return msgp.AppendString(b, "written from the forward protocol's specification")
}

func appendOption(b []byte, chunk string, size int, compressed bool) []byte {
	n := uint32(1)
	if size > 0 {
		n++
	}
	if compressed {
		n++
	}
	b = msgp.AppendMapHeader(b, n)
	b = msgp.AppendString(b, "chunk")
	b = msgp.AppendString(b, chunk)
	if size > 0 {
		b = msgp.AppendString(b, "size")
		b = msgp.AppendInt(b, size)
	}
	if compressed {
		b = msgp.AppendString(b, "compressed")
		b = msgp.AppendString(b, "gzip")
	}
	return b
}

const recordsPerMode = 500

var forwardModes = []forwardMode{
	{"message", func(tag string, seq *int, chunk string) []byte {
		// Message mode carries one record per message.
		b := msgp.AppendArrayHeader(nil, 4)
		b = msgp.AppendString(b, tag)
		b = append(b, 0xd7, 0x00, 0, 0, 0, 0, 0, 0, 0, 0)
		now := uint32(time.Now().Unix())
		b[len(b)-8], b[len(b)-7], b[len(b)-6], b[len(b)-5] = byte(now>>24), byte(now>>16), byte(now>>8), byte(now)
		b = appendRecord(b, *seq, "message")
		*seq++
		return appendOption(b, chunk, 0, false)
	}},
	{"forward", func(tag string, seq *int, chunk string) []byte {
		b := msgp.AppendArrayHeader(nil, 3)
		b = msgp.AppendString(b, tag)
		b = msgp.AppendArrayHeader(b, recordsPerMode)
		for i := 0; i < recordsPerMode; i++ {
			b = appendEntry(b, *seq, "forward", false) // integer times
			*seq++
		}
		return appendOption(b, chunk, 0, false)
	}},
	{"packed", func(tag string, seq *int, chunk string) []byte {
		var entries []byte
		for i := 0; i < recordsPerMode; i++ {
			entries = appendEntry(entries, *seq, "packed", true)
			*seq++
		}
		b := msgp.AppendArrayHeader(nil, 3)
		b = msgp.AppendString(b, tag)
		b = msgp.AppendBytes(b, entries)
		return appendOption(b, chunk, recordsPerMode, false)
	}},
	{"fluent-bit", func(tag string, seq *int, chunk string) []byte {
		return fluentBitForward(tag, seq, chunk)
	}},
	{"compressed", func(tag string, seq *int, chunk string) []byte {
		// Two gzip members back to back, as a sender that compresses each
		// appended batch on its own writes them.
		var z bytes.Buffer
		for m := 0; m < 2; m++ {
			var entries []byte
			for i := 0; i < recordsPerMode/2; i++ {
				entries = appendEntry(entries, *seq, "compressed", true)
				*seq++
			}
			zw := gzip.NewWriter(&z)
			zw.Write(entries)
			zw.Close()
		}
		b := msgp.AppendArrayHeader(nil, 3)
		b = msgp.AppendString(b, tag)
		b = msgp.AppendBytes(b, z.Bytes())
		return appendOption(b, chunk, recordsPerMode, true)
	}},
}

// fluentBitForward is a CompressedPackedForward message as Fluent Bit's
// forward output sends it with Compress gzip and Require_ack_response:
// the chunk's events transcoded to [EventTime, record], gzipped as one
// member, and the options chunk (an id of Fluent Bit's form: see
// fluentBitChunkID), size, compressed and fluent_signal 0 (logs).
func fluentBitForward(tag string, seq *int, chunk string) []byte {
	var entries []byte
	for i := 0; i < recordsPerMode; i++ {
		entries = appendEntry(entries, *seq, "fluent-bit", true)
		*seq++
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(entries)
	zw.Close()
	b := msgp.AppendArrayHeader(nil, 3)
	b = msgp.AppendString(b, tag)
	b = msgp.AppendBytes(b, z.Bytes())
	b = msgp.AppendMapHeader(b, 4)
	b = msgp.AppendString(b, "chunk")
	b = msgp.AppendString(b, chunk)
	b = msgp.AppendString(b, "size")
	b = msgp.AppendInt64(b, recordsPerMode)
	b = msgp.AppendString(b, "compressed")
	b = msgp.AppendString(b, "gzip")
	b = msgp.AppendString(b, "fluent_signal")
	return msgp.AppendInt64(b, 0)
}

// fluentBitChunkID is the chunk option Fluent Bit's forward output sends:
// base64 of the first 16 bytes of the SHA-512 of the payload.
func fluentBitChunkID(payload []byte) string {
	sum := sha512.Sum512(payload)
	return base64.StdEncoding.EncodeToString(sum[:16])
}

// readAck reads the server's {"ack": chunk}.
func readAck(r io.Reader, chunk string) error {
	mr, ok := r.(*msgp.Reader)
	if !ok {
		mr = msgp.NewReader(r)
	}
	m := map[string]any{}
	if err := mr.ReadMapStrIntf(m); err != nil {
		return fmt.Errorf("reading the ack: %w", err)
	}
	if m["ack"] != chunk {
		return fmt.Errorf("ack %v, want %q", m, chunk)
	}
	return nil
}
