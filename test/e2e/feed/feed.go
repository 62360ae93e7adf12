// Package feed writes and reads the feed files flbhost consumes, and
// parses the ack file it writes.
//
// A feed is a sequence of entries, each
//
//	u32 little-endian tag length | tag | u32 little-endian chunk length | chunk
//
// where chunk is a Fluent Bit msgpack chunk (concatenated events). Entries
// are numbered 0, 1, 2... in feed order; acks refer to them by that number.
package feed

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits enforced by flbhost; a feed that exceeds them is rejected.
const (
	MaxTagLen   = 65535
	MaxChunkLen = 1 << 30
)

// Writer appends entries to a feed.
type Writer struct {
	w    io.Writer
	next uint64
}

// NewWriter returns a Writer whose first entry gets sequence number 0.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w}
}

// Next is the sequence number the next Write will get.
func (w *Writer) Next() uint64 {
	return w.next
}

// Write appends one entry. The entry's sequence number is the value of Next
// before the call; after an error the feed is unusable.
func (w *Writer) Write(tag string, chunk []byte) error {
	if err := checkEntry(w.next, tag, len(chunk)); err != nil {
		return err
	}
	// Header and tag in one write, so a reader on a pipe sees whole
	// headers as early as possible.
	head := make([]byte, 0, 8+len(tag))
	head = binary.LittleEndian.AppendUint32(head, uint32(len(tag)))
	head = append(head, tag...)
	head = binary.LittleEndian.AppendUint32(head, uint32(len(chunk)))
	if _, err := w.w.Write(head); err != nil {
		return fmt.Errorf("feed: entry %d header: %w", w.next, err)
	}
	if _, err := w.w.Write(chunk); err != nil {
		return fmt.Errorf("feed: entry %d chunk: %w", w.next, err)
	}
	w.next++
	return nil
}

func checkEntry(seq uint64, tag string, chunkLen int) error {
	if len(tag) > MaxTagLen {
		return fmt.Errorf("feed: entry %d: tag is %d bytes, over the limit of %d", seq, len(tag), MaxTagLen)
	}
	if strings.IndexByte(tag, 0) >= 0 {
		return fmt.Errorf("feed: entry %d: tag %q contains a NUL byte", seq, tag)
	}
	if chunkLen > MaxChunkLen {
		return fmt.Errorf("feed: entry %d: chunk is %d bytes, over the limit of %d", seq, chunkLen, MaxChunkLen)
	}
	return nil
}

// Entry is one decoded feed entry.
type Entry struct {
	Seq   uint64
	Tag   string
	Chunk []byte
}

// ReadAll decodes a whole feed, checking the same limits as flbhost. A feed
// that ends inside an entry is an error naming the entry and byte offset.
func ReadAll(r io.Reader) ([]Entry, error) {
	var (
		entries []Entry
		offset  int64
		lenBuf  [4]byte
	)
	readField := func(buf []byte, seq uint64, what string) error {
		n, err := io.ReadFull(r, buf)
		offset += int64(n)
		if errors.Is(err, io.ErrUnexpectedEOF) || (errors.Is(err, io.EOF) && len(buf) > 0) {
			return fmt.Errorf("feed: truncated: entry %d ends inside its %s at byte offset %d", seq, what, offset)
		}
		if err != nil {
			return fmt.Errorf("feed: entry %d %s: %w", seq, what, err)
		}
		return nil
	}
	for seq := uint64(0); ; seq++ {
		n, err := io.ReadFull(r, lenBuf[:])
		if err == io.EOF {
			return entries, nil
		}
		offset += int64(n)
		if err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("feed: truncated: entry %d ends inside its tag length at byte offset %d", seq, offset)
		}
		if err != nil {
			return nil, fmt.Errorf("feed: entry %d tag length: %w", seq, err)
		}
		tagLen := binary.LittleEndian.Uint32(lenBuf[:])
		if tagLen > MaxTagLen {
			return nil, fmt.Errorf("feed: entry %d at byte offset %d: tag length %d over the limit of %d", seq, offset-4, tagLen, MaxTagLen)
		}
		tag := make([]byte, tagLen)
		if err := readField(tag, seq, "tag"); err != nil {
			return nil, err
		}
		if err := readField(lenBuf[:], seq, "chunk length"); err != nil {
			return nil, err
		}
		chunkLen := binary.LittleEndian.Uint32(lenBuf[:])
		if chunkLen > MaxChunkLen {
			return nil, fmt.Errorf("feed: entry %d at byte offset %d: chunk length %d over the limit of %d", seq, offset-4, chunkLen, MaxChunkLen)
		}
		chunk := make([]byte, chunkLen)
		if err := readField(chunk, seq, "chunk"); err != nil {
			return nil, err
		}
		if err := checkEntry(seq, string(tag), len(chunk)); err != nil {
			return nil, err
		}
		entries = append(entries, Entry{Seq: seq, Tag: string(tag), Chunk: chunk})
	}
}
