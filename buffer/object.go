package buffer

import (
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// Object is the buffer of one S3 object: its manifest and segment.
//
// Appends happen under Lock so that a flush touching several objects can
// write, fsync and, on failure, roll back all of them before any other flush
// appends behind it. Readers use Frames up to Committed, which only covers
// acknowledged (synced) frames.
type Object struct {
	ID    string
	dir   string
	store *Store

	mu        sync.Mutex
	seg       *segment
	manifest  Manifest
	committed atomic.Int64
	dataStart int64 // end of the header frame: where record frames begin
	scratch   []byte
	closed    bool // the segment file is closed (object closed, removed or failed)
	renamed   bool // Remove renamed the directory away (its space is released)
}

func (o *Object) Lock()   { o.mu.Lock() }
func (o *Object) Unlock() { o.mu.Unlock() }

// SizeLocked is the segment's current end (including uncommitted frames).
func (o *Object) SizeLocked() int64 { return o.seg.size }

// AppendLocked writes one frame at the end of the segment. Space must have
// been reserved with Store.Reserve (FrameSize(len(data)) bytes).
func (o *Object) AppendLocked(kind byte, data []byte) error {
	o.scratch = appendFrameHeader(o.scratch[:0], kind, data)
	if err := o.seg.append(o.scratch); err != nil {
		return err
	}
	return o.seg.append(data)
}

// AppendOnceLocked writes one frame of a batch named by token: kind (1
// or 3) becomes 4 or 5 and the data is preceded by the token header.
// Space must have been reserved (FrameSizeOnce(token, len(data)) bytes).
func (o *Object) AppendOnceLocked(kind byte, token string, data []byte) error {
	kind = OnceKind(kind)
	hdr := appendTokenHeader(nil, token)
	crc := crc32.Update(crc32.Update(crc32.Update(0, castagnoli, []byte{kind}), castagnoli, hdr), castagnoli, data)
	o.scratch = binary.LittleEndian.AppendUint32(o.scratch[:0], uint32(1+len(hdr)+len(data)))
	o.scratch = binary.LittleEndian.AppendUint32(o.scratch, crc)
	o.scratch = append(append(o.scratch, kind), hdr...)
	if err := o.seg.append(o.scratch); err != nil {
		return err
	}
	return o.seg.append(data)
}

// SyncLocked fsyncs the segment.
func (o *Object) SyncLocked() error { return o.seg.f.Sync() }

// Sync fsyncs the segment unless the object was closed or removed
// meanwhile (then there is nothing left to make durable).
func (o *Object) Sync() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	return o.seg.f.Sync()
}

// RollbackLocked cuts the segment back to size after a failed flush and
// returns the space to the store.
func (o *Object) RollbackLocked(size int64) error {
	freed := o.seg.size - size
	if err := o.seg.truncate(size); err != nil {
		return err
	}
	o.store.Release(freed)
	return nil
}

// CommitLocked marks everything written so far as acknowledged.
func (o *Object) CommitLocked() { o.committed.Store(o.seg.size) }

// Committed is the end of the acknowledged frames.
func (o *Object) Committed() int64 { return o.committed.Load() }

// DataStart is the offset of the first record frame.
func (o *Object) DataStart() int64 { return o.dataStart }

// Frames reads the frames between two offsets (frame boundaries).
func (o *Object) Frames(from, to int64) *Frames {
	return &Frames{fr: newFrameReader(o.seg.f, from, to)}
}

// Frames iterates over frames; Data is valid until the next call to Next.
type Frames struct {
	fr   *frameReader
	Kind byte
	Data []byte
	err  error
}

// Next advances to the next frame; false at the end or on damage (see Err).
func (f *Frames) Next() bool {
	if f.err != nil {
		return false
	}
	f.Kind, f.Data, f.err = f.fr.next()
	return f.err == nil
}

// Offset is the offset just past the current frame.
func (f *Frames) Offset() int64 { return f.fr.off }

// Err is the error that stopped Next, nil at a clean end.
func (f *Frames) Err() error {
	if f.err == io.EOF {
		return nil
	}
	return f.err
}

// Manifest returns a copy of the object's manifest.
func (o *Object) Manifest() Manifest {
	o.mu.Lock()
	defer o.mu.Unlock()
	m := o.manifest
	m.Parts = append([]PartRecord(nil), m.Parts...)
	return m
}

// SaveManifest durably replaces the object's manifest.
func (o *Object) SaveManifest(m Manifest) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := writeManifest(filepath.Join(o.dir, "manifest.json"), m); err != nil {
		return err
	}
	m.Version = manifestVersion
	o.manifest = m
	return nil
}

// Remove deletes the object's files, once its data is safely in S3, and
// returns its space to the store. Called again after a failure, it goes on
// from the step that failed.
func (o *Object) Remove() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.closed {
		o.seg.f.Close()
		o.closed = true
	}
	// Rename first so a crash half-way through RemoveAll leaves a dot
	// directory that recovery deletes, never a partial object.
	gone := filepath.Join(filepath.Dir(o.dir), "."+o.ID+".removed")
	if !o.renamed {
		if err := os.Rename(o.dir, gone); err != nil {
			return err
		}
		o.renamed = true
		o.store.Release(o.seg.size - o.dataStart)
	}
	if err := syncDir(filepath.Dir(o.dir)); err != nil {
		return err
	}
	return os.RemoveAll(gone)
}

// Close closes the segment file (at shutdown; the object stays on disk).
func (o *Object) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	o.closed = true
	return o.seg.f.Close()
}

// Fail moves the object out of the buffer into failed/, where it is kept
// for a person to look at but no longer uploaded or counted against the
// store's limit. It returns the new location.
func (o *Object) Fail() (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	size := o.seg.size - o.dataStart
	if !o.closed {
		o.seg.f.Close()
		o.closed = true
	}
	failed := filepath.Join(o.store.dir, "failed")
	if err := os.MkdirAll(failed, 0o700); err != nil {
		return "", err
	}
	dst := filepath.Join(failed, o.ID)
	if err := os.Rename(o.dir, dst); err != nil {
		return "", err
	}
	if err := syncDir(filepath.Dir(o.dir)); err != nil {
		return "", err
	}
	o.store.Release(size)
	return dst, nil
}
