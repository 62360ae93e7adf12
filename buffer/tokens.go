package buffer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// The token journal (<dir>/tokens) records which batches handed over with
// a token (the engine's FlushOnce) were taken. A batch's frames and the
// entry that commits it must become durable as one: the journal says
// "begin T" before any frame of T is written and "commit T" only once
// they are synced, and recovery drops the frames of every token that was
// begun but never committed. So after any crash either the records and the
// commit are both there, or neither is, and a sender that re-reads its
// input re-hands exactly the batches that were not taken.
//
// The file is the segment format with its own magic: an 8-byte header,
// then CRC frames whose payload is an entry kind and the token. A torn
// tail is cut as in segments: an entry whose append was cut by a crash
// was never answered.

// tokensMagic opens the journal; the last byte is its format version.
var tokensMagic = []byte("S3APTOK\x01")

const tokensFile = "tokens"

// Journal entry kinds.
const (
	entryBegin  byte = 1 // frames of the token may follow in segments
	entryCommit byte = 2 // the token's frames are all synced: the batch is taken
	entryForget byte = 3 // the sender no longer asks about the token
	entryAbort  byte = 4 // a commit whose fsync failed: the token is void after all
)

// compactAfter is how many bytes of forgotten entries make the journal be
// rewritten while running (a variable so tests can lower it). It is also
// rewritten at every start, so it never grows across restarts.
var compactAfter int64 = 4 << 20

// ErrTokensUnavailable is returned, without writing anything, once a write
// or fsync of the journal failed in this run: what reached the disk is
// then unknown, so no token is begun or committed until a restart, whose
// recovery settles every token from the file.
var ErrTokensUnavailable = errors.New("the token journal failed earlier; batches with a token are refused until restart")

// tokenState is what the journal says of a token, replayed in order.
type tokenState byte

const (
	stateBegun tokenState = iota + 1
	stateCommitted
	stateAborted
	stateForgotten
)

// tokens is the journal of a store and the tokens it holds committed.
type tokens struct {
	path string
	// swap is held shared by every append (until its fsync is done and
	// its effect is in the maps) and exclusively by a rewrite, so a
	// rewrite never loses an entry being appended.
	swap sync.RWMutex

	mu        sync.Mutex
	f         *os.File // nil until the first entry (made on first use)
	size      int64
	broken    error
	dirty     bool                // appended since the last fsync (sync interval)
	committed map[string]struct{} // committed and not forgotten
	// begun holds the tokens begun in this run and not committed (in
	// flight, or failed): a rewrite keeps their begin entries, since
	// frames of theirs may be on disk until the next recovery drops them.
	begun     map[string]struct{}
	forgotten int64 // bytes of entries a rewrite would drop
	buf       []byte
}

// readTokens replays the journal at path. A missing file is an empty
// journal. A torn or corrupt tail is reported as a cut (the file is
// rewritten at start anyway); a file that is not a journal is an error.
func readTokens(path string) (states map[string]tokenState, existed bool, cut *Cut, err error) {
	states = map[string]tokenState{}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return states, false, nil, nil
	}
	if err != nil {
		return nil, false, nil, err
	}
	end, reason, err := scanFramesAfter(bytes.NewReader(b), int64(len(b)), tokensMagic)
	if err != nil {
		return nil, true, nil, fmt.Errorf("token journal %s: %w", path, err)
	}
	fr := newFrameReader(bytes.NewReader(b), int64(len(tokensMagic)), end)
	for {
		kind, data, err := fr.next()
		if err != nil {
			break // io.EOF at end: the frames up to end were checked
		}
		t := string(data)
		switch kind {
		case entryBegin:
			if states[t] == 0 {
				states[t] = stateBegun
			}
		case entryCommit:
			if states[t] != stateAborted {
				states[t] = stateCommitted
			}
		case entryAbort:
			states[t] = stateAborted
		case entryForget:
			if states[t] == stateCommitted {
				states[t] = stateForgotten
			}
		}
		// Other kinds are of a later version: they name no void token.
	}
	if end < int64(len(b)) {
		cut = &Cut{Path: path, Offset: end, Bytes: int64(len(b)) - end, Reason: reason}
	}
	return states, true, cut, nil
}

// voidTokens are the tokens whose frames recovery drops: begun and never
// committed, or whose commit was revoked by an abort.
func voidTokens(states map[string]tokenState) map[string]bool {
	void := map[string]bool{}
	for t, s := range states {
		if s == stateBegun || s == stateAborted {
			void[t] = true
		}
	}
	return void
}

// image is the content of a rewritten journal: a commit entry per
// committed token and a begin entry per token begun in this run and not
// committed. Sorted, so a rewrite of the same state is the same file.
func image(committed, begun map[string]struct{}) []byte {
	b := append([]byte(nil), tokensMagic...)
	for _, set := range []struct {
		kind byte
		m    map[string]struct{}
	}{{entryCommit, committed}, {entryBegin, begun}} {
		ts := make([]string, 0, len(set.m))
		for t := range set.m {
			ts = append(ts, t)
		}
		sort.Strings(ts)
		for _, t := range ts {
			b = appendFrame(b, set.kind, []byte(t))
		}
	}
	return b
}

// openTokens rewrites the journal from what recovery settled (committed
// tokens only) and opens it for appends. With no journal on disk and
// nothing committed, the file is made on first use.
func openTokens(path string, committed map[string]struct{}, existed bool) (*tokens, error) {
	j := &tokens{path: path, committed: committed, begun: map[string]struct{}{}}
	if !existed && len(committed) == 0 {
		return j, nil
	}
	if err := j.rewriteLocked(); err != nil {
		return nil, err
	}
	return j, nil
}

// rewriteLocked replaces the journal by its image (temp file, fsync,
// rename, directory fsync) and appends to the new file from then on.
// The caller holds swap exclusively, or is the only user.
func (j *tokens) rewriteLocked() error {
	data := image(j.committed, j.begun)
	if err := WriteFileAtomic(j.path, data); err != nil {
		return err
	}
	f, err := os.OpenFile(j.path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if j.f != nil {
		j.f.Close()
	}
	j.f, j.size, j.forgotten, j.dirty = f, int64(len(data)), 0, false
	return nil
}

// append writes one entry of kind per token, fsyncs them when sync is set,
// and then runs apply (under the journal's lock), so that what the maps
// say is never ahead of the file. Any write or fsync error breaks the
// journal for the rest of the run.
func (j *tokens) append(kind byte, toks []string, sync bool, apply func()) error {
	j.swap.RLock()
	defer j.swap.RUnlock()
	j.mu.Lock()
	if j.broken != nil {
		j.mu.Unlock()
		return ErrTokensUnavailable
	}
	if j.f == nil {
		if err := j.rewriteLocked(); err != nil {
			// Nothing of an entry was written: the journal stays usable.
			j.mu.Unlock()
			return fmt.Errorf("creating the token journal %s: %w", j.path, err)
		}
	}
	j.buf = j.buf[:0]
	for _, t := range toks {
		j.buf = appendFrame(j.buf, kind, []byte(t))
	}
	n, err := j.f.WriteAt(j.buf, j.size)
	j.size += int64(n)
	if err != nil {
		j.broken = err
		j.mu.Unlock()
		return fmt.Errorf("appending to the token journal %s: %w", j.path, err)
	}
	f := j.f
	if !sync {
		j.dirty = true
		apply()
		j.mu.Unlock()
		return nil
	}
	j.mu.Unlock()
	// The fsync runs outside the lock so that concurrent appends share
	// the disk's time; swap keeps the file from being replaced meanwhile.
	if err := f.Sync(); err != nil {
		j.mu.Lock()
		j.broken = err
		j.mu.Unlock()
		return fmt.Errorf("fsync of the token journal %s: %w", j.path, err)
	}
	j.mu.Lock()
	apply()
	j.mu.Unlock()
	return nil
}

// sync fsyncs entries appended without sync (sync interval).
func (j *tokens) sync() error {
	j.swap.RLock()
	defer j.swap.RUnlock()
	j.mu.Lock()
	if !j.dirty || j.f == nil || j.broken != nil {
		j.mu.Unlock()
		return nil
	}
	j.dirty = false
	f := j.f
	j.mu.Unlock()
	if err := f.Sync(); err != nil {
		j.mu.Lock()
		j.broken = err
		j.mu.Unlock()
		return fmt.Errorf("fsync of the token journal %s: %w", j.path, err)
	}
	return nil
}

// compact rewrites the journal once forgotten entries make up compactAfter
// bytes of it.
func (j *tokens) compact() error {
	j.swap.Lock()
	defer j.swap.Unlock()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.broken != nil || j.f == nil || j.forgotten < compactAfter {
		return nil
	}
	// Entries fsynced with sync off become durable with the rewrite too.
	if err := j.rewriteLocked(); err != nil {
		// The rename may have happened: appends to the old file could
		// then be lost, so the journal takes none until a restart.
		j.broken = err
		return fmt.Errorf("rewriting the token journal %s: %w", j.path, err)
	}
	return nil
}

func (j *tokens) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	j.broken = errors.New("store closed")
	return err
}

// checkToken refuses tokens a journal entry or a frame cannot carry.
func checkToken(t string) error {
	if t == "" || len(t) > MaxTokenLength {
		return fmt.Errorf("a token must be 1 to %d bytes, got %d", MaxTokenLength, len(t))
	}
	return nil
}

// BeginToken appends "begin token" (fsynced when sync is set). It must
// precede every frame of the token: recovery drops the frames of a begun
// token that was not committed, and keeps frames of a token it does not
// know (one committed and forgotten before a restart).
func (s *Store) BeginToken(token string, sync bool) error {
	if err := checkToken(token); err != nil {
		return err
	}
	j := s.tok
	return j.append(entryBegin, []string{token}, sync, func() { j.begun[token] = struct{}{} })
}

// CommitToken appends "commit token" (fsynced when sync is set), after
// every frame of the token was written and synced. Only then is the token
// Committed. An error other than ErrTokensUnavailable leaves the entry's
// fate on disk unknown: AbortToken settles it.
func (s *Store) CommitToken(token string, sync bool) error {
	if err := checkToken(token); err != nil {
		return err
	}
	j := s.tok
	return j.append(entryCommit, []string{token}, sync, func() {
		delete(j.begun, token)
		j.committed[token] = struct{}{}
	})
}

// AbortToken appends "abort token", fsynced: whatever of a commit entry
// reached the disk, the token is void from now on and its frames are
// dropped at recovery.
func (s *Store) AbortToken(token string) error {
	if err := checkToken(token); err != nil {
		return err
	}
	return s.tok.append(entryAbort, []string{token}, true, func() {})
}

// TokenCommitted says whether token was committed and not forgotten.
func (s *Store) TokenCommitted(token string) bool {
	j := s.tok
	j.mu.Lock()
	defer j.mu.Unlock()
	_, ok := j.committed[token]
	return ok
}

// ForgetTokens appends "forget" entries for the committed ones among
// tokens, with one fsync, and drops them from the committed set. Tokens
// not committed are skipped: there is nothing to forget.
func (s *Store) ForgetTokens(toks ...string) error {
	j := s.tok
	j.mu.Lock()
	var known []string
	for _, t := range toks {
		if _, ok := j.committed[t]; ok {
			known = append(known, t)
		}
	}
	j.mu.Unlock()
	if len(known) == 0 {
		return nil
	}
	err := j.append(entryForget, known, true, func() {
		for _, t := range known {
			if _, ok := j.committed[t]; ok {
				delete(j.committed, t)
				j.forgotten += 2 * FrameSize(len(t)) // its commit and this entry
			}
		}
	})
	if err != nil {
		return err
	}
	return j.compact()
}

// SyncTokens fsyncs journal entries appended without sync.
func (s *Store) SyncTokens() error { return s.tok.sync() }

// recoverTokens reads the journal at start: the tokens whose frames are to
// be dropped, and the committed ones. A journal that cannot be read at all
// is moved to quarantine/ and reported: every frame is then kept (at least
// once) and no token is known as committed.
func (s *Store) recoverTokens(rec *Recovery) (void map[string]bool, committed map[string]struct{}, existed bool, err error) {
	path := filepath.Join(s.dir, tokensFile)
	states, existed, cut, err := readTokens(path)
	if err != nil {
		if !existed {
			return nil, nil, false, err
		}
		dst := filepath.Join(s.dir, "quarantine", fmt.Sprintf("%s-%d", tokensFile, time.Now().UnixNano()))
		if rerr := os.Rename(path, dst); rerr != nil {
			return nil, nil, false, rerr
		}
		rec.Quarantined = append(rec.Quarantined, fmt.Sprintf("%s: %v (frames of batches with a token are all kept)", path, err))
		return map[string]bool{}, map[string]struct{}{}, true, nil
	}
	if cut != nil {
		rec.Cuts = append(rec.Cuts, *cut)
	}
	committed = map[string]struct{}{}
	for t, st := range states {
		if st == stateCommitted {
			committed[t] = struct{}{}
		}
	}
	return voidTokens(states), committed, existed, nil
}

// Void reports frames recovery dropped from one object because their
// token was begun and never committed: a batch never acknowledged, which
// its sender hands over again.
type Void struct {
	Path    string   // the object's directory
	Tokens  []string // the void tokens found in it
	Frames  int
	Bytes   int64
	Records int  // counted by Options.CountRecords, when given
	Removed bool // no record frame was left: the object was removed
}

// dropVoid rewrites an object's segment without the frames of void tokens:
// the kept frames go to data.seg.tmp, which is fsynced and renamed over
// data.seg. The manifest is fixed first, so that no recorded part covers
// bytes that move: parts ending past the first dropped frame are dropped
// from it (a JSON upload resumes from the parts before; a Parquet upload
// is redone anyway). It returns the reopened segment, or nil with nothing
// dropped.
func (s *Store) dropVoid(dir string, seg *segment, m *Manifest, void map[string]bool, count func(byte, []byte) int) (*segment, *Void, error) {
	start := int64(len(segmentMagic))
	first := int64(-1)
	v := &Void{Path: dir}
	seen := map[string]bool{}
	fr := newFrameReader(seg.f, start, seg.size)
	for {
		off := fr.off
		kind, data, err := fr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err // the segment was checked just before
		}
		if tok, _, ok := TokenOf(kind, data); ok && void[string(tok)] {
			if first < 0 {
				first = off
			}
			if !seen[string(tok)] {
				seen[string(tok)] = true
				v.Tokens = append(v.Tokens, string(tok))
			}
			v.Frames++
			v.Bytes += fr.off - off
			if count != nil {
				v.Records += count(kind, data)
			}
		}
	}
	if first < 0 {
		return nil, nil, nil
	}
	sort.Strings(v.Tokens)
	kept := len(m.Parts)
	for i, p := range m.Parts {
		if p.End > first {
			kept = i
			break
		}
	}
	if kept < len(m.Parts) {
		m.Parts = m.Parts[:kept]
		if err := writeManifest(filepath.Join(dir, "manifest.json"), *m); err != nil {
			return nil, nil, err
		}
	}
	path := filepath.Join(dir, "data.seg")
	tmp := path + ".tmp"
	if err := writeWithout(tmp, seg, void); err != nil {
		os.Remove(tmp)
		return nil, nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, nil, err
	}
	if err := syncDir(dir); err != nil {
		return nil, nil, err
	}
	seg.f.Close()
	nseg, _, err := openSegment(path)
	if err != nil {
		return nil, nil, err
	}
	return nseg, v, nil
}

// writeWithout writes seg's frames but those of void tokens to a new,
// fsynced file at path.
func writeWithout(path string, seg *segment, void map[string]bool) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	err = copyWithout(f, seg, void)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func copyWithout(f *os.File, seg *segment, void map[string]bool) error {
	w := bufio.NewWriterSize(f, 256<<10)
	w.Write(segmentMagic)
	fr := newFrameReader(seg.f, int64(len(segmentMagic)), seg.size)
	var frame []byte
	for {
		kind, data, err := fr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if tok, _, ok := TokenOf(kind, data); ok && void[string(tok)] {
			continue
		}
		frame = appendFrame(frame[:0], kind, data)
		if _, err := w.Write(frame); err != nil {
			return err
		}
	}
	return w.Flush()
}
