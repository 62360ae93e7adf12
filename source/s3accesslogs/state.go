package s3accesslogs

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// stateVersion is the layout of the state file; a file of another
// version is refused rather than misread.
const stateVersion = 1

// state is what the source keeps across restarts, in one JSON file. It
// holds keys and counters, never log data, so its size follows the number
// of objects inside the window, not the bytes read.
type state struct {
	Version int `json:"version"`
	// Generation is bumped (and written) at every start, before any
	// batch is delivered, so no two runs deliver under the same token.
	Generation uint64 `json:"generation"`
	// ListFrom is the floor of the listing: only objects whose key time
	// is ListFrom or later are listed. It never goes back.
	ListFrom time.Time `json:"list_from"`
	// Newest is the newest key time among the objects taken.
	Newest time.Time `json:"newest"`
	// Taken are the objects done (read whole, or given up), by key, with
	// their key time, for the keys at or after ListFrom. Older keys are
	// dropped: no listing reaches below ListFrom again, so they cannot
	// come back.
	Taken map[string]takenObject `json:"taken"`
	// Objects are the objects admitted and not yet done.
	Objects map[string]*objectState `json:"objects"`
	// Cleanup is what remains to do for objects taken: tokens the engine
	// may forget, after_read. Done again after a crash; both are
	// harmless to repeat.
	Cleanup []cleanup `json:"cleanup,omitempty"`
}

// takenObject is one entry of the taken set.
type takenObject struct {
	Time time.Time `json:"t"`
	// At is when it was taken: discovery sqs remembers it for
	// dedupe_window from then.
	At time.Time `json:"at,omitzero"`
	// Failed says why an object was given up without its records (all
	// or the rest of them): it is not read again.
	Failed string `json:"failed,omitempty"`
}

// objectState is an object being read.
type objectState struct {
	Time time.Time `json:"t"`
	ETag string    `json:"etag"` // unquoted
	Size int64     `json:"size"`
	// BatchLines cuts this object's batches: the batch_lines of the run
	// that admitted it, kept so that a change of batch_lines across a
	// restart cannot move the cuts of an object half delivered.
	BatchLines int `json:"batch_lines"`
	// Segments say under which generation each run of batches was
	// delivered: from Segments[i].From up to the next segment's From. The
	// last is the current one; a run appends its own segment, at the
	// batch it resumes from, before it delivers anything.
	Segments []segment `json:"segments"`
}

type segment struct {
	Gen  uint64 `json:"gen"`
	From int    `json:"from"`
}

// cleanup is an object taken whose tokens are still to be forgotten and
// whose after_read is still to be done.
type cleanup struct {
	Key       string    `json:"key"`
	ETag      string    `json:"etag"`
	Segments  []segment `json:"segments"`
	Batches   int       `json:"batches"`              // batches delivered in all
	AfterRead string    `json:"after_read,omitempty"` // "" when nothing is to be done
}

// token names batch of the object with etag delivered in generation gen.
func token(etag string, gen uint64, batch int) string {
	return etag + "/" + strconv.FormatUint(gen, 10) + "/" + strconv.Itoa(batch)
}

// tokens lists every token an object's batches were delivered under.
func tokens(etag string, segs []segment, batches int) []string {
	var out []string
	for i, s := range segs {
		end := batches
		if i+1 < len(segs) {
			end = segs[i+1].From
		}
		for b := s.From; b < end; b++ {
			out = append(out, token(etag, s.Gen, b))
		}
	}
	return out
}

// keeper owns the state: changes are made under mu, and save writes the
// state as it is then. Saves are grouped: a save finds its change already
// written when another goroutine's save went first, so concurrent
// objects share one write.
type keeper struct {
	dir  string
	lock *os.File

	mu      sync.Mutex
	st      *state
	version uint64 // counts changes

	saveMu sync.Mutex
	saved  uint64 // the version on disk
	// dead stops every write, for a test that simulates a crash: the
	// file stays as it was at that moment.
	dead bool
}

const stateName = "state.json"

// openKeeper locks dir (one source per bucket and prefix in a store_dir)
// and reads its state, or starts an empty one.
func openKeeper(dir string) (*keeper, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("state directory %s is in use by another s3_access_logs source or s3append process (two sources may not read the same bucket and prefix with one store_dir): %w", dir, err)
	}
	k := &keeper{dir: dir, lock: lock, st: &state{Version: stateVersion, Taken: map[string]takenObject{}, Objects: map[string]*objectState{}}}
	data, err := os.ReadFile(filepath.Join(dir, stateName))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		k.close()
		return nil, fmt.Errorf("state file: %w", err)
	default:
		var st state
		if err := json.Unmarshal(data, &st); err != nil {
			k.close()
			return nil, fmt.Errorf("state file %s is not readable JSON (%v): move it away to start over, which reads again every object in the bucket under prefix", filepath.Join(dir, stateName), err)
		}
		if st.Version != stateVersion {
			k.close()
			return nil, fmt.Errorf("state file %s has version %d; this s3append reads version %d", filepath.Join(dir, stateName), st.Version, stateVersion)
		}
		if st.Taken == nil {
			st.Taken = map[string]takenObject{}
		}
		if st.Objects == nil {
			st.Objects = map[string]*objectState{}
		}
		k.st = &st
	}
	// Leftovers of a write cut short by a crash.
	os.Remove(filepath.Join(dir, stateName+".tmp"))
	return k, nil
}

func (k *keeper) close() {
	if k.lock != nil {
		k.lock.Close() // closing releases the flock
		k.lock = nil
	}
}

// change applies f to the state and returns the version to save.
func (k *keeper) change(f func(st *state)) uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	f(k.st)
	k.version++
	return k.version
}

// read calls f with the state, which f must not keep or change.
func (k *keeper) read(f func(st *state)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	f(k.st)
}

// save makes version v (or a later one) durable.
func (k *keeper) save(v uint64) error {
	k.saveMu.Lock()
	defer k.saveMu.Unlock()
	if k.saved >= v {
		return nil
	}
	if k.dead {
		return errors.New("the source has stopped")
	}
	k.mu.Lock()
	data, err := json.Marshal(k.st)
	cur := k.version
	k.mu.Unlock()
	if err != nil {
		return err
	}
	if err := writeFileSync(k.dir, stateName, data); err != nil {
		return err
	}
	k.saved = cur
	return nil
}

// kill stops every later write, as a crash would.
func (k *keeper) kill() {
	k.saveMu.Lock()
	k.dead = true
	k.saveMu.Unlock()
}

// writeFileSync replaces dir/name with data so that after a crash at any
// point the file is either the old one or the new one, whole.
func writeFileSync(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
