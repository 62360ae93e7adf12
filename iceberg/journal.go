package iceberg

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/s3append/s3append/buffer"
)

// File is a Parquet object complete in S3 and waiting for its commit.
type File struct {
	Key       string    `json:"key"`
	Path      string    `json:"path"` // s3://bucket/key, as the table lists it
	Records   int64     `json:"records"`
	Size      int64     `json:"size"`
	Completed time.Time `json:"completed"`
}

// batch is a set of files committed in one snapshot, named before the
// commit is tried so that a commit whose reply was lost is recognised by
// its ID in the snapshot's summary.
type batch struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Files   []string  `json:"files"` // names in pending/
}

// Journal is the durable list of files waiting for their commit; its rules
// are in JOURNAL.md. It is safe for concurrent use.
type Journal struct {
	dir    string
	writer string

	mu      sync.Mutex
	files   map[string]File   // by name in pending/
	held    map[string]bool   // names whose object's buffer may still exist
	inBatch map[string]string // name -> batch ID
	batches []*batch          // oldest first
}

const (
	pendingDir = "pending"
	batchesDir = "batches"
	writerFile = "writer"
)

// OpenJournal opens (creating) the journal in dir. Every file found is
// held until ReleaseAll: the engine first drops the buffers of objects
// already complete in S3.
func OpenJournal(dir string) (*Journal, error) {
	for _, d := range []string{dir, filepath.Join(dir, pendingDir), filepath.Join(dir, batchesDir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("iceberg journal: %w", err)
		}
	}
	j := &Journal{dir: dir, files: map[string]File{}, held: map[string]bool{}, inBatch: map[string]string{}}
	w, err := os.ReadFile(filepath.Join(dir, writerFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		j.writer = uuid.NewString()
		if err := buffer.WriteFileAtomic(filepath.Join(dir, writerFile), []byte(j.writer+"\n")); err != nil {
			return nil, fmt.Errorf("iceberg journal: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("iceberg journal: %w", err)
	default:
		j.writer = strings.TrimSpace(string(w))
	}
	if err := j.load(); err != nil {
		return nil, err
	}
	return j, nil
}

func (j *Journal) load() error {
	entries, err := os.ReadDir(filepath.Join(j.dir, pendingDir))
	if err != nil {
		return fmt.Errorf("iceberg journal: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(j.dir, pendingDir, name)
		if !strings.HasSuffix(name, ".json") {
			os.Remove(path) // a temp file of a write that did not finish
			continue
		}
		var f File
		b, err := os.ReadFile(path)
		if err == nil {
			err = json.Unmarshal(b, &f)
		}
		if err != nil {
			// Written by rename only, so never torn; unreadable means the
			// disk is damaged: say so rather than lose it silently.
			return fmt.Errorf("iceberg journal: %s: %w", path, err)
		}
		j.files[name] = f
		j.held[name] = true
	}
	entries, err = os.ReadDir(filepath.Join(j.dir, batchesDir))
	if err != nil {
		return fmt.Errorf("iceberg journal: %w", err)
	}
	for _, e := range entries {
		path := filepath.Join(j.dir, batchesDir, e.Name())
		if !strings.HasSuffix(e.Name(), ".json") {
			os.Remove(path)
			continue
		}
		var b batch
		raw, err := os.ReadFile(path)
		if err == nil {
			err = json.Unmarshal(raw, &b)
		}
		if err != nil {
			return fmt.Errorf("iceberg journal: %s: %w", path, err)
		}
		// Files already removed were committed by this batch before a
		// crash cut its clean-up short.
		b.Files = slices.DeleteFunc(b.Files, func(n string) bool { _, ok := j.files[n]; return !ok })
		for _, n := range b.Files {
			j.inBatch[n] = b.ID
		}
		j.batches = append(j.batches, &b)
	}
	slices.SortFunc(j.batches, func(a, b *batch) int { return a.Created.Compare(b.Created) })
	return nil
}

// Writer is this journal's ID, written into each snapshot it commits.
func (j *Journal) Writer() string { return j.writer }

func nameOf(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:20]) + ".json"
}

// Add records f durably (fsync, rename, directory fsync), held: the caller
// releases it once the object's buffer is gone.
func (j *Journal) Add(f File) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	name := nameOf(f.Key)
	if err := buffer.WriteFileAtomic(filepath.Join(j.dir, pendingDir, name), b); err != nil {
		return fmt.Errorf("iceberg journal: %w", err)
	}
	j.mu.Lock()
	j.files[name] = f
	j.held[name] = true
	j.mu.Unlock()
	return nil
}

// Holds says whether the object of key is complete in S3 and waiting for
// its commit.
func (j *Journal) Holds(key string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	_, ok := j.files[nameOf(key)]
	return ok
}

// Release lets key be committed.
func (j *Journal) Release(key string) {
	j.mu.Lock()
	delete(j.held, nameOf(key))
	j.mu.Unlock()
}

// ReleaseAll lets every file found at open be committed.
func (j *Journal) ReleaseAll() {
	j.mu.Lock()
	clear(j.held)
	j.mu.Unlock()
}

// Waiting counts the files not yet committed, and gives the completion
// time of the oldest.
func (j *Journal) Waiting() (n int, oldest time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, f := range j.files {
		if oldest.IsZero() || f.Completed.Before(oldest) {
			oldest = f.Completed
		}
	}
	return len(j.files), oldest
}

// ready counts the released files in no batch.
func (j *Journal) ready() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	for name := range j.files {
		if !j.held[name] && j.inBatch[name] == "" {
			n++
		}
	}
	return n
}

// next returns the batch to commit: the oldest begun one, or a new one of
// up to max released files (oldest first), written durably before it is
// returned. nil when there is nothing to commit.
func (j *Journal) next(max int) (*batch, []File, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.batches) > 0 {
		b := j.batches[0]
		return b, j.filesOf(b), nil
	}
	var names []string
	for name := range j.files {
		if !j.held[name] && j.inBatch[name] == "" {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil, nil, nil
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := j.files[a].Completed.Compare(j.files[b].Completed); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	if len(names) > max {
		names = names[:max]
	}
	b := &batch{ID: uuid.NewString(), Created: time.Now().UTC(), Files: names}
	raw, err := json.Marshal(b)
	if err != nil {
		return nil, nil, err
	}
	if err := buffer.WriteFileAtomic(filepath.Join(j.dir, batchesDir, b.ID+".json"), raw); err != nil {
		return nil, nil, fmt.Errorf("iceberg journal: %w", err)
	}
	for _, n := range names {
		j.inBatch[n] = b.ID
	}
	j.batches = append(j.batches, b)
	return b, j.filesOf(b), nil
}

func (j *Journal) filesOf(b *batch) []File {
	out := make([]File, 0, len(b.Files))
	for _, n := range b.Files {
		out = append(out, j.files[n])
	}
	return out
}

// done forgets a committed batch: its files first, then the batch itself,
// so that a crash in between leaves a batch whose remaining files are
// recognised as committed by its ID.
func (j *Journal) done(b *batch) error {
	for _, n := range b.Files {
		if err := os.Remove(filepath.Join(j.dir, pendingDir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("iceberg journal: %w", err)
		}
	}
	if err := buffer.SyncDir(filepath.Join(j.dir, pendingDir)); err != nil {
		return fmt.Errorf("iceberg journal: %w", err)
	}
	if err := os.Remove(filepath.Join(j.dir, batchesDir, b.ID+".json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("iceberg journal: %w", err)
	}
	if err := buffer.SyncDir(filepath.Join(j.dir, batchesDir)); err != nil {
		return fmt.Errorf("iceberg journal: %w", err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, n := range b.Files {
		delete(j.files, n)
		delete(j.inBatch, n)
		delete(j.held, n)
	}
	j.batches = slices.DeleteFunc(j.batches, func(x *batch) bool { return x == b })
	return nil
}
