package buffer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// segmentMagic opens every segment file; the last byte is the format version.
var segmentMagic = []byte("S3APSEG\x01")

// segment is one append-only file of frames.
type segment struct {
	f    *os.File
	size int64 // end of the last intact frame; the next frame goes here
}

func createSegment(path string) (*segment, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(segmentMagic); err != nil {
		f.Close()
		return nil, err
	}
	return &segment{f: f, size: int64(len(segmentMagic))}, nil
}

// Cut describes bytes removed from the end of a segment by recovery.
type Cut struct {
	Path   string
	Offset int64 // where the valid frames end
	Bytes  int64 // how many bytes followed and were removed
	Reason string
}

// openSegment opens an existing segment, checks every frame and truncates a
// torn or corrupt tail at the end of the last intact frame. A file whose
// header is damaged is an error: the caller quarantines it.
func openSegment(path string) (*segment, *Cut, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	end, reason, err := scanFrames(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("segment %s: %w", path, err)
	}
	var cut *Cut
	if end < st.Size() {
		if err := f.Truncate(end); err != nil {
			f.Close()
			return nil, nil, err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, nil, err
		}
		cut = &Cut{Path: path, Offset: end, Bytes: st.Size() - end, Reason: reason}
	}
	return &segment{f: f, size: end}, cut, nil
}

// errBadHeader means the file is not a segment at all.
var errBadHeader = errors.New("missing or unknown segment header")

// scanFrames returns the offset just past the last intact frame and, when
// the file goes on past it, why the rest was rejected.
func scanFrames(r io.ReaderAt, size int64) (end int64, reason string, err error) {
	return scanFramesAfter(r, size, segmentMagic)
}

// scanFramesAfter is scanFrames for a file of frames opened by magic (a
// segment, or the token journal).
func scanFramesAfter(r io.ReaderAt, size int64, magic []byte) (end int64, reason string, err error) {
	hdr := make([]byte, len(magic))
	if _, err := r.ReadAt(hdr, 0); err != nil || !bytes.Equal(hdr, magic) {
		return 0, "", errBadHeader
	}
	fr := newFrameReader(r, int64(len(magic)), size)
	for {
		_, _, err := fr.next()
		if err == io.EOF {
			return fr.off, "", nil
		}
		if err != nil {
			return fr.off, err.Error(), nil
		}
	}
}

func (s *segment) append(b []byte) error {
	n, err := s.f.WriteAt(b, s.size)
	s.size += int64(n)
	return err
}

func (s *segment) truncate(size int64) error {
	if err := s.f.Truncate(size); err != nil {
		return err
	}
	s.size = size
	return nil
}

// frameReader reads frames sequentially between two offsets of a segment.
type frameReader struct {
	br   *bufio.Reader
	off  int64 // offset of the next frame
	stop int64
	buf  []byte
}

func newFrameReader(r io.ReaderAt, from, to int64) *frameReader {
	return &frameReader{
		br:   bufio.NewReaderSize(io.NewSectionReader(r, from, to-from), 256<<10),
		off:  from,
		stop: to,
	}
}

// next returns the next frame's payload (valid until the following call) and
// its kind; io.EOF at the stop offset; a wrapped errTorn on damage.
func (fr *frameReader) next() (kind byte, data []byte, err error) {
	left := fr.stop - fr.off
	if left == 0 {
		return 0, nil, io.EOF
	}
	var hdr [frameHeaderSize]byte
	if left < frameHeaderSize {
		return 0, nil, fmt.Errorf("%w: %d trailing bytes", errTorn, left)
	}
	if _, err := io.ReadFull(fr.br, hdr[:]); err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errTorn, err)
	}
	n := int64(le32(hdr[0:4]))
	if n == 0 || n > maxFramePayload || n > left-frameHeaderSize {
		return 0, nil, fmt.Errorf("%w: payload length %d with %d bytes left", errTorn, n, left-frameHeaderSize)
	}
	if int64(cap(fr.buf)) < frameHeaderSize+n {
		fr.buf = make([]byte, frameHeaderSize+n)
	}
	b := fr.buf[:frameHeaderSize+n]
	copy(b, hdr[:])
	if _, err := io.ReadFull(fr.br, b[frameHeaderSize:]); err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errTorn, err)
	}
	payload, size, err := parseFrame(b)
	if err != nil {
		return 0, nil, err
	}
	fr.off += int64(size)
	return payload[0], payload[1:], nil
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
