package buffer

import (
	"bytes"
	"testing"
)

// FuzzScanFrames: whatever bytes follow a run of intact frames, recovery
// never panics and never loses one of the intact frames.
func FuzzScanFrames(f *testing.F) {
	f.Add([]byte{}, []byte("a"), []byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte("hello"), []byte("world"), []byte{5, 0, 0, 0, 1, 2})
	f.Fuzz(func(t *testing.T, a, b, tail []byte) {
		seg := append([]byte(nil), segmentMagic...)
		var ends []int64
		for _, p := range [][]byte{a, b} {
			seg = appendFrame(seg, KindEvents, p)
			ends = append(ends, int64(len(seg)))
		}
		seg = append(seg, tail...)
		end, _, err := scanFrames(bytes.NewReader(seg), int64(len(seg)))
		if err != nil {
			t.Fatal(err)
		}
		if end < ends[1] {
			t.Fatalf("intact frames lost: end %d < %d", end, ends[1])
		}
		// Whatever recovery kept must read back frame by frame.
		fr := newFrameReader(bytes.NewReader(seg), int64(len(segmentMagic)), end)
		n := 0
		for {
			_, _, err := fr.next()
			if err != nil {
				break
			}
			n++
		}
		if fr.off != end || n < 2 {
			t.Fatalf("re-read stopped at %d of %d after %d frames", fr.off, end, n)
		}
	})
}

// FuzzFlippedByte: a flipped byte inside a frame cuts the segment at that
// frame, never before it.
func FuzzFlippedByte(f *testing.F) {
	f.Add([]byte("abc"), []byte("defgh"), uint16(3), byte(1))
	f.Fuzz(func(t *testing.T, a, b []byte, pos uint16, flip byte) {
		if flip == 0 {
			return
		}
		seg := appendFrame(append([]byte(nil), segmentMagic...), KindEvents, a)
		firstEnd := int64(len(seg))
		seg = appendFrame(seg, KindEvents, b)
		at := int64(len(segmentMagic)) + int64(pos)%(int64(len(seg))-int64(len(segmentMagic)))
		seg[at] ^= flip
		end, _, err := scanFrames(bytes.NewReader(seg), int64(len(seg)))
		if err != nil {
			t.Fatal(err)
		}
		if at >= firstEnd && end < firstEnd {
			t.Fatalf("flip at %d (second frame) lost the first frame: end %d", at, end)
		}
		if at < firstEnd && end != int64(len(segmentMagic)) {
			t.Fatalf("flip at %d inside the first frame was not caught: end %d", at, end)
		}
	})
}
