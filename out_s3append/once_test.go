package out_s3append

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/s3append/s3append/out_s3append/s3api"
)

// crash abandons an instance as a kill -9 would: no seal, no upload, no
// abort; whatever is on disk stays as it is. Only the goroutines stop and
// the files close, so that a new instance can lock the directory.
func crash(in *Instance) {
	in.cancel()
	in.wg.Wait()
	in.mu.Lock()
	for o := range in.all {
		o.buf.Close()
	}
	in.mu.Unlock()
	in.store.Close()
	unregisterMetrics(in)
}

// hourly keys put records of two hours into two objects.
var hourly = map[string]string{"s3_key_format": "/once/%H/$UUID.json.gz"}

func TestFlushOnceLandsOnceAndStaysCommitted(t *testing.T) {
	dir := t.TempDir()
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, dir, hourly), s3)
	// 60 records, 60 s apart from 09:59: two hours, two objects.
	c := chunk(0, 60, t0, time.Minute, 10)
	if r := in.FlushOnce("s3access", c, "gen1/batch-1"); r != OK {
		t.Fatal(r)
	}
	if !in.Committed("gen1/batch-1") || in.Committed("gen1/batch-2") {
		t.Fatal("Committed wrong after FlushOnce")
	}
	// Handed over again (the sender did not record it yet): taken once.
	if r := in.FlushOnce("s3access", c, "gen1/batch-1"); r != OK {
		t.Fatal(r)
	}
	if r := in.FlushOnce("s3access", nil, "gen1/empty"); r != OK || !in.Committed("gen1/empty") {
		t.Fatalf("empty batch: %v, committed %v", r, in.Committed("gen1/empty"))
	}
	if r := in.FlushOnce("s3access", c, ""); r != Error {
		t.Fatalf("empty token: %v", r)
	}
	in.Close()
	got := landed(t, s3, "")
	if len(got) != 2 {
		t.Fatalf("%d objects, want 2: %v", len(got), keysOf(got))
	}
	exactlyOnce(t, got, 60)

	// The token outlives the upload and the buffer, across a restart.
	in2, _ := startInstance(t, testConfig(t, dir, hourly), s3)
	if !in2.Committed("gen1/batch-1") {
		t.Fatal("Committed false after a restart")
	}
	if err := in2.Forget("gen1/batch-1"); err != nil {
		t.Fatal(err)
	}
	if in2.Committed("gen1/batch-1") || !in2.Committed("gen1/empty") {
		t.Fatal("Forget dropped the wrong tokens")
	}
	in2.Close()
	in3, _ := startInstance(t, testConfig(t, dir, hourly), s3)
	defer in3.Close()
	if in3.Committed("gen1/batch-1") || !in3.Committed("gen1/empty") {
		t.Fatal("after Forget and a restart the tokens are wrong")
	}
	exactlyOnce(t, landed(t, s3, ""), 60)
}

// A crash between the batch's synced frames and its commit: after the
// restart its records are not uploaded, in neither of the two objects it
// spans, and Committed is false; the sender hands it over again and it
// lands exactly once, beside plain records buffered before the crash.
func TestCrashBeforeTokenCommitDropsTheBatch(t *testing.T) {
	for _, format := range []string{"json_lines", "parquet"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			s3 := s3api.NewMemory()
			opts := map[string]string{"s3_key_format": hourly["s3_key_format"], "format": format}
			in, _ := startInstance(t, testConfig(t, dir, opts), s3)
			// Plain records of 09:xx, buffered before the crash.
			if r := in.Flush("app", chunk(0, 50, t0, time.Millisecond, 10)); r != OK {
				t.Fatal(r)
			}
			// A batch with records of 09:59 to 11:xx (three objects, one
			// shared with the plain records), and a dead letter.
			batch := append(chunk(50, 100, t0, time.Minute, 10), notMapEvent()...)
			beforeTokenCommit = func(string) error { panic("crash") }
			func() {
				defer func() { recover() }()
				in.FlushOnce("s3access", batch, "gen1/batch-1")
				t.Fatal("FlushOnce returned past the crash")
			}()
			beforeTokenCommit = nil
			crash(in)

			in2, logs := startInstance(t, testConfig(t, dir, opts), s3)
			if in2.Committed("gen1/batch-1") {
				t.Fatal("Committed true for a batch whose commit never happened")
			}
			if !strings.Contains(logs.String(), "begun and never committed") {
				t.Errorf("the dropped frames are not reported:\n%s", logs.String())
			}
			// The sender hands the batch over again, under a new generation.
			if r := in2.FlushOnce("s3access", batch, "gen2/batch-1"); r != OK {
				t.Fatal(r)
			}
			in2.Close()
			var got map[string][]int64
			if format == "parquet" {
				got = idsOf(t, parquetRows(t, s3, ""))
			} else {
				got = landed(t, s3, "")
			}
			exactlyOnce(t, got, 150)
			if dl := deadLetters(t, s3); len(dl) != 1 {
				t.Fatalf("%d dead letters, want the one of the batch handed over again", len(dl))
			}
		})
	}
}

// A commit that fails (the journal's disk) rolls the batch back and
// answers Retry: nothing of it is buffered, it is not Committed, and the
// batch handed over again lands once.
func TestFailedTokenCommitRollsBack(t *testing.T) {
	dir := t.TempDir()
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, dir, hourly), s3)
	c := chunk(0, 100, t0, time.Minute, 10)
	beforeTokenCommit = func(string) error { return errors.New("injected") }
	r := in.FlushOnce("s3access", c, "gen1/b")
	beforeTokenCommit = nil
	if r != Retry || in.Committed("gen1/b") {
		t.Fatalf("failed commit: %v, committed %v", r, in.Committed("gen1/b"))
	}
	if used := in.store.Used(); used != 0 {
		t.Fatalf("%d bytes buffered after the rollback", used)
	}
	if r := in.FlushOnce("s3access", c, "gen2/b"); r != OK {
		t.Fatal(r)
	}
	in.Close()
	exactlyOnce(t, landed(t, s3, ""), 100)
	in2, _ := startInstance(t, testConfig(t, dir, hourly), s3)
	defer in2.Close()
	if in2.Committed("gen1/b") || !in2.Committed("gen2/b") {
		t.Fatal("tokens wrong after a restart")
	}
}

// A full buffer answers Retry to FlushOnce and writes nothing: no frame,
// no new object, no journal entry.
func TestFlushOnceIntoAFullBufferWritesNothing(t *testing.T) {
	s3 := s3api.NewMemory()
	s3.SetFault(func(op, key string) error { return &smithy.GenericAPIError{Code: "SlowDown"} })
	dir := t.TempDir()
	in, _ := startInstance(t, testConfig(t, dir, map[string]string{
		"s3_key_format":        "/full/%H/$UUID",
		"store_dir_limit_size": "64K",
		"shutdown_timeout":     "0s",
	}), s3)
	defer in.Close()
	full := false
	for i := 0; i < 1000 && !full; i++ {
		full = in.Flush("app", chunk(i*100, 100, t0, time.Millisecond, 20)) == Retry
	}
	if !full {
		t.Fatal("the buffer never filled up")
	}
	objects := filepath.Join(dir, "logs", "objects")
	before, _ := os.ReadDir(objects)
	used := in.store.Used()
	// Records of another hour would open a new object.
	if r := in.FlushOnce("s3access", chunk(0, 100, t0.Add(5*time.Hour), time.Millisecond, 20), "gen1/x"); r != Retry {
		t.Fatalf("FlushOnce into a full buffer: %v", r)
	}
	after, _ := os.ReadDir(objects)
	if len(after) != len(before) || in.store.Used() != used || in.Committed("gen1/x") {
		t.Fatalf("a full buffer took something: %d new objects, %d bytes", len(after)-len(before), in.store.Used()-used)
	}
	if _, err := os.Stat(filepath.Join(dir, "logs", "tokens")); !os.IsNotExist(err) {
		t.Fatalf("the token journal was written: %v", err)
	}
}

// Concurrent hand-overs, plain flushes among them, each land once; a
// token handed over twice at once is taken once.
func TestConcurrentFlushOnce(t *testing.T) {
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"s3_key_format": "/$TAG/%H/$UUID"}), s3)
	const workers, per, n = 6, 10, 50
	done := make(chan struct{})
	for w := 0; w < workers; w++ {
		go func(w int) {
			defer func() { done <- struct{}{} }()
			for i := 0; i < per; i++ {
				first := (w*per + i) * n
				c := chunk(first, n, t0, time.Second, 30)
				if w%3 == 0 {
					if r := in.Flush("plain", c); r != OK {
						t.Errorf("flush: %v", r)
					}
					continue
				}
				tok := "batch-" + string(rune('a'+w)) + "-" + string(rune('a'+i))
				for r := in.FlushOnce("once", c, tok); r != OK; r = in.FlushOnce("once", c, tok) {
					if r != Retry {
						t.Errorf("FlushOnce: %v", r)
						return
					}
				}
			}
		}(w)
	}
	for w := 0; w < workers; w++ {
		<-done
	}
	in.Close()
	exactlyOnce(t, landed(t, s3, ""), workers*per*n)
}

// Two senders handing over the same batches at once (a re-read racing the
// first read): each batch is taken once.
func TestSameTokenHandedOverTwiceAtOnce(t *testing.T) {
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), nil), s3)
	const batches, n = 20, 50
	done := make(chan struct{})
	for w := 0; w < 2; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < batches; i++ {
				c := chunk(i*n, n, t0, time.Millisecond, 10)
				tok := "dup-" + string(rune('a'+i))
				for r := in.FlushOnce("once", c, tok); r != OK; r = in.FlushOnce("once", c, tok) {
					if r != Retry {
						t.Errorf("FlushOnce: %v", r)
						return
					}
				}
			}
		}()
	}
	<-done
	<-done
	in.Close()
	exactlyOnce(t, landed(t, s3, ""), batches*n)
}

// A flush's dead letters never stay in the flush scratch's spare group
// slots: a later flush with more routes reusing a slot would write them
// (and the dead letters of its own) into an events frame.
func TestDeadLettersDoNotLeakIntoLaterFlushes(t *testing.T) {
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), hourly), s3)
	id := 0
	next := func(n int, step time.Duration) []byte {
		c := chunk(id, n, t0, step, 5)
		id += n
		return c
	}
	for i := 0; i < 20; i++ {
		if r := in.Flush("app", next(3, time.Hour)); r != OK { // three routes
			t.Fatal(r)
		}
		if r := in.Flush("app", append(next(2, time.Millisecond), notMapEvent()...)); r != OK { // one route and a dead letter
			t.Fatal(r)
		}
		if r := in.Flush("app", next(2, time.Hour)); r != OK { // two routes
			t.Fatal(r)
		}
	}
	in.Close()
	exactlyOnce(t, landed(t, s3, ""), id)
	if dl := deadLetters(t, s3); len(dl) != 20 {
		t.Fatalf("%d dead letters, want 20", len(dl))
	}
	if n := in.Stats().RecordsRejected[RejectUnencodable].Load(); n != 0 {
		t.Fatalf("%d buffered records could not be read back", n)
	}
}
