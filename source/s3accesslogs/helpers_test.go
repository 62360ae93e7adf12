package s3accesslogs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/format/s3access"
	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/source"
	"github.com/s3append/s3append/source/sourcetest"
	"github.com/s3append/s3append/test/datagen"
)

// genLines is n realistic access-log lines.
func genLines(seed uint64, n int) []string {
	g := datagen.New(datagen.S3Access, seed)
	out := make([]string, n)
	for i := range out {
		g.Next()
		out[i] = g.Text()
	}
	return out
}

// crash says where the fake engine makes the process "die".
type crash int

const (
	noCrash     crash = iota
	crashBefore       // the batch is not committed
	crashAfter        // the batch is committed, then the process dies before hearing OK
)

// onceSink is a fake engine that takes batches exactly once: it keeps
// every committed batch by token, answers Committed from them, and can
// simulate a crash at its n-th call (DeliverOnce or Forget): from then on
// it commits nothing more and the source's state file is frozen, as if
// the process were gone.
type onceSink struct {
	t  *testing.T
	mu sync.Mutex
	// committed is tag and token → the batch's events.
	committed map[string][]byte
	forgotten map[string]bool
	calls     int
	tokens    []string // every DeliverOnce token, in order
	// answer, when set, may answer a DeliverOnce Retry (call counts
	// every DeliverOnce and Forget from 0).
	answer func(call int, token string) source.Result
	// crashAt and crashHow arm a crash at call crashAt.
	crashAt  int
	crashHow crash
	crashed  chan struct{}
	onCrash  func()
	// beforeCommit is called with each batch about to be committed.
	beforeCommit func(token string)
}

func newOnceSink(t *testing.T) *onceSink {
	return &onceSink{t: t, committed: map[string][]byte{}, forgotten: map[string]bool{}, crashAt: -1, crashed: make(chan struct{})}
}

func (k *onceSink) Deliver(tag string, events []byte) source.Result {
	k.t.Error("Deliver called: this source must use DeliverOnce")
	return source.Error
}

func (k *onceSink) isCrashed() bool {
	select {
	case <-k.crashed:
		return true
	default:
		return false
	}
}

// step counts a call and says whether it is the one that crashes.
func (k *onceSink) step() (dead, crashNow bool) {
	if k.isCrashed() {
		return true, false
	}
	n := k.calls
	k.calls++
	return false, n == k.crashAt
}

func (k *onceSink) die() {
	if k.onCrash != nil {
		k.onCrash()
	}
	close(k.crashed)
}

func (k *onceSink) DeliverOnce(tag string, events []byte, token string) source.Result {
	k.mu.Lock()
	defer k.mu.Unlock()
	dead, crashNow := k.step()
	if dead {
		return source.Retry // the process is gone: nothing more is taken
	}
	k.tokens = append(k.tokens, token)
	if crashNow && k.crashHow == crashBefore {
		k.die()
		return source.Retry
	}
	if k.answer != nil {
		if res := k.answer(k.calls-1, token); res != source.OK {
			return res
		}
	}
	if _, dup := k.committed[tag+" "+token]; dup {
		k.t.Errorf("DeliverOnce of token %s, which is already committed: a token must be new for every attempt that can commit", token)
	}
	if k.beforeCommit != nil {
		k.beforeCommit(token)
	}
	var r format.Reader
	var ev format.Event
	r.Reset(events)
	for {
		err := r.Next(&ev)
		if err != nil {
			if isRejected(err) != nil {
				continue // a dead letter of the batch
			}
			if !errors.Is(err, io.EOF) {
				k.t.Errorf("batch %s does not read as events: %v", token, err)
			}
			break
		}
	}
	k.committed[tag+" "+token] = append([]byte(nil), events...)
	if crashNow {
		k.die()
	}
	return source.OK
}

func (k *onceSink) Committed(tag, token string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.committed[tag+" "+token]
	return ok
}

func (k *onceSink) Forget(tag string, tokens ...string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	dead, crashNow := k.step()
	if dead {
		return errors.New("gone")
	}
	if crashNow {
		k.die()
		return errors.New("crashed")
	}
	for _, tok := range tokens {
		k.forgotten[tag+" "+tok] = true
	}
	return nil
}

// isRejected is the rejection a reader's error carries: the event of a
// line that does not parse, which the engine writes to the dead letters.
func isRejected(err error) *format.Rejection {
	var de *format.DecodeError
	if errors.As(err, &de) && de.Skipped {
		return de.Rejected
	}
	return nil
}

// records is every committed record, as raw msgpack maps, and every
// committed rejection (what the engine writes to the dead letters).
func (k *onceSink) records() (records [][]byte, rejected []*format.Rejection) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, events := range k.committed {
		var r format.Reader
		r.Reset(events)
		for {
			var ev format.Event
			err := r.Next(&ev)
			if rej := isRejected(err); rej != nil {
				rejected = append(rejected, rej)
				continue
			}
			if err != nil {
				break
			}
			records = append(records, ev.Record)
		}
	}
	return records, rejected
}

// committedTokens is how many batches were committed.
func (k *onceSink) committedTokens() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.committed)
}

// world is a bucket, a store_dir and an engine shared by the runs of a
// test, so that a run can "crash" and another take over.
type world struct {
	t     *testing.T
	store *s3api.Memory
	dir   string
	sink  *onceSink
	log   *sourcetest.Log
	stats *source.Stats
	cfg   config
}

func newWorld(t *testing.T) *world {
	dir := t.TempDir()
	return &world{
		t: t, store: s3api.NewMemory(), dir: dir, sink: newOnceSink(t), log: &sourcetest.Log{}, stats: &source.Stats{},
		cfg: config{
			name: "s3_access_logs.0", tag: Type, bucket: "logs", prefix: "logs/", stateDir: stateDir(dir, "logs", "logs/"),
			pollInterval: 20 * time.Millisecond, window: 2 * time.Hour, afterRead: afterKeep,
			maxInFlight: 10, getWorkers: 2, batchLines: 3,
		},
	}
}

// start starts a run of the source on the world.
func (w *world) start() *src {
	w.t.Helper()
	return w.startWith(nil)
}

// startWith starts a run; before, when set, sees the source first.
func (w *world) startWith(before func(*src)) *src {
	w.t.Helper()
	s := newSource(w.cfg, w.store)
	if before != nil {
		before(s)
	}
	s.backoffMin = time.Millisecond
	s.listPageSize = 3
	logger := out_s3append.NewComponentLogger(w.log, "input:"+Type)
	logger.SetLevel(out_s3append.LevelDebug)
	if err := s.Start(source.Env{Sink: w.sink, Log: logger, Stats: w.stats}); err != nil {
		w.t.Fatalf("Start: %v", err)
	}
	w.t.Cleanup(func() { s.Stop(context.Background()) })
	return s
}

// stop stops a run and fails the test if it does not stop cleanly.
func (w *world) stop(s *src) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		w.t.Fatalf("Stop: %v", err)
	}
}

// put stores an object.
func (w *world) put(key string, lines ...string) {
	w.t.Helper()
	body := strings.Join(lines, "\n")
	if len(lines) > 0 {
		body += "\n"
	}
	if err := w.store.PutObject(context.Background(), key, []byte(body), s3api.PutOptions{}); err != nil {
		w.t.Fatal(err)
	}
}

// waitDone waits until every key is taken (or failed) and nothing is in
// flight or left to clean up. A key below the floor counts as taken: the taken set drops such
// keys (expectExactlyOnce then checks their lines arrived).
func (w *world) waitDone(s *src, keys ...string) {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var missing []string
		var inFlight int
		s.keep.read(func(st *state) {
			inFlight = len(st.Objects) + len(st.Cleanup)
			for _, k := range keys {
				kt, ok := simpleKeyTime(w.cfg.prefix, k)
				if !ok {
					kt = time.Now() // a dated key: only the taken set says
				}
				if _, ok := st.Taken[k]; !ok && !kt.Before(st.ListFrom) {
					missing = append(missing, k)
				}
			}
		})
		if len(missing) == 0 && inFlight == 0 {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("not taken after 20s: %v (%d in flight)\nlog:\n%s", missing, inFlight, w.log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// taken is the state's entry for key.
func taken(s *src, key string) (takenObject, bool) {
	var t takenObject
	var ok bool
	s.keep.read(func(st *state) { t, ok = st.Taken[key] })
	return t, ok
}

// junk is a line that does not parse: its object, its 1-based number
// there and its text.
type junk struct {
	key  string
	line int
	text string
}

// expectExactlyOnce fails unless the committed records are exactly the
// records of lines (each once), and the committed rejections (the dead
// letters) exactly the lines of junks, each once with the object's
// s3:// name, the line number and the line's text.
func expectExactlyOnce(t *testing.T, sink *onceSink, lines []string, junks ...junk) {
	t.Helper()
	want := map[string]int{}
	for _, l := range lines {
		rec, _, err := s3access.ParseLine(nil, []byte(l))
		if err != nil {
			t.Fatalf("test line does not parse: %v", err)
		}
		want[string(rec)]++
	}
	got := map[string]int{}
	records, rejected := sink.records()
	for _, r := range records {
		got[string(r)]++
	}
	var problems []string
	for rec, n := range want {
		if got[rec] != n {
			problems = append(problems, fmt.Sprintf("a line delivered %d times, want %d", got[rec], n))
		}
	}
	for rec, n := range got {
		if want[rec] == 0 {
			problems = append(problems, fmt.Sprintf("a record delivered %d times that no line made", n))
		}
	}
	wantJunk := map[junk]int{}
	for _, j := range junks {
		wantJunk[junk{"s3://logs/" + j.key, j.line, j.text}]++
	}
	gotJunk := map[junk]int{}
	for _, r := range rejected {
		if r.Reason == "" {
			problems = append(problems, fmt.Sprintf("the dead letter of line %d of %s gives no reason", r.Line, r.Origin))
		}
		gotJunk[junk{r.Origin, r.Line, string(r.Raw)}]++
	}
	for j, n := range wantJunk {
		if gotJunk[j] != n {
			problems = append(problems, fmt.Sprintf("line %d of %s is in %d dead letters, want %d", j.line, j.key, gotJunk[j], n))
		}
	}
	for j, n := range gotJunk {
		if wantJunk[j] == 0 {
			problems = append(problems, fmt.Sprintf("%d dead letters of line %d of %s (%q), which is no junk line of the test", n, j.line, j.key, j.text))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		t.Fatalf("%d problem(s), e.g. %s", len(problems), strings.Join(problems[:min(5, len(problems))], "; "))
	}
}

func deadlineCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// etagOf is key's ETag as the listing has it, unquoted.
func etagOf(t *testing.T, w *world, key string) string {
	res, err := w.store.ListPage(deadlineCtx(t), s3api.ListRequest{Prefix: key})
	if err != nil || len(res.Objects) == 0 {
		return "\x00none"
	}
	return strings.Trim(res.Objects[0].ETag, `"`)
}

func s3apiTagged(tagging string) s3api.PutOptions { return s3api.PutOptions{Tagging: tagging} }

func quietLog() *out_s3append.Logger {
	l := out_s3append.NewComponentLogger(io.Discard, "input:"+Type)
	return l
}
