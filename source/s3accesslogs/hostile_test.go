package s3accesslogs

import (
	"context"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/source"
)

// Hostile input: a binary object, an empty object, stray quotes, a line
// that does not parse, AccessDenied on one key, an object deleted after
// it was listed. Each gets a clear log line; everything else is taken.
func TestHostileInputs(t *testing.T) {
	w := newWorld(t)
	w.cfg.batchLines = 50
	lines := genLines(6, 30)
	good := simpleKey("logs/", t0, "GOOD")
	w.put(good, lines[:10]...)

	// Binary: random bytes, newlines among them.
	rng := rand.New(rand.NewPCG(1, 2))
	bin := make([]byte, 256<<10)
	for i := range bin {
		bin[i] = byte(rng.IntN(256))
	}
	binary := simpleKey("logs/", t0.Add(time.Second), "BINARY")
	if err := w.store.PutObject(context.Background(), binary, bin, s3api.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	empty := simpleKey("logs/", t0.Add(2*time.Second), "EMPTY")
	w.put(empty)

	// Stray quotes parse; a truncated line does not and goes to the dead
	// letters with its key and line number.
	quoted := strings.Replace(lines[10], `"GET `, `"GET "weird"`, 1)
	mixed := simpleKey("logs/", t0.Add(3*time.Second), "MIXED")
	w.put(mixed, lines[11], quoted, "79a59df900b949e5 truncated line", "", lines[12])

	denied := simpleKey("logs/", t0.Add(4*time.Second), "DENIED")
	w.put(denied, lines[13:16]...)
	vanished := simpleKey("logs/", t0.Add(5*time.Second), "VANISHED")
	w.put(vanished, lines[16:20]...)
	w.store.SetFault(func(op, key string) error {
		switch {
		case op == s3api.OpGetObject && key == denied:
			return &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied", Fault: smithy.FaultClient}
		case op == s3api.OpGetObject && key == vanished:
			// Deleted between the listing and the GET.
			w.store.DeleteObject(context.Background(), key)
		}
		return nil
	})
	s := w.start()
	w.waitDone(s, good, binary, empty, mixed, denied, vanished)
	w.stop(s)

	want := append(append([]string(nil), lines[:10]...), lines[11], quoted, lines[12])
	expectExactlyOnce(t, w.sink, want, junk{mixed, 3, "79a59df900b949e5 truncated line"})
	for key, failed := range map[string]string{good: "", empty: "", mixed: "", binary: "unparseable_object", denied: "get_failed", vanished: "object_missing"} {
		if got, ok := taken(s, key); !ok || got.Failed != failed {
			t.Errorf("%s: taken %v, failed %q; want failed %q", key, ok, got.Failed, failed)
		}
	}
	if _, rejected := w.sink.records(); len(rejected) != 1 || !strings.Contains(rejected[0].Reason, "field") {
		t.Errorf("dead letters %v; want one, saying which field does not parse", rejected)
	}
	log := w.log.String()
	for _, want := range []string{
		"s3://logs/" + binary + " is not an S3 access log: lines 1 to 100 do not parse; given up",
		"s3://logs/" + mixed + " line 3 does not parse",
		"s3://logs/" + denied + " cannot be read (AccessDenied): skipped",
		"s3://logs/" + vanished + " was listed but is gone (NoSuchKey): skipped",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q:\n%s", want, log)
		}
	}
	if n := strings.Count(log, binary); n != 1 {
		t.Errorf("the binary object is named in %d log lines, want 1", n)
	}
	reasons, counts := w.stats.Rejects()
	got := map[string]int64{}
	for i, r := range reasons {
		got[r] = counts[i]
	}
	for r, n := range map[string]int64{"unparseable_object": 1, "get_failed": 1, "object_missing": 1, "unparsed_line": 1} {
		if got[r] != n {
			t.Errorf("Reject(%s) = %d, want %d (all: %v)", r, got[r], n, got)
		}
	}
}

// streamStore serves one generated object of size bytes that exists
// nowhere whole: OpenObject makes it as it is read. GetObject, which
// would hold it whole, fails the test.
type streamStore struct {
	s3api.Store
	t    *testing.T
	key  string
	size int64
	line []byte
	read atomic.Int64
}

func (s *streamStore) ListPage(ctx context.Context, r s3api.ListRequest) (s3api.ListResult, error) {
	if strings.HasPrefix(s.key, r.Prefix) && s.key > r.StartAfter && r.ContinuationToken == "" &&
		(r.Delimiter == "" || !strings.Contains(s.key[len(r.Prefix):], r.Delimiter)) {
		return s3api.ListResult{Objects: []s3api.ListedObject{{Key: s.key, Size: s.size, ETag: `"big"`}}}, nil
	}
	return s3api.ListResult{}, nil
}

func (s *streamStore) GetObject(context.Context, string) ([]byte, s3api.ObjectMeta, error) {
	s.t.Error("GetObject called: an object must be streamed")
	return nil, s3api.ObjectMeta{}, io.ErrUnexpectedEOF
}

func (s *streamStore) OpenObject(ctx context.Context, key string) (io.ReadCloser, s3api.ObjectVersion, error) {
	return io.NopCloser(&lineStream{s: s, left: s.size}), s3api.ObjectVersion{Size: s.size, ETag: `"big"`}, nil
}

// lineStream repeats the store's line until size bytes are read.
type lineStream struct {
	s    *streamStore
	left int64
	off  int
}

func (r *lineStream) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.left > 0 {
		c := copy(p[n:min(len(p), n+int(r.left))], r.s.line[r.off:])
		n += c
		r.left -= int64(c)
		r.off = (r.off + c) % len(r.s.line)
	}
	r.s.read.Add(int64(n))
	return n, nil
}

// countingSink counts what it is given and keeps nothing.
type countingSink struct {
	records atomic.Int64
}

func (c *countingSink) Deliver(string, []byte) source.Result { return source.Error }
func (c *countingSink) DeliverOnce(tag string, events []byte, token string) source.Result {
	c.records.Add(int64(strings.Count(string(events), "request_id")))
	return source.OK
}
func (c *countingSink) Committed(string, string) bool  { return false }
func (c *countingSink) Forget(string, ...string) error { return nil }

// A 50 MB object is read with memory bounded by a batch, not the object.
func TestStreamingKeepsMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 50 MB")
	}
	line := []byte(genLines(7, 1)[0] + "\n")
	const size = 50 << 20
	store := &streamStore{t: t, key: simpleKey("logs/", t0, "BIG"), size: size - size%int64(len(line)), line: line}
	w := newWorld(t)
	w.cfg.batchLines = 1000
	s := newSource(w.cfg, store)
	sink := &countingSink{}

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	}()
	if err := s.Start(source.Env{Sink: sink, Log: quietLog(), Stats: &source.Stats{}}); err != nil {
		t.Fatal(err)
	}
	w.waitDone(s, store.key)
	w.stop(s)
	close(stop)
	wg.Wait()

	wantLines := store.size / int64(len(line))
	if got := sink.records.Load(); got != wantLines {
		t.Errorf("%d records, want %d", got, wantLines)
	}
	if got := store.read.Load(); got != store.size {
		t.Errorf("read %d bytes of %d", got, store.size)
	}
	grew := int64(peak.Load()) - int64(base.HeapInuse)
	t.Logf("%d MB streamed, %d lines; heap in use grew by at most %.1f MB", store.size>>20, wantLines, float64(grew)/(1<<20))
	if grew > 16<<20 {
		t.Errorf("the heap grew by %.1f MB while streaming a %d MB object: it must stay near one batch", float64(grew)/(1<<20), store.size>>20)
	}
}
