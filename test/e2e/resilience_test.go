package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/e2e/faultproxy"
	"github.com/s3append/s3append/test/e2e/feed"
	"github.com/s3append/s3append/test/e2e/host"
	"github.com/s3append/s3append/test/e2e/s3server"
	"github.com/tinylib/msgp/msgp"
)

// streamRun is flbhost reading its feed from a pipe, as Fluent Bit gets
// records from its inputs while it runs.
type streamRun struct {
	cmd     *exec.Cmd
	log     bytes.Buffer
	acks    string
	entries []entry
	mu      sync.Mutex
	done    chan struct{}
}

// startStream starts flbhost and a writer that feeds it entries one by one
// (each made by next) until stop is closed or the host goes away.
func startStream(t *testing.T, cfg, acks string, grace time.Duration, next func() entry, stop <-chan struct{}) *streamRun {
	t.Helper()
	r := &streamRun{acks: acks, done: make(chan struct{})}
	r.cmd = hostCmd(host.Run{Config: cfg, Feed: "-", Acks: acks, Grace: grace, RetryBase: 20 * time.Millisecond}, &r.log)
	stdin, err := r.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(r.done)
		defer stdin.Close()
		w := feed.NewWriter(stdin)
		for {
			select {
			case <-stop:
				return
			default:
			}
			e := next()
			r.mu.Lock()
			r.entries = append(r.entries, e)
			r.mu.Unlock()
			if w.Write(e.tag, e.chunk()) != nil {
				return
			}
		}
	}()
	return r
}

// acked returns the entries this run acknowledged.
func (r *streamRun) acked(t *testing.T) []entry {
	t.Helper()
	<-r.done
	acks, err := feed.ReadAcks(r.acks)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []entry
	for _, a := range acks {
		if a.Kind == feed.OK && int(a.Seq) < len(r.entries) {
			out = append(out, r.entries[a.Seq])
		}
	}
	return out
}

// checkAcked verifies the bucket: every acknowledged record exactly once,
// no record twice, nothing unknown, and no multipart upload left open.
func checkAcked(t *testing.T, dir string, store s3api.Store, acked, sent []entry, glob, compression string) {
	t.Helper()
	down := filepath.Join(dir, "down")
	download(t, store, down)
	got := readBack(t, filepath.Join(down, glob), compression)
	mustHave := wantIDs(acked)
	mayHave := wantIDs(sent)
	seen := map[int64]int{}
	for _, l := range got {
		seen[l.ID]++
		if _, ok := mayHave[l.ID]; !ok {
			t.Fatalf("record %d landed but was never sent", l.ID)
		}
		if seen[l.ID] > 1 {
			t.Fatalf("record %d landed %d times", l.ID, seen[l.ID])
		}
	}
	missing := 0
	for id := range mustHave {
		if seen[id] != 1 {
			missing++
		}
	}
	t.Logf("records sent %d, acknowledged %d, found %d, acknowledged but missing %d, duplicated 0",
		len(mayHave), len(mustHave), len(got), missing)
	if missing > 0 {
		t.Fatalf("%d acknowledged records missing", missing)
	}
	noOpenUploads(t, store)
}

// TestKill9Loop kills the host with SIGKILL at random moments while
// records flow and uploads run, and restarts it, S3APPEND_KILL_LOOPS times
// (30 by default): at the end every acknowledged record is in the bucket
// exactly once and no multipart upload is open.
func TestKill9Loop(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	acked, sent := killLoop{
		loops: 30,
		opts: map[string]string{
			"bucket": bucket, "compression": "none", "upload_timeout": "1s",
			"s3_key_format": "/loop/$TAG/%Y%m%d%H/$UUID.json",
		},
		bigEvery: 5, // some runs buffer enough for multipart uploads
		small:    chunkSpec{15, 200},
		big:      chunkSpec{60, 250},
		step:     20 * time.Millisecond,
		killAt: func(t *testing.T, r *streamRun, big bool, rng *rand.Rand) {
			wait := time.Duration(rng.IntN(800)) * time.Millisecond
			if big {
				wait += time.Second
			}
			time.Sleep(wait) // a random moment, not a synchronisation
		},
	}.run(t, dir)
	checkAcked(t, dir, store, acked, sent, "**/*.json", "uncompressed")
}

// TestS3Away stops the S3 server under load and starts it again: flushes
// keep being acknowledged meanwhile, and the buffer drains afterwards with
// nothing lost.
func TestS3Away(t *testing.T) {
	dir := t.TempDir()
	srv := s3server.StartForTest(t)
	store, err := srv.Store("away")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateBucket(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket": "away", "endpoint": srv.Endpoint, "upload_timeout": "1s",
	}})
	next := int64(0)
	var mu sync.Mutex
	stop := make(chan struct{})
	r := startStream(t, cfg, filepath.Join(dir, "acks"), 600*time.Second, func() entry {
		mu.Lock()
		defer mu.Unlock()
		e := entry{tag: "app", first: next, n: 100, step: 10 * time.Millisecond}
		next += 100
		time.Sleep(10 * time.Millisecond) // a steady flow, not a flood
		return e
	}, stop)
	waitAcks(t, r.acks, 20, &r.log)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	ackedBefore := countOK(r.acks)
	waitAcks(t, r.acks, ackedBefore+100, &r.log) // flushes go on without S3
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-r.done
	if err := r.cmd.Wait(); err != nil {
		t.Fatalf("host: %v\n%s", err, r.log.String())
	}
	if !strings.Contains(r.log.String(), "retrying") {
		t.Fatalf("no upload failed while the server was away:\n%s", r.log.String())
	}
	checkAcked(t, dir, store, r.acked(t), r.entries, "**/*.json.gz", "gzip")
}

// countOK is the number of entries acknowledged OK so far in an ack log.
func countOK(path string) int {
	acks, _ := feed.ReadAcks(path)
	n := 0
	for _, a := range acks {
		if a.Kind == feed.OK {
			n++
		}
	}
	return n
}

// TestFaultyS3 puts a proxy between the plugin and the server that answers
// 503 SlowDown, 500, resets connections, loses replies and delays requests:
// everything lands, nothing twice.
func TestFaultyS3(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	proxy, err := faultproxy.Start(server.Endpoint, faultproxy.Config{
		Seed: time.Now().UnixNano(), SlowDown: 0.1, ServerError: 0.05, LostReply: 0.05, Reset: 0.03,
		Slow: 0.03, SlowDelay: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	cfg := writeConfig(t, dir, output{match: "*", workers: 2, opts: map[string]string{
		"bucket": bucket, "endpoint": proxy.URL, "compression": "none", "upload_timeout": "2s",
		"s3_key_format": "/f/$TAG/%Y%m%d%H%M/$UUID.json",
	}})
	entries := makeEntries(80, 500, 100*time.Millisecond, "x", "y")
	var log bytes.Buffer
	feedPath, acksPath := filepath.Join(dir, "feed"), filepath.Join(dir, "acks")
	writeFeed(t, feedPath, entries)
	cmd := hostCmd(host.Run{Config: cfg, Feed: feedPath, Acks: acksPath, Grace: 600 * time.Second}, &log)
	if err := cmd.Run(); err != nil {
		t.Fatalf("host: %v\n%s", err, log.String())
	}
	st := proxy.Stats()
	t.Logf("proxy: %d requests, %d faults (503 %d, 500 %d, lost replies %d, resets %d, slow %d)",
		st.Requests, st.Faults(), st.SlowDown, st.ServerError, st.LostReply, st.ResetBefore+st.ResetAfter, st.Slow)
	if st.Faults() == 0 {
		t.Fatal("the proxy injected no fault")
	}
	acks, _ := feed.ReadAcks(acksPath)
	allOK(t, acks, 1, len(entries), log.String())
	checkAcked(t, dir, store, entries, entries, "**/*.json", "uncompressed")
}

// TestTornBufferFiles truncates the buffer's segment files at random
// offsets between two runs: recovery keeps every frame that was whole, and
// exactly its records land.
func TestTornBufferFiles(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket": bucket, "shutdown_timeout": "0s", "s3_key_format": "/t/$TAG/%Y%m%d%H/$UUID.json.gz",
	}})
	entries := makeEntries(30, 100, time.Second, "p", "q", "r")
	runOK(t, dir, cfg, entries, 1) // everything stays buffered: shutdown_timeout 0
	segs, _ := filepath.Glob(filepath.Join(dir, "store", bucket, "objects", "*", "data.seg"))
	if len(segs) == 0 {
		t.Fatal("nothing buffered")
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	keep := map[int64]time.Duration{}
	cutBytes := 0
	for _, seg := range segs {
		b, err := os.ReadFile(seg)
		if err != nil {
			t.Fatal(err)
		}
		cut := 8 + rng.IntN(len(b)-8+1)
		cutBytes += len(b) - cut
		if err := os.Truncate(seg, int64(cut)); err != nil {
			t.Fatal(err)
		}
		for _, id := range wholeFrameIDs(t, b[:cut]) {
			keep[id] = time.Second
		}
	}
	cfg = writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket": bucket, "s3_key_format": "/t/$TAG/%Y%m%d%H/$UUID.json.gz",
	}})
	code, log, _ := runHost(t, dir, cfg, nil)
	if code != 0 {
		t.Fatalf("host exit %d\n%s", code, log)
	}
	if !strings.Contains(log, "cut") {
		t.Fatalf("recovery did not report the cut tails:\n%s", log)
	}
	t.Logf("cut %d bytes from %d segments; %d records were in whole frames", cutBytes, len(segs), len(keep))
	down := filepath.Join(dir, "down")
	download(t, store, down)
	got := readBack(t, down+"/**/*.json.gz", "gzip")
	seen := map[int64]int{}
	for _, l := range got {
		seen[l.ID]++
		if _, ok := keep[l.ID]; !ok {
			t.Fatalf("record %d landed but its frame was cut", l.ID)
		}
	}
	for id := range keep {
		if seen[id] != 1 {
			t.Fatalf("record %d of a whole frame landed %d times", id, seen[id])
		}
	}
}

// wholeFrameIDs reads a segment independently of the plugin's buffer code:
// 8-byte magic, then frames of u32 length, u32 checksum, kind, data. It
// returns the ids of the records in event frames that lie wholly in b.
func wholeFrameIDs(t *testing.T, b []byte) []int64 {
	var ids []int64
	for off := 8; off+8 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[off:]))
		if n == 0 || off+8+n > len(b) {
			break
		}
		payload := b[off+8 : off+8+n]
		if payload[0] == 1 {
			r := format.NewReader(payload[1:])
			var ev format.Event
			for r.Next(&ev) == nil {
				ids = append(ids, idOf(t, ev.Record))
			}
		}
		off += 8 + n
	}
	return ids
}

// idOf reads the "id" field of a msgpack record.
func idOf(t *testing.T, rec []byte) int64 {
	t.Helper()
	n, rest, err := msgp.ReadMapHeaderBytes(rec)
	if err != nil {
		t.Fatal(err)
	}
	for i := uint32(0); i < n; i++ {
		var key string
		if key, rest, err = msgp.ReadStringBytes(rest); err != nil {
			t.Fatal(err)
		}
		if key == "id" {
			id, _, err := msgp.ReadInt64Bytes(rest)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		if rest, err = msgp.Skip(rest); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("record without id")
	return 0
}
