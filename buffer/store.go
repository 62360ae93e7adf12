package buffer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// Store is one plugin instance's buffer directory:
//
//	<dir>/LOCK                  held (flock) while an instance uses the directory
//	<dir>/objects/<id>/         one directory per object
//	    manifest.json           key, encoding, upload progress
//	    data.seg                the object's frames
//	<dir>/quarantine/           damaged objects moved aside at recovery
//	<dir>/tokens                the token journal (tokens.go), once a token was used
//
// See FORMAT.md for the file formats and the recovery rules.
type Store struct {
	dir   string
	limit int64 // bytes; 0 = unlimited
	used  atomic.Int64
	lock  *os.File
	tok   *tokens
}

// Options are the optional settings of OpenWith.
type Options struct {
	// CountRecords counts the records in a frame's data, for the report
	// of frames recovery drops (the buffer does not read records).
	CountRecords func(kind byte, data []byte) int
}

// ErrFull is returned by Reserve when the store would exceed its limit.
var ErrFull = errors.New("store_dir_limit_size reached")

// Recovery reports what Open found and repaired.
type Recovery struct {
	Objects     []*Object // intact objects, oldest first
	Cuts        []Cut     // torn tails removed
	Quarantined []string  // object directories moved aside, with the reason
	// Foreign are entries of the directory the buffer did not make (the
	// buffer of another program given the same directory), left alone.
	Foreign []string
	// Voided are the frames dropped, per object, because their token was
	// begun and never committed (see tokens.go).
	Voided []Void
}

// ownEntries are the names the buffer keeps in its directory: the rest is
// someone else's. index.json and iceberg/ (the journal of objects waiting
// for their Iceberg commit, iceberg/JOURNAL.md) belong to the engine, which
// keeps them here.
var ownEntries = map[string]bool{"LOCK": true, "objects": true, "quarantine": true, "failed": true, "index.json": true, "index.json.tmp": true, "iceberg": true,
	tokensFile: true, tokensFile + ".tmp": true}

// Open locks dir (creating it) and recovers the objects it holds.
func Open(dir string, limit int64) (*Store, *Recovery, error) {
	return OpenWith(dir, limit, Options{})
}

// OpenWith is Open with options.
func OpenWith(dir string, limit int64, opt Options) (*Store, *Recovery, error) {
	for _, d := range []string{dir, filepath.Join(dir, "objects"), filepath.Join(dir, "quarantine")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, nil, fmt.Errorf("store_dir: cannot create the buffer directory: %w", err)
		}
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, nil, err
	}
	s := &Store{dir: dir, limit: limit, lock: lock}
	rec, err := s.recover(opt)
	if err != nil {
		lock.Close()
		return nil, nil, err
	}
	return s, rec, nil
}

func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "LOCK")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("store_dir %s is in use by another s3append instance; give each [OUTPUT] its own store_dir or bucket", dir)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return f, nil
}

func (s *Store) recover(opt Options) (*Recovery, error) {
	objs := filepath.Join(s.dir, "objects")
	entries, err := os.ReadDir(objs)
	if err != nil {
		return nil, err
	}
	rec := &Recovery{}
	void, committed, journal, err := s.recoverTokens(rec)
	if err != nil {
		return nil, err
	}
	if top, err := os.ReadDir(s.dir); err == nil {
		for _, e := range top {
			if !ownEntries[e.Name()] {
				rec.Foreign = append(rec.Foreign, e.Name())
			}
		}
	}
	for _, e := range entries {
		path := filepath.Join(objs, e.Name())
		if !e.IsDir() || e.Name()[0] == '.' {
			// Leftovers of an object that was being created or removed.
			if err := os.RemoveAll(path); err != nil {
				return nil, err
			}
			continue
		}
		o, cut, v, err := s.openObject(e.Name(), void, opt.CountRecords)
		if v != nil {
			rec.Voided = append(rec.Voided, *v)
		}
		if err == nil && o == nil {
			continue // removed: nothing of it was acknowledged
		}
		if err != nil {
			rec.Quarantined = append(rec.Quarantined, fmt.Sprintf("%s: %v", path, err))
			if qerr := s.quarantine(e.Name()); qerr != nil {
				return nil, qerr
			}
			continue
		}
		if cut != nil {
			rec.Cuts = append(rec.Cuts, *cut)
		}
		rec.Objects = append(rec.Objects, o)
	}
	sort.Slice(rec.Objects, func(i, j int) bool { return rec.Objects[i].ID < rec.Objects[j].ID })
	if len(rec.Cuts) > 0 || len(rec.Quarantined) > 0 || len(rec.Voided) > 0 {
		if err := syncDir(objs); err != nil {
			return nil, err
		}
	}
	// Only now, with every void frame gone from disk, may the journal
	// forget the void tokens: a crash before this point drops them again.
	if s.tok, err = openTokens(filepath.Join(s.dir, tokensFile), committed, journal); err != nil {
		for _, o := range rec.Objects {
			o.Close()
		}
		return nil, fmt.Errorf("rewriting the token journal: %w", err)
	}
	return rec, nil
}

func (s *Store) quarantine(id string) error {
	dst := filepath.Join(s.dir, "quarantine", fmt.Sprintf("%s-%d", id, time.Now().UnixNano()))
	return os.Rename(filepath.Join(s.dir, "objects", id), dst)
}

// openObject recovers one object. Frames of void tokens are dropped from
// its segment; an object left without record frames and with no upload to
// abort is removed, and then no object is returned.
func (s *Store) openObject(id string, void map[string]bool, count func(byte, []byte) int) (*Object, *Cut, *Void, error) {
	dir := filepath.Join(s.dir, "objects", id)
	// A rewrite cut short by a crash (dropVoid): data.seg is still whole.
	if err := os.Remove(filepath.Join(dir, "data.seg.tmp")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil, err
	}
	seg, cut, err := openSegment(filepath.Join(dir, "data.seg"))
	if err != nil {
		return nil, nil, nil, err
	}
	header, dataStart := readHeader(seg)
	m, err := readManifest(filepath.Join(dir, "manifest.json"))
	if err != nil {
		if header == nil {
			seg.f.Close()
			return nil, nil, nil, err
		}
		// The segment's header frame holds the manifest as created: the
		// object keeps its key; only upload progress is lost, and the
		// upload is redone from the frames.
		m = *header
		if werr := writeManifest(filepath.Join(dir, "manifest.json"), m); werr != nil {
			seg.f.Close()
			return nil, nil, nil, werr
		}
		cut = mergeCut(cut, &Cut{Path: filepath.Join(dir, "manifest.json"), Reason: fmt.Sprintf("manifest rebuilt from the segment header (%v)", err)})
	}
	var v *Void
	if len(void) > 0 {
		nseg, dropped, err := s.dropVoid(dir, seg, &m, void, count)
		if err != nil {
			seg.f.Close()
			return nil, nil, nil, fmt.Errorf("dropping frames of void tokens: %w", err)
		}
		if dropped != nil {
			seg, v = nseg, dropped
			if seg.size == dataStart && m.UploadID == "" {
				// Nothing acknowledged was ever in it, and no upload is
				// recorded that would need aborting.
				seg.f.Close()
				v.Removed = true
				return nil, cut, v, s.removeDir(id)
			}
		}
	}
	o := &Object{ID: id, dir: dir, store: s, seg: seg, manifest: m, dataStart: dataStart}
	o.committed.Store(seg.size)
	s.used.Add(seg.size - dataStart)
	return o, cut, v, nil
}

// removeDir removes an object's directory as Object.Remove does: renamed
// to a dot name first, so a crash leaves a leftover recovery deletes.
func (s *Store) removeDir(id string) error {
	objs := filepath.Join(s.dir, "objects")
	gone := filepath.Join(objs, "."+id+".removed")
	if err := os.Rename(filepath.Join(objs, id), gone); err != nil {
		return err
	}
	if err := syncDir(objs); err != nil {
		return err
	}
	return os.RemoveAll(gone)
}

// mergeCut reports a rebuilt manifest alongside a cut of the same object.
func mergeCut(a, b *Cut) *Cut {
	if a == nil {
		return b
	}
	a.Reason += "; " + b.Reason
	return a
}

// readHeader returns the manifest copy in the segment's first frame and
// where the data frames start (just past the magic when there is none).
func readHeader(seg *segment) (*Manifest, int64) {
	start := int64(len(segmentMagic))
	fr := newFrameReader(seg.f, start, seg.size)
	kind, data, err := fr.next()
	if err != nil || kind != KindHeader {
		return nil, start
	}
	var m Manifest
	if json.Unmarshal(data, &m) != nil || m.Key == "" {
		return nil, fr.off
	}
	m.Version = manifestVersion
	return &m, fr.off
}

// Create makes a new, empty object described by m. The object's directory
// is complete (manifest and segment) before it appears under objects/.
func (s *Store) Create(m Manifest) (*Object, error) {
	id := NewID()
	return s.CreateWithID(id, m)
}

// NewID returns a new object ID; IDs sort by creation time.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// CreateWithID is Create with an ID chosen by the caller (from NewID), for
// callers that render the ID into the object key.
func (s *Store) CreateWithID(id string, m Manifest) (*Object, error) {
	objs := filepath.Join(s.dir, "objects")
	tmp := filepath.Join(objs, "."+id)
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return nil, err
	}
	if err := writeManifest(filepath.Join(tmp, "manifest.json"), m); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	seg, err := createSegment(filepath.Join(tmp, "data.seg"))
	if err == nil {
		var hdr []byte
		if hdr, err = json.Marshal(m); err == nil {
			err = seg.append(appendFrame(nil, KindHeader, hdr))
		}
	}
	if err == nil {
		err = seg.f.Sync()
	}
	if err == nil {
		err = syncDir(tmp)
	}
	if err != nil {
		if seg != nil {
			seg.f.Close()
		}
		os.RemoveAll(tmp)
		return nil, err
	}
	dir := filepath.Join(objs, id)
	if err := os.Rename(tmp, dir); err != nil {
		seg.f.Close()
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := syncDir(objs); err != nil {
		seg.f.Close()
		return nil, err
	}
	m.Version = manifestVersion
	o := &Object{ID: id, dir: dir, store: s, seg: seg, manifest: m, dataStart: seg.size}
	o.committed.Store(seg.size)
	return o, nil
}

// Reserve claims n bytes of the store's limit for a write about to happen.
// An empty store takes any write, so a chunk larger than the whole limit is
// still accepted (once) instead of being retried forever.
func (s *Store) Reserve(n int64) error {
	for {
		u := s.used.Load()
		if s.limit > 0 && u > 0 && u+n > s.limit {
			return ErrFull
		}
		if s.used.CompareAndSwap(u, u+n) {
			return nil
		}
	}
}

// ForceReserve claims n bytes even past the limit, for the few bytes of
// dead letters written on behalf of records that are already buffered.
func (s *Store) ForceReserve(n int64) { s.used.Add(n) }

// Release returns bytes claimed by Reserve that were not written.
func (s *Store) Release(n int64) { s.used.Add(-n) }

// Used is the number of buffered bytes (frames in segment files).
func (s *Store) Used() int64 { return s.used.Load() }

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// Close releases the directory lock. Objects must be closed first.
func (s *Store) Close() error {
	if s.tok != nil {
		s.tok.close()
	}
	return s.lock.Close()
}
