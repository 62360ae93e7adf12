package buffer

import (
	"bytes"
	"os"
	"path/filepath"
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

// FuzzRecovery damages a whole object directory as a crash or a bad disk
// might: the segment cut anywhere past its header frame, a byte flipped in
// its frames, the manifest truncated or flipped. Open never fails or
// panics, and every frame wholly before the damage comes back.
func FuzzRecovery(f *testing.F) {
	f.Add(uint16(0), uint16(0), byte(0), uint16(0), byte(0), uint16(0))
	f.Add(uint16(7), uint16(3), byte(0xff), uint16(5), byte(1), uint16(2))
	f.Fuzz(func(t *testing.T, segCut, flipAt uint16, flip byte, manFlipAt uint16, manFlip byte, manCut uint16) {
		dir := t.TempDir()
		s, _, err := Open(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		o, err := s.Create(Manifest{Key: "k/obj.json.gz", Route: "k/", Tag: "t"})
		if err != nil {
			t.Fatal(err)
		}
		headerEnd := o.DataStart()
		var ends []int64
		for _, p := range []string{"alpha", "bravo-bravo", "charlie"} {
			appendFrames(t, o, []byte(p))
			ends = append(ends, o.Committed())
		}
		o.Close()
		s.Close()
		segPath := filepath.Join(dir, "objects", o.ID, "data.seg")
		manPath := filepath.Join(dir, "objects", o.ID, "manifest.json")
		seg, _ := os.ReadFile(segPath)
		man, _ := os.ReadFile(manPath)

		span := int64(len(seg)) - headerEnd
		cut := headerEnd + int64(segCut)%(span+1)
		seg = seg[:cut]
		damageAt := cut
		if flip != 0 && cut > headerEnd {
			at := headerEnd + int64(flipAt)%(cut-headerEnd)
			seg[at] ^= flip
			damageAt = at
		}
		if manFlip != 0 && len(man) > 0 {
			man[int(manFlipAt)%len(man)] ^= manFlip
		}
		man = man[:len(man)-int(manCut)%(len(man)+1)]
		os.WriteFile(segPath, seg, 0o600)
		os.WriteFile(manPath, man, 0o600)

		s2, rec, err := Open(dir, 0)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s2.Close()
		if len(rec.Objects) != 1 {
			t.Fatalf("object lost: quarantined %v", rec.Quarantined)
		}
		intact := 0
		for _, e := range ends {
			if e <= damageAt {
				intact++
			}
		}
		if got := len(readAll(t, rec.Objects[0])); got < intact {
			t.Fatalf("%d frames recovered, %d were intact", got, intact)
		}
		if key := rec.Objects[0].Manifest().Key; key != "k/obj.json.gz" {
			t.Fatalf("key %q after recovery: a damaged manifest was trusted", key)
		}
	})
}
