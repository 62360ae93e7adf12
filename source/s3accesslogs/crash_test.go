package s3accesslogs

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/source"
)

// crashWorld puts three objects (both layouts, batches of 3 lines: 3
// batches each) and returns their keys, their lines that parse and the
// one that does not: A and C hold 7 lines each, B 8, its fifth a line
// that does not parse, in its second batch.
func crashWorld(t *testing.T) (*world, []string, []string, junk) {
	w := newWorld(t)
	w.cfg.getWorkers = 1
	lines := genLines(4, 21)
	keys := []string{
		simpleKey("logs/", t0, "A"),
		datedKey("logs/", "123456789012", "us-east-1", "src", t0.Add(time.Second), "B"),
		simpleKey("logs/", t0.Add(2*time.Second), "C"),
	}
	bad := junk{key: keys[1], line: 5, text: "79a59df900b949e5 a line cut short"}
	for i, k := range keys {
		object := append([]string(nil), lines[i*7:i*7+7]...)
		if k == bad.key {
			object = append(object[:bad.line-1], append([]string{bad.text}, object[bad.line-1:]...)...)
		}
		w.put(k, object...)
	}
	return w, keys, lines, bad
}

// runCrashing starts a run that dies at the sink's call n (how), waits
// for the crash and abandons the run: its state file stays as it was at
// that moment. It says whether the crash came.
func runCrashing(t *testing.T, w *world, n int, how crash) bool {
	t.Helper()
	w.sink.crashAt, w.sink.crashHow = n, how
	w.sink.crashed = make(chan struct{})
	w.sink.calls = 0
	s := w.startWith(func(s *src) {
		// Set before the run starts, under the sink's lock, which die
		// holds: the crash may come at once.
		w.sink.mu.Lock()
		w.sink.onCrash = func() { s.keep.kill() }
		w.sink.mu.Unlock()
	})
	for deadline := time.Now().Add(10 * time.Second); !w.sink.isCrashed(); time.Sleep(2 * time.Millisecond) {
		if finished(s) || time.Now().After(deadline) {
			w.stop(s)
			w.sink.crashAt = -1
			return false
		}
	}
	s.Stop(deadlineCtx(t)) // abandons: the keeper is dead, nothing more is written
	w.sink.mu.Lock()
	w.sink.crashAt = -1
	w.sink.crashed = make(chan struct{})
	w.sink.onCrash = nil
	w.sink.mu.Unlock()
	return true
}

// finished says a run has nothing left to do: nothing in flight, no
// cleanup pending, and a poll since.
func finished(s *src) bool {
	var busy bool
	s.keep.read(func(st *state) { busy = len(st.Objects) > 0 || len(st.Cleanup) > 0 || len(st.Taken) == 0 })
	return !busy
}

// Every line is delivered exactly once, the one that does not parse as
// a dead letter, whatever call of the engine the process dies at: before a batch is committed, after it is committed
// but before the source wrote its state, after the state write but
// before the engine forgot the tokens; and after two crashes in a row.
func TestExactlyOnceAcrossCrashAtEveryStep(t *testing.T) {
	// A clean run makes 9 DeliverOnce and 3 Forget calls.
	const calls = 12
	for _, how := range []crash{crashBefore, crashAfter} {
		for n := range calls {
			for _, second := range []int{-1, 0, 2} {
				name := fmt.Sprintf("%s at call %d", map[crash]string{crashBefore: "before", crashAfter: "after"}[how], n)
				if second >= 0 {
					name += fmt.Sprintf(", again at call %d of the next run", second)
				}
				t.Run(name, func(t *testing.T) {
					w, keys, lines, bad := crashWorld(t)
					if !runCrashing(t, w, n, how) {
						t.Fatalf("no crash at call %d: the run made %d calls\n%s", n, w.sink.calls, w.log)
					}
					if second >= 0 {
						runCrashing(t, w, second, crashAfter) // may finish first: then nothing is left to crash
					}
					s := w.start()
					w.waitDone(s, keys...)
					w.stop(s)
					expectExactlyOnce(t, w.sink, lines, bad)
					if got := w.sink.committedTokens(); got < 9 {
						t.Errorf("%d batches committed, want at least 9", got)
					}
					var cleanups int
					s.keep.read(func(st *state) { cleanups = len(st.Cleanup) })
					if cleanups != 0 {
						t.Errorf("%d cleanups left after a clean stop", cleanups)
					}
				})
			}
		}
	}
}

// Retry from the engine: the same batch goes again, under the same token
// within the run, and lands once.
func TestRetryDeliversTheSameBatchAgain(t *testing.T) {
	w, keys, lines, bad := crashWorld(t)
	retries := 0
	w.sink.answer = func(call int, token string) source.Result {
		if call%3 == 0 && retries < 5 {
			retries++
			return source.Retry
		}
		return source.OK
	}
	s := w.start()
	w.waitDone(s, keys...)
	expectExactlyOnce(t, w.sink, lines, bad)
	seen := map[string]int{}
	for _, tok := range w.sink.tokens {
		seen[tok]++
	}
	again := 0
	for _, n := range seen {
		if n > 1 {
			again++
		}
	}
	if retries == 0 || again == 0 {
		t.Errorf("%d retries, %d tokens sent more than once: the test did not exercise Retry", retries, again)
	}
	if s := w.stats.Batches.Load(); s != 9 {
		t.Errorf("stats: %d batches acknowledged, want 9", s)
	}
	if r := w.stats.Records.Load(); r != 22 {
		t.Errorf("stats: %d lines acknowledged, want 22", r)
	}
}

// after_read delete removes an object only once its records are
// committed and the source has recorded it taken; a crash in between
// leaves it, and the next run removes it.
func TestAfterReadDeleteOnlyAfterCommit(t *testing.T) {
	w, keys, lines, bad := crashWorld(t)
	w.cfg.afterRead = afterDelete
	w.sink.beforeCommit = func(token string) {
		for _, k := range keys {
			if !strings.HasPrefix(token, etagOf(t, w, k)) {
				continue
			}
			if _, _, err := w.store.GetObject(deadlineCtx(t), k); err != nil {
				t.Errorf("%s is gone while its batch %s is being committed: %v", k, token, err)
			}
		}
	}
	// Die at the first Forget: after the state write, before the delete.
	if !runCrashing(t, w, 3, crashAfter) {
		t.Fatal("no crash")
	}
	left := 0
	for _, k := range keys {
		if _, _, err := w.store.GetObject(deadlineCtx(t), k); err == nil {
			left++
		}
	}
	if left != 3 {
		t.Errorf("%d of 3 objects left after a crash before the first after_read: none may have gone", left)
	}
	w.sink.beforeCommit = nil
	s := w.start()
	w.waitDone(s, keys...)
	w.stop(s)
	expectExactlyOnce(t, w.sink, lines, bad)
	for _, k := range keys {
		if _, _, err := w.store.GetObject(deadlineCtx(t), k); err == nil {
			t.Errorf("%s is still there after it was taken with after_read delete", k)
		}
	}
}

// after_read tag marks an object taken, keeping its other tags.
func TestAfterReadTag(t *testing.T) {
	w := newWorld(t)
	w.cfg.afterRead = afterTag
	key := simpleKey("logs/", t0, "T")
	if err := w.store.PutObject(deadlineCtx(t), key, []byte(genLines(5, 1)[0]+"\n"), s3apiTagged("team=sre")); err != nil {
		t.Fatal(err)
	}
	s := w.start()
	w.waitDone(s, key)
	w.stop(s)
	tags, err := w.store.GetObjectTagging(deadlineCtx(t), key)
	if err != nil || fmt.Sprint(tags) != "map[s3append:taken team:sre]" {
		t.Errorf("tags %v, %v; want s3append=taken beside team=sre", tags, err)
	}
}
