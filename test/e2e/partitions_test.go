package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/e2e/feed"
	"github.com/s3append/s3append/test/e2e/host"
	"github.com/s3append/s3append/test/e2e/sample"
)

// lockedLog is the host's output, safe to read while the host writes it.
type lockedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// liveHost is flbhost reading its feed from a pipe, so the test decides
// when each record arrives and can look at the bucket in between.
type liveHost struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	feed   *feed.Writer
	acks   string
	sent   int
	log    lockedLog
	exited chan error
}

func startLive(t *testing.T, dir, cfg string) *liveHost {
	t.Helper()
	h := &liveHost{acks: filepath.Join(dir, "acks.log"), exited: make(chan error, 1)}
	h.cmd = hostCmd(host.Run{Config: cfg, Feed: "-", Acks: h.acks, RetryBase: 20 * time.Millisecond}, nil)
	h.cmd.Stdout, h.cmd.Stderr = &h.log, &h.log
	var err error
	if h.stdin, err = h.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { h.exited <- h.cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-h.exited:
		default:
			h.cmd.Process.Kill()
			<-h.exited
		}
	})
	h.feed = feed.NewWriter(h.stdin)
	return h
}

// send feeds one chunk and waits until the host acknowledged it.
func (h *liveHost) send(t *testing.T, tag string, chunk []byte) {
	t.Helper()
	if err := h.feed.Write(tag, chunk); err != nil {
		t.Fatalf("feeding the host: %v\n%s", err, h.log.String())
	}
	h.sent++
	h.waitFor(t, "the host's acknowledgement", func() (bool, string) {
		n := countOK(h.acks)
		return n >= h.sent, fmt.Sprintf("%d of %d entries acknowledged", n, h.sent)
	})
}

// waitFor polls cond until it holds, failing if the host exits first;
// cond also says what it saw, for the failure message.
func (h *liveHost) waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		ok, saw := cond()
		if ok {
			return
		}
		select {
		case err := <-h.exited:
			h.exited <- err
			t.Fatalf("host exited (%v) while waiting for %s (%s)\n%s", err, what, saw, h.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (%s)\n%s", what, saw, h.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// finish ends the feed, waits for a clean exit and checks that every
// entry was acknowledged; it returns the host's log.
func (h *liveHost) finish(t *testing.T) string {
	t.Helper()
	h.stdin.Close()
	select {
	case err := <-h.exited:
		h.exited <- err
		if err != nil {
			t.Fatalf("host exit: %v\n%s", err, h.log.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("host still running 30 s after the end of its feed\n%s", h.log.String())
	}
	acks, err := feed.ReadAcks(h.acks)
	if err != nil {
		t.Fatal(err)
	}
	allOK(t, acks, 1, h.sent, h.log.String())
	return h.log.String()
}

// objectKeys lists the completed objects under prefix.
func objectKeys(t *testing.T, store s3api.Store, prefix string) []string {
	t.Helper()
	objs, err := store.ListObjects(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(objs))
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	sort.Strings(keys)
	return keys
}

// idsByFile groups what DuckDB read by object (its path under down),
// after checking every record's fields and event time as sent from start.
func idsByFile(t *testing.T, got []landed, down string, start time.Time, step time.Duration) map[string][]int64 {
	t.Helper()
	out := map[string][]int64{}
	for _, l := range got {
		if want := sample.Time(l.ID, start, step).Format("2006-01-02T15:04:05.000000Z"); l.Date != want {
			t.Fatalf("record %d: date %q, want %q", l.ID, l.Date, want)
		}
		if diff := fieldDiff(sample.Record(l.ID), l.Fields); diff != "" {
			t.Fatalf("record %d: %s", l.ID, diff)
		}
		rel, err := filepath.Rel(down, l.File)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.ToSlash(rel)] = append(out[filepath.ToSlash(rel)], l.ID)
	}
	return out
}

// sameIDs says whether ids holds exactly first..first+n-1, once each.
func sameIDs(ids []int64, first, n int64) bool {
	if int64(len(ids)) != n {
		return false
	}
	s := append([]int64(nil), ids...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	for i, id := range s {
		if id != first+int64(i) {
			return false
		}
	}
	return true
}

// Records of an hour long over: the first burst's object is completed by
// late_data_window while the host runs (upload_timeout is an hour off),
// and a second burst of the same hour, later than the window, goes to a
// second object under that same hour, never to another hour's.
func TestLateDataWindowE2E(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket": bucket, "late_data_window": "3s", "upload_timeout": "1h",
		"s3_key_format": "/late/%Y%m%d/%H/$UUID.json.gz",
	}})
	hour := time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour)
	start, step := hour.Add(5*time.Minute), time.Second // 1200 records: 5 to 25 past
	prefix := hour.Format("late/20060102/15/")

	h := startLive(t, dir, cfg)
	// Each burst is two chunks, the second sent as soon as the first is
	// acknowledged: far less than the 3 s window apart, so one object.
	h.send(t, "app", sample.Chunk(0, 300, start, step))
	h.send(t, "app", sample.Chunk(300, 300, start, step))
	var first []string
	h.waitFor(t, "the first burst's object completed by late_data_window", func() (bool, string) {
		first = objectKeys(t, store, "")
		return len(first) > 0, fmt.Sprintf("objects %v", first)
	})
	if len(first) != 1 || !strings.HasPrefix(first[0], prefix) {
		t.Fatalf("objects %v after the first burst, want one under %s", first, prefix)
	}
	noOpenUploads(t, store)

	h.send(t, "app", sample.Chunk(600, 300, start, step))
	h.send(t, "app", sample.Chunk(900, 300, start, step))
	log := h.finish(t)

	keys := objectKeys(t, store, "")
	if len(keys) != 2 {
		t.Fatalf("objects %v, want two: the first burst's and the late one's\n%s", keys, log)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			t.Fatalf("object %s outside the records' hour %s", k, prefix)
		}
	}
	down := filepath.Join(dir, "down")
	download(t, store, down)
	byFile := idsByFile(t, readBack(t, down+"/late/*/*/*.json.gz", "gzip"), down, start, step)
	for key, ids := range byFile {
		want := int64(600)
		if key == first[0] {
			want = 0
		}
		if !sameIDs(ids, want, 600) {
			t.Errorf("object %s holds %d records, want exactly ids %d..%d", key, len(ids), want, want+599)
		}
	}
	if len(byFile) != 2 {
		t.Errorf("records read from %d objects, want 2", len(byFile))
	}
	noOpenUploads(t, store)
}

// With max_open_objects 2 and one object per tag, each flush of a third
// tag completes the least recently written object while the host runs;
// the warning names the tag as what multiplies objects, and every record
// lands once, under its own tag.
func TestMaxOpenObjectsE2E(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket": bucket, "max_open_objects": "2", "upload_timeout": "1h",
		"s3_key_format": "/moo/$TAG/$UUID.json.gz",
	}})
	tags := []string{"a", "b", "c", "d"}
	const per = 100
	tagOf := map[int64]string{}
	next := int64(0)
	h := startLive(t, dir, cfg)
	sendRound := func() {
		for _, tag := range tags {
			h.send(t, tag, sample.Chunk(next, per, t0, time.Millisecond))
			for id := next; id < next+per; id++ {
				tagOf[id] = tag
			}
			next += per
		}
	}
	counts := func() map[string]int {
		c := map[string]int{}
		for _, tag := range tags {
			c[tag] = len(objectKeys(t, store, "moo/"+tag+"/"))
		}
		return c
	}
	// expect waits until the completed objects per tag are want, in tag
	// order; the open ones cannot complete before exit, so more would fail.
	expect := func(stage string, want ...int) {
		h.waitFor(t, stage, func() (bool, string) {
			got := counts()
			for i, tag := range tags {
				if got[tag] != want[i] {
					return false, fmt.Sprintf("objects per tag %v, want %v", got, want)
				}
			}
			return true, ""
		})
	}

	// a, b, c, d: c evicts a, d evicts b; c and d stay open.
	sendRound()
	expect("a and b completed early, c and d still open", 1, 1, 0, 0)
	// a, b, c, d again: each evicts the least recently written, c d a b.
	sendRound()
	expect("c, d, then the second a and b completed early", 2, 2, 1, 1)
	log := h.finish(t)

	if got := counts(); got["a"] != 2 || got["b"] != 2 || got["c"] != 2 || got["d"] != 2 {
		t.Fatalf("objects per tag %v, want 2 each\n%s", got, log)
	}
	if !strings.Contains(log, "max_open_objects (2) reached") || !strings.Contains(log, "one object per value of the tag") {
		t.Errorf("no max_open_objects warning naming the tag in the log:\n%s", log)
	}
	down := filepath.Join(dir, "down")
	download(t, store, down)
	got := readBack(t, down+"/moo/*/*.json.gz", "gzip")
	byFile := idsByFile(t, got, down, t0, time.Millisecond)
	seen := map[int64]int{}
	for key, ids := range byFile {
		for _, id := range ids {
			seen[id]++
			if !strings.HasPrefix(key, "moo/"+tagOf[id]+"/") {
				t.Fatalf("record %d of tag %q in object %s", id, tagOf[id], key)
			}
		}
		// One flush per object: an evicted object never takes more.
		if len(ids) != per {
			t.Errorf("object %s holds %d records, want one flush's %d", key, len(ids), per)
		}
	}
	for id := int64(0); id < next; id++ {
		if seen[id] != 1 {
			t.Fatalf("record %d landed %d times", id, seen[id])
		}
	}
	if len(got) != int(next) {
		t.Fatalf("%d records read, %d sent", len(got), next)
	}
	noOpenUploads(t, store)
}
