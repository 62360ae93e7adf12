package buffer

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

type frame struct {
	kind byte
	data string
}

// readFrames returns every committed record frame of o (header excluded).
func readFrames(t testing.TB, o *Object) []frame {
	t.Helper()
	var out []frame
	fr := o.Frames(o.DataStart(), o.Committed())
	for fr.Next() {
		out = append(out, frame{fr.Kind, string(fr.Data)})
	}
	if err := fr.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// appendOnce writes one frame of token's batch to o and commits it in o
// (not in the journal).
func appendOnce(t testing.TB, o *Object, kind byte, token string, data []byte) {
	t.Helper()
	o.Lock()
	defer o.Unlock()
	if err := o.store.Reserve(FrameSizeOnce(token, len(data))); err != nil {
		t.Fatal(err)
	}
	if err := o.AppendOnceLocked(kind, token, data); err != nil {
		t.Fatal(err)
	}
	if err := o.SyncLocked(); err != nil {
		t.Fatal(err)
	}
	o.CommitLocked()
}

func mustOpen(t testing.TB, dir string) (*Store, *Recovery) {
	t.Helper()
	s, rec, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	return s, rec
}

func closeAll(s *Store, objs ...*Object) {
	for _, o := range objs {
		o.Close()
	}
	s.Close()
}

func TestTokenFrameHelpers(t *testing.T) {
	s, _ := mustOpen(t, t.TempDir())
	defer s.Close()
	o, _ := s.Create(Manifest{Key: "k"})
	defer o.Close()
	tok := strings.Repeat("t", 200) // a two-byte uvarint length
	appendOnce(t, o, KindEvents, tok, []byte("events"))
	appendOnce(t, o, KindDeadLetter, "d", []byte("line\n"))
	if got := o.Committed() - o.DataStart(); got != FrameSizeOnce(tok, 6)+FrameSizeOnce("d", 5) {
		t.Fatalf("frames take %d bytes, FrameSizeOnce says otherwise", got)
	}
	fs := readFrames(t, o)
	if fs[0].kind != KindEventsOnce || fs[1].kind != KindDeadLetterOnce {
		t.Fatalf("kinds %d %d", fs[0].kind, fs[1].kind)
	}
	if ev, ok := EventsOf(fs[0].kind, []byte(fs[0].data)); !ok || string(ev) != "events" {
		t.Fatalf("EventsOf: %q %v", ev, ok)
	}
	if tk, _, ok := TokenOf(fs[0].kind, []byte(fs[0].data)); !ok || string(tk) != tok {
		t.Fatalf("TokenOf: %q %v", tk, ok)
	}
	if dl, ok := DeadLettersOf(fs[1].kind, []byte(fs[1].data)); !ok || string(dl) != "line\n" {
		t.Fatalf("DeadLettersOf: %q %v", dl, ok)
	}
	if _, ok := EventsOf(KindDeadLetterOnce, []byte(fs[1].data)); ok {
		t.Fatal("dead letters read as events")
	}
	if ev, ok := EventsOf(KindEvents, []byte("plain")); !ok || string(ev) != "plain" {
		t.Fatal("kind 1 not read as is")
	}
	if _, ok := EventsOf(KindEventsOnce, []byte{0x05, 'a'}); ok {
		t.Fatal("a token header longer than the frame was accepted")
	}
}

// Begin, commit and forget survive a restart; a token only begun does not
// count as committed; the rewritten journal holds only commit entries of
// tokens committed and not forgotten.
func TestTokenJournalRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s, _ := mustOpen(t, dir)
	if _, err := os.Stat(filepath.Join(dir, tokensFile)); !os.IsNotExist(err) {
		t.Fatalf("a store that never used a token has a journal: %v", err)
	}
	for _, tok := range []string{"a", "b", "c"} {
		if err := s.BeginToken(tok, true); err != nil {
			t.Fatal(err)
		}
		if err := s.CommitToken(tok, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.BeginToken("void", true); err != nil {
		t.Fatal(err)
	}
	if err := s.ForgetTokens("b", "never-seen"); err != nil {
		t.Fatal(err)
	}
	if !s.TokenCommitted("a") || s.TokenCommitted("b") || s.TokenCommitted("void") {
		t.Fatal("committed set wrong before restart")
	}
	if err := s.BeginToken("", true); err == nil {
		t.Fatal("empty token accepted")
	}
	s.Close()

	s2, _ := mustOpen(t, dir)
	for tok, want := range map[string]bool{"a": true, "b": false, "c": true, "void": false, "never-seen": false} {
		if s2.TokenCommitted(tok) != want {
			t.Fatalf("after restart Committed(%q) = %v", tok, !want)
		}
	}
	s2.Close()
	states, _, cut, err := readTokens(filepath.Join(dir, tokensFile))
	if err != nil || cut != nil {
		t.Fatal(err, cut)
	}
	if want := map[string]tokenState{"a": stateCommitted, "c": stateCommitted}; !reflect.DeepEqual(states, want) {
		t.Fatalf("journal after restart: %v, want %v", states, want)
	}
}

// A journal cut inside an entry (a crash during an append) loses that
// entry only, and the cut is reported.
func TestTornJournalTailIsCut(t *testing.T) {
	dir := t.TempDir()
	s, _ := mustOpen(t, dir)
	for _, tok := range []string{"one", "two", "three"} {
		s.BeginToken(tok, true)
		s.CommitToken(tok, true)
	}
	s.Close()
	path := filepath.Join(dir, tokensFile)
	b, _ := os.ReadFile(path)
	// The last entry is "commit three": cut it in the middle.
	cutAt := len(b) - int(FrameSize(len("three"))) + 5
	os.WriteFile(path, b[:cutAt], 0o600)

	s2, rec := mustOpen(t, dir)
	defer s2.Close()
	if !s2.TokenCommitted("one") || !s2.TokenCommitted("two") || s2.TokenCommitted("three") {
		t.Fatal("wrong tokens survived the torn tail")
	}
	if len(rec.Cuts) != 1 || rec.Cuts[0].Path != path || rec.Cuts[0].Bytes != 5 {
		t.Fatalf("cut not reported: %+v", rec.Cuts)
	}
	// "three" was begun and its commit torn: it is void now.
	states, _, cut, _ := readTokens(path)
	if cut != nil || len(states) != 2 {
		t.Fatalf("journal not rewritten clean: %v %v", states, cut)
	}
}

// A journal that is not a journal at all is moved aside: no token is
// known, every frame is kept, and the store opens.
func TestDamagedJournalIsQuarantined(t *testing.T) {
	dir := t.TempDir()
	s, _ := mustOpen(t, dir)
	o, _ := s.Create(Manifest{Key: "k"})
	s.BeginToken("t", true)
	appendOnce(t, o, KindEvents, "t", []byte("x"))
	closeAll(s, o)
	os.WriteFile(filepath.Join(dir, tokensFile), []byte("garbage!garbage!"), 0o600)
	s2, rec := mustOpen(t, dir)
	defer s2.Close()
	if len(rec.Quarantined) != 1 || !strings.Contains(rec.Quarantined[0], tokensFile) {
		t.Fatalf("quarantined: %v", rec.Quarantined)
	}
	if n := len(readFrames(t, rec.Objects[0])); n != 1 {
		t.Fatalf("%d frames kept, want 1", n)
	}
}

// Recovery drops every frame of a token begun and never committed, in the
// middle of a segment as at its end and in every object, keeps the frames
// of committed tokens and plain frames around them, removes an object
// left with no record, and drops recorded parts that covered moved bytes.
func TestRecoveryDropsFramesOfVoidTokens(t *testing.T) {
	dir := t.TempDir()
	s, _ := mustOpen(t, dir)
	o1, _ := s.Create(Manifest{Key: "one"})
	o2, _ := s.Create(Manifest{Key: "two"})
	o3, _ := s.Create(Manifest{Key: "three"})
	begin := func(tok string) {
		if err := s.BeginToken(tok, true); err != nil {
			t.Fatal(err)
		}
	}
	commit := func(tok string) {
		if err := s.CommitToken(tok, true); err != nil {
			t.Fatal(err)
		}
	}
	appendFrames(t, o1, []byte("plain-1"))
	begin("T1")
	appendOnce(t, o1, KindEvents, "T1", []byte("t1-a"))
	commit("T1")
	partEnd := o1.Committed()
	begin("V")
	appendOnce(t, o1, KindEvents, "V", []byte("v-a"))
	appendOnce(t, o2, KindEvents, "V", []byte("v-b"))
	appendOnce(t, o3, KindEvents, "V", []byte("v-c"))
	appendOnce(t, o1, KindDeadLetter, "V", []byte("v-dead\n"))
	begin("T2")
	appendFrames(t, o1, []byte("plain-2"))
	appendOnce(t, o1, KindEvents, "T2", []byte("t2-a"))
	appendOnce(t, o2, KindEvents, "T2", []byte("t2-b"))
	commit("T2")
	appendOnce(t, o1, KindEvents, "V", []byte("v-d")) // after other frames too
	appendFrames(t, o2, []byte("plain-3"))
	// Parts recorded as if uploaded: the first ends before the void frames,
	// the second covers them.
	m := o1.Manifest()
	m.UploadID = "up"
	m.Parts = []PartRecord{{Number: 1, Start: o1.DataStart(), End: partEnd}, {Number: 2, Start: partEnd, End: o1.Committed()}}
	if err := o1.SaveManifest(m); err != nil {
		t.Fatal(err)
	}
	closeAll(s, o1, o2, o3)

	count := func(kind byte, data []byte) int { return 1 }
	s2, rec, err := OpenWith(dir, 0, Options{CountRecords: count})
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]*Object{}
	for _, o := range rec.Objects {
		byKey[o.Manifest().Key] = o
	}
	if len(rec.Objects) != 2 || byKey["one"] == nil || byKey["two"] == nil {
		t.Fatalf("objects after recovery: %d", len(rec.Objects))
	}
	if _, err := os.Stat(o3.dir); !os.IsNotExist(err) {
		t.Fatalf("object left with only void frames is still on disk: %v", err)
	}
	want1 := []frame{{KindEvents, "plain-1"}, {KindEventsOnce, "\x02T1t1-a"}, {KindEvents, "plain-2"}, {KindEventsOnce, "\x02T2t2-a"}}
	want2 := []frame{{KindEventsOnce, "\x02T2t2-b"}, {KindEvents, "plain-3"}}
	if got := readFrames(t, byKey["one"]); !reflect.DeepEqual(got, want1) {
		t.Fatalf("object one: %q", got)
	}
	if got := readFrames(t, byKey["two"]); !reflect.DeepEqual(got, want2) {
		t.Fatalf("object two: %q", got)
	}
	if p := byKey["one"].Manifest().Parts; len(p) != 1 || p[0].End != partEnd {
		t.Fatalf("parts after recovery: %+v, want only the one before the dropped frames", p)
	}
	var frames, records int
	removed := 0
	for _, v := range rec.Voided {
		frames += v.Frames
		records += v.Records
		if v.Removed {
			removed++
		}
		if !reflect.DeepEqual(v.Tokens, []string{"V"}) || v.Bytes <= 0 {
			t.Fatalf("void report %+v", v)
		}
	}
	if frames != 5 || records != 5 || removed != 1 || len(rec.Voided) != 3 {
		t.Fatalf("void report: %d frames, %d records, %d removed in %+v", frames, records, removed, rec.Voided)
	}
	var used int64
	for _, o := range rec.Objects {
		used += o.Committed() - o.DataStart()
	}
	if s2.Used() != used {
		t.Fatalf("used %d, frames on disk %d", s2.Used(), used)
	}
	if !s2.TokenCommitted("T1") || !s2.TokenCommitted("T2") || s2.TokenCommitted("V") {
		t.Fatal("committed tokens wrong after recovery")
	}
	closeAll(s2, rec.Objects...)

	// A second start finds nothing more to drop.
	s3, rec3 := mustOpen(t, dir)
	defer closeAll(s3, rec3.Objects...)
	if len(rec3.Voided) != 0 || len(rec3.Objects) != 2 {
		t.Fatalf("second recovery: %+v", rec3)
	}
}

// A crash in the middle of a rewrite leaves data.seg.tmp beside the whole
// segment: the next start deletes it and drops the frames again.
func TestInterruptedRewriteIsRedone(t *testing.T) {
	dir := t.TempDir()
	s, _ := mustOpen(t, dir)
	o, _ := s.Create(Manifest{Key: "k"})
	appendFrames(t, o, []byte("keep"))
	s.BeginToken("V", true)
	appendOnce(t, o, KindEvents, "V", []byte("drop"))
	closeAll(s, o)
	os.WriteFile(filepath.Join(o.dir, "data.seg.tmp"), []byte("half a rewrite"), 0o600)
	s2, rec := mustOpen(t, dir)
	defer closeAll(s2, rec.Objects...)
	if got := readFrames(t, rec.Objects[0]); len(got) != 1 || got[0].data != "keep" {
		t.Fatalf("frames %q", got)
	}
	if _, err := os.Stat(filepath.Join(o.dir, "data.seg.tmp")); !os.IsNotExist(err) {
		t.Fatal("data.seg.tmp left behind")
	}
}

// Forgotten entries are compacted away while running once they pass
// compactAfter, and the set stays right.
func TestJournalCompactsAtRuntime(t *testing.T) {
	defer func(v int64) { compactAfter = v }(compactAfter)
	compactAfter = 500
	dir := t.TempDir()
	s, _ := mustOpen(t, dir)
	defer s.Close()
	path := filepath.Join(dir, tokensFile)
	for i := 0; i < 200; i++ {
		tok := fmt.Sprintf("token-%04d", i)
		s.BeginToken(tok, false)
		if err := s.CommitToken(tok, false); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if err := s.ForgetTokens(tok); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.BeginToken("in-flight", true)
	uncompacted := int64(len(tokensMagic)) + 500*FrameSize(len("token-0000")) + FrameSize(len("in-flight"))
	if st, _ := os.Stat(path); st.Size() > uncompacted/2 {
		t.Fatalf("journal of %d bytes, %d without compaction: not compacted", st.Size(), uncompacted)
	}
	states, _, _, err := readTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		tok := fmt.Sprintf("token-%04d", i)
		if s.TokenCommitted(tok) != (i%2 == 1) || (states[tok] == stateCommitted) != (i%2 == 1) {
			t.Fatalf("%s: committed %v, journal %v", tok, s.TokenCommitted(tok), states[tok])
		}
	}
	if states["in-flight"] != stateBegun {
		t.Fatal("begin entry lost")
	}
}

// FuzzTokenRecovery writes random interleavings of plain frames and
// batches with tokens (begun, framed in either object, committed or left
// void) and crashes at a random write, tearing it. After recovery every
// frame of a committed token is there exactly once, no frame of another
// token is, every plain frame written before the crash is there, the
// committed set is right, and a second recovery changes nothing.
func FuzzTokenRecovery(f *testing.F) {
	f.Add([]byte{0, 1, 2, 10, 3, 0, 1, 2, 4, 0}, uint16(5), uint16(3))
	f.Add([]byte{1, 1, 2, 42, 2, 34, 3, 0, 8, 2, 3, 1, 2}, uint16(9), uint16(0))
	f.Add([]byte{1, 2, 7, 5, 0, 3, 1, 12, 2, 3, 4}, uint16(1000), uint16(17))
	f.Fuzz(func(t *testing.T, ops []byte, crash, torn uint16) {
		if len(ops) > 64 {
			ops = ops[:64]
		}
		dir := t.TempDir()
		s, _ := mustOpen(t, dir)
		// The journal is made by its first entry, atomically: make it
		// now, so every write below is an append to a file.
		s.BeginToken("setup", true)
		s.CommitToken("setup", true)
		objs := []*Object{}
		for _, k := range []string{"a", "b"} {
			o, err := s.Create(Manifest{Key: k})
			if err != nil {
				t.Fatal(err)
			}
			objs = append(objs, o)
		}
		type write struct {
			file   string
			before int64
			after  int64
			frame  string // payload of a record frame ("" for a journal entry)
			token  string // the frame's token, or the committed token
			commit bool
		}
		journal := filepath.Join(dir, tokensFile)
		var log []write
		var open []string
		n := 0
		for _, b := range ops {
			n++
			switch b % 5 {
			case 0, 2:
				tok := ""
				if b%5 == 2 {
					if len(open) == 0 {
						continue
					}
					tok = open[int(b>>3)%len(open)]
				}
				o := objs[(b>>5)&1]
				kind := KindEvents
				if b&0x40 != 0 {
					kind = KindDeadLetter
				}
				payload := fmt.Sprintf("f%d", n)
				before := o.Committed()
				if tok == "" {
					o.Lock()
					s.Reserve(FrameSize(len(payload)))
					o.AppendLocked(kind, []byte(payload))
					o.CommitLocked()
					o.Unlock()
				} else {
					appendOnce(t, o, kind, tok, []byte(payload))
				}
				log = append(log, write{file: filepath.Join(o.dir, "data.seg"), before: before, after: o.Committed(), frame: payload, token: tok})
			case 1:
				tok := fmt.Sprintf("T%d", n)
				before := s.tok.size
				if err := s.BeginToken(tok, false); err != nil {
					t.Fatal(err)
				}
				open = append(open, tok)
				log = append(log, write{file: journal, before: before, after: s.tok.size})
			case 3, 4:
				if len(open) == 0 {
					continue
				}
				i := int(b>>3) % len(open)
				tok := open[i]
				open = append(open[:i], open[i+1:]...)
				if b%5 == 4 {
					continue // left void: never committed
				}
				before := s.tok.size
				if err := s.CommitToken(tok, false); err != nil {
					t.Fatal(err)
				}
				log = append(log, write{file: journal, before: before, after: s.tok.size, token: tok, commit: true})
			}
		}
		closeAll(s, objs...)

		// The crash: writes up to k are whole, write k is torn after
		// `torn` of its bytes, none after it happened.
		k := 0
		if len(log) > 0 {
			k = int(crash) % (len(log) + 1)
		}
		sizes := map[string]int64{}
		for i := len(log) - 1; i >= 0; i-- {
			w := log[i]
			switch {
			case i < k:
				if _, ok := sizes[w.file]; !ok {
					sizes[w.file] = w.after
				}
			case i == k:
				sizes[w.file] = w.before + int64(torn)%(w.after-w.before)
			default:
				sizes[w.file] = w.before
			}
		}
		for file, size := range sizes {
			if err := os.Truncate(file, size); err != nil {
				t.Fatal(err)
			}
		}
		committed := map[string]bool{"setup": true}
		for _, w := range log[:k] {
			if w.commit {
				committed[w.token] = true
			}
		}
		var want []string
		for _, w := range log[:k] {
			if w.frame != "" && (w.token == "" || committed[w.token]) {
				want = append(want, w.frame)
			}
		}
		sort.Strings(want)

		check := func(round int) {
			s2, rec := mustOpen(t, dir)
			defer closeAll(s2, rec.Objects...)
			var got []string
			for _, o := range rec.Objects {
				for _, fr := range readFrames(t, o) {
					data, ok := EventsOf(fr.kind, []byte(fr.data))
					if !ok {
						data, ok = DeadLettersOf(fr.kind, []byte(fr.data))
					}
					if !ok {
						t.Fatalf("frame of kind %d unreadable", fr.kind)
					}
					got = append(got, string(data))
				}
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("round %d, crash at write %d of %d: frames %q, want %q", round, k, len(log), got, want)
			}
			for _, w := range log {
				if w.token != "" && s2.TokenCommitted(w.token) != committed[w.token] {
					t.Fatalf("round %d: Committed(%s) = %v", round, w.token, !committed[w.token])
				}
			}
			if round == 2 && len(rec.Voided) != 0 {
				t.Fatalf("second recovery dropped more: %+v", rec.Voided)
			}
		}
		check(1)
		check(2)
	})
}
