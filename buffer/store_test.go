package buffer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func appendFrames(t testing.TB, o *Object, payloads ...[]byte) {
	t.Helper()
	o.Lock()
	defer o.Unlock()
	for _, p := range payloads {
		if err := o.store.Reserve(FrameSize(len(p))); err != nil {
			t.Fatal(err)
		}
		if err := o.AppendLocked(KindEvents, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.SyncLocked(); err != nil {
		t.Fatal(err)
	}
	o.CommitLocked()
}

func readAll(t testing.TB, o *Object) [][]byte {
	t.Helper()
	var out [][]byte
	fr := o.Frames(o.DataStart(), o.Committed())
	for fr.Next() {
		if fr.Kind != KindEvents {
			t.Fatalf("kind %d", fr.Kind)
		}
		out = append(out, append([]byte(nil), fr.Data...))
	}
	if err := fr.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCreateAppendReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store") // created by Open
	s, rec, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Objects) != 0 {
		t.Fatalf("fresh store has %d objects", len(rec.Objects))
	}
	o, err := s.Create(Manifest{Key: "a/b.json.gz", Route: "a/", Tag: "app"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{[]byte("one"), bytes.Repeat([]byte("x"), 100000), []byte("three")}
	appendFrames(t, o, want...)
	if got := readAll(t, o); len(got) != 3 || !bytes.Equal(got[1], want[1]) {
		t.Fatalf("read back %d frames", len(got))
	}
	used := s.Used()
	o.Close()
	s.Close()

	s2, rec, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if len(rec.Objects) != 1 || len(rec.Cuts) != 0 || len(rec.Quarantined) != 0 {
		t.Fatalf("recovery: %+v", rec)
	}
	o2 := rec.Objects[0]
	if o2.ID != o.ID || o2.Manifest().Key != "a/b.json.gz" {
		t.Fatalf("recovered %s %+v", o2.ID, o2.Manifest())
	}
	got := readAll(t, o2)
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("frame %d differs after reopen", i)
		}
	}
	if s2.Used() != used {
		t.Fatalf("used %d after reopen, %d before", s2.Used(), used)
	}
	for path, want := range map[string]os.FileMode{
		filepath.Join(o2.dir, "data.seg"):      0o600,
		filepath.Join(o2.dir, "manifest.json"): 0o600,
		filepath.Join(dir, "LOCK"):             0o600,
		o2.dir:                                 0o700,
		filepath.Join(dir, "objects"):          0o700,
		dir:                                    0o700,
	} {
		info, err := os.Stat(path)
		if err != nil || info.Mode().Perm() != want {
			t.Fatalf("%s: mode %v (%v), want %v", path, info.Mode().Perm(), err, want)
		}
	}
}

func TestSecondOpenIsRefused(t *testing.T) {
	dir := t.TempDir()
	s, _, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, _, err = Open(dir, 0)
	if err == nil || !strings.Contains(err.Error(), "in use by another s3append instance") {
		t.Fatalf("second Open: %v", err)
	}
}

func TestReserveLimitAndRollback(t *testing.T) {
	s, _, err := Open(t.TempDir(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	o, err := s.Create(Manifest{Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	appendFrames(t, o, []byte("first"))
	base := s.Used()
	payload := bytes.Repeat([]byte("y"), 600)
	o.Lock()
	mark := o.SizeLocked()
	if err := s.Reserve(FrameSize(len(payload))); err != nil {
		t.Fatal(err)
	}
	if err := o.AppendLocked(KindEvents, payload); err != nil {
		t.Fatal(err)
	}
	if err := s.Reserve(FrameSize(len(payload))); !errors.Is(err, ErrFull) {
		t.Fatalf("second reserve past the limit: %v", err)
	}
	if err := o.RollbackLocked(mark); err != nil {
		t.Fatal(err)
	}
	o.Unlock()
	if s.Used() != base {
		t.Fatalf("used %d after rollback, want %d", s.Used(), base)
	}
	if n := len(readAll(t, o)); n != 1 {
		t.Fatalf("%d frames after rollback, want 1", n)
	}
}

func TestRemoveFreesSpace(t *testing.T) {
	dir := t.TempDir()
	s, _, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	o, err := s.Create(Manifest{Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	appendFrames(t, o, []byte("data"))
	if err := o.Remove(); err != nil {
		t.Fatal(err)
	}
	if s.Used() != 0 {
		t.Fatalf("used %d after remove", s.Used())
	}
	s.Close()
	s2, rec, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if len(rec.Objects) != 0 {
		t.Fatalf("removed object came back")
	}
}

// Every truncation of a segment keeps exactly the frames that lie wholly
// before the cut, and recovery says how much it removed.
func TestTornTailAtEveryOffset(t *testing.T) {
	src := t.TempDir()
	s, _, err := Open(src, 0)
	if err != nil {
		t.Fatal(err)
	}
	o, err := s.Create(Manifest{Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	var ends []int64
	headerEnd := o.DataStart()
	for i := 0; i < 5; i++ {
		frames = append(frames, []byte(fmt.Sprintf("frame-%d-%s", i, strings.Repeat("z", i*7))))
		appendFrames(t, o, frames[i])
		ends = append(ends, o.Committed())
	}
	seg, err := os.ReadFile(filepath.Join(o.dir, "data.seg"))
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile(filepath.Join(o.dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for cut := len(segmentMagic); cut <= len(seg); cut++ {
		dir := t.TempDir()
		od := filepath.Join(dir, "objects", o.ID)
		os.MkdirAll(od, 0o700)
		os.WriteFile(filepath.Join(od, "manifest.json"), manifest, 0o600)
		os.WriteFile(filepath.Join(od, "data.seg"), seg[:cut], 0o600)
		s2, rec, err := Open(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		keep := 0
		for keep < len(ends) && ends[keep] <= int64(cut) {
			keep++
		}
		got := readAll(t, rec.Objects[0])
		if len(got) != keep {
			t.Fatalf("cut at %d: %d frames, want %d", cut, len(got), keep)
		}
		wantEnd := int64(len(segmentMagic))
		if int64(cut) >= headerEnd {
			wantEnd = headerEnd
		}
		if keep > 0 {
			wantEnd = ends[keep-1]
		}
		if wantEnd < int64(cut) && (len(rec.Cuts) != 1 || rec.Cuts[0].Bytes != int64(cut)-wantEnd) {
			t.Fatalf("cut at %d: cuts reported %+v", cut, rec.Cuts)
		}
		rec.Objects[0].Close()
		s2.Close()
	}
}

func TestDamagedObjectIsQuarantined(t *testing.T) {
	dir := t.TempDir()
	s, _, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := s.Create(Manifest{Key: "good"})
	bad, _ := s.Create(Manifest{Key: "bad"})
	appendFrames(t, good, []byte("g"))
	good.Close()
	bad.Close()
	s.Close()
	os.WriteFile(filepath.Join(dir, "objects", bad.ID, "data.seg"), []byte("not a segment"), 0o600)

	s2, rec, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if len(rec.Objects) != 1 || rec.Objects[0].Manifest().Key != "good" {
		t.Fatalf("objects after recovery: %d", len(rec.Objects))
	}
	if len(rec.Quarantined) != 1 || !strings.Contains(rec.Quarantined[0], bad.ID) {
		t.Fatalf("quarantined: %v", rec.Quarantined)
	}
	q, _ := os.ReadDir(filepath.Join(dir, "quarantine"))
	if len(q) != 1 {
		t.Fatalf("quarantine dir holds %d entries", len(q))
	}
}

// A lost or damaged manifest is rebuilt from the segment's header frame:
// the object keeps its key and every frame.
func TestManifestRebuiltFromSegmentHeader(t *testing.T) {
	for name, damage := range map[string]func(path string){
		"garbage": func(p string) { os.WriteFile(p, []byte("{not json"), 0o600) },
		"empty":   func(p string) { os.WriteFile(p, nil, 0o600) },
		"missing": func(p string) { os.Remove(p) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s, _, err := Open(dir, 0)
			if err != nil {
				t.Fatal(err)
			}
			o, _ := s.Create(Manifest{Key: "logs/a.json.gz", Route: "logs/", Tag: "app"})
			appendFrames(t, o, []byte("one"), []byte("two"))
			o.Close()
			s.Close()
			damage(filepath.Join(dir, "objects", o.ID, "manifest.json"))

			s2, rec, err := Open(dir, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			if len(rec.Objects) != 1 || len(rec.Quarantined) != 0 {
				t.Fatalf("recovery: %+v", rec)
			}
			got := rec.Objects[0]
			if m := got.Manifest(); m.Key != "logs/a.json.gz" || m.Tag != "app" {
				t.Fatalf("rebuilt manifest %+v", m)
			}
			if n := len(readAll(t, got)); n != 2 {
				t.Fatalf("%d frames after rebuilding the manifest", n)
			}
			if len(rec.Cuts) != 1 || !strings.Contains(rec.Cuts[0].Reason, "rebuilt") {
				t.Fatalf("rebuild not reported: %+v", rec.Cuts)
			}
		})
	}
}

// A buffer directory that cannot be created is reported under the option
// that names it.
func TestOpenNamesStoreDirWhenItCannotBeCreated(t *testing.T) {
	parent := t.TempDir()
	file := filepath.Join(parent, "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := Open(filepath.Join(file, "bucket"), 0)
	if err == nil || !strings.HasPrefix(err.Error(), "store_dir: ") {
		t.Fatalf("Open under a file: %v, want an error naming store_dir", err)
	}
}
