package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// killBatch is the number of records of one forward message or one http
// batch: each is acknowledged, or not, as a whole.
const killBatch = 200

// killPad is random text records take their padding from, at an offset
// that moves with seq. It is far larger than gzip's 32 KiB window, so the
// padding does not compress away and objects grow to several parts
// between kills.
var killPad = func() string {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"
	b := make([]byte, 1<<20)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}()

func padOf(seq int64) string {
	const n = 160
	off := int(seq*211) % (len(killPad) - n)
	return killPad[off : off+n]
}

// ackedSeqs is what the clients were acknowledged, as ranges of seqs.
type ackedSeqs struct {
	mu     sync.Mutex
	ranges [][2]int64 // [first, first+n)
}

func (a *ackedSeqs) add(first, n int64) {
	a.mu.Lock()
	a.ranges = append(a.ranges, [2]int64{first, first + n})
	a.mu.Unlock()
}

func (a *ackedSeqs) set() map[int64]bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[int64]bool{}
	for _, r := range a.ranges {
		for s := r[0]; s < r[1]; s++ {
			out[s] = true
		}
	}
	return out
}

// killClients are the senders of one round, against one run of the
// sidecar. Each stops at the first failure (the run was killed): what it
// had not been acknowledged for is given up, never sent again, so it may
// land once or not at all.
type killClients struct {
	t     *testing.T
	next  *atomic.Int64 // the next unused seq, shared by every round
	acked *ackedSeqs
	wg    sync.WaitGroup
	// acks counts this round's acknowledgements per client.
	acks [4]atomic.Int64
}

// forward sends PackedForward messages of killBatch records with a chunk
// option over one TCP connection, one at a time, each waiting for its ack.
func (k *killClients) forward(c int, addr string) {
	defer k.wg.Done()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return // refused: the run is gone
	}
	defer conn.Close()
	acks := msgp.NewReader(conn)
	for {
		first := k.next.Add(killBatch) - killBatch
		chunk := "k" + strconv.FormatInt(first, 36)
		conn.SetDeadline(time.Now().Add(patience))
		if _, err := conn.Write(packedMessage("kill", first, killBatch, chunk)); err != nil {
			return
		}
		m := map[string]any{}
		if err := acks.ReadMapStrIntf(m); err != nil {
			return // the connection broke: not acknowledged
		}
		if m["ack"] != chunk {
			k.t.Errorf("forward client %d: ack %v for chunk %q", c, m, chunk)
			return
		}
		k.acked.add(first, killBatch)
		k.acks[c].Add(1)
	}
}

// packedMessage is [tag, entries, {chunk, size}] of n records from seq
// first, each {"seq", "client", "pad"} with an EventTime.
func packedMessage(tag string, first int64, n int, chunk string) []byte {
	var entries []byte
	for i := int64(0); i < int64(n); i++ {
		now := time.Now()
		entries = msgp.AppendArrayHeader(entries, 2)
		entries = append(entries, 0xd7, 0x00, byte(now.Unix()>>24), byte(now.Unix()>>16), byte(now.Unix()>>8), byte(now.Unix()),
			byte(now.Nanosecond()>>24), byte(now.Nanosecond()>>16), byte(now.Nanosecond()>>8), byte(now.Nanosecond()))
		entries = msgp.AppendMapHeader(entries, 3)
		entries = msgp.AppendString(entries, "seq")
		entries = msgp.AppendInt64(entries, first+i)
		entries = msgp.AppendString(entries, "client")
		entries = msgp.AppendString(entries, "forward")
		entries = msgp.AppendString(entries, "pad")
		entries = msgp.AppendString(entries, padOf(first+i))
	}
	b := msgp.AppendArrayHeader(nil, 3)
	b = msgp.AppendString(b, tag)
	b = msgp.AppendBytes(b, entries)
	return appendOption(b, chunk, n, false)
}

// http posts gzip NDJSON batches of killBatch records, one at a time,
// each acknowledged only by a 200.
func (k *killClients) http(c int, url string) {
	defer k.wg.Done()
	// A transport of its own: no connection of a killed run is reused.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: patience}
	for {
		first := k.next.Add(killBatch) - killBatch
		var body bytes.Buffer
		zw := gzip.NewWriter(&body)
		for s := first; s < first+killBatch; s++ {
			fmt.Fprintf(zw, `{"seq":%d,"client":"http","pad":"%s"}`+"\n", s, padOf(s))
		}
		zw.Close()
		req, _ := http.NewRequest(http.MethodPost, url, &body)
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Content-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			return // refused or broken: not acknowledged
		}
		answer, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			return
		case resp.StatusCode == http.StatusOK:
			k.acked.add(first, killBatch)
			k.acks[c].Add(1)
		case resp.StatusCode == http.StatusServiceUnavailable:
			// Buffer full: not taken; go on with new seqs.
		default:
			k.t.Errorf("http client %d: %s %s", c, resp.Status, answer)
			return
		}
	}
}

// The sidecar is killed with SIGKILL 20 times (S3APPEND_SIDECAR_KILLS for
// more) while two forward clients and two http clients send to it, with
// multipart uploads in flight; after a last, clean run every acknowledged
// record is in the bucket exactly once, no record is there twice, and no
// upload is left open.
func TestSidecarKillLoop(t *testing.T) {
	kills := 20
	if v, err := strconv.Atoi(os.Getenv("S3APPEND_SIDECAR_KILLS")); err == nil && v > 0 {
		kills = v
	}
	dir := t.TempDir()
	bucket, store := newBucket(t)
	sources := "  - type: forward\n    listen: 127.0.0.1:0\n  - type: http\n    listen: 127.0.0.1:0\n"
	outputs := sidecarOutput("*", bucket, dir, map[string]string{
		"upload_timeout": "2s", "upload_chunk_size": "5M", "total_file_size": "20M",
	})

	var next atomic.Int64
	acked := &ackedSeqs{}
	start := time.Now()
	ctx := context.Background()
	// openUploads are the multipart uploads open in the bucket, by id.
	openUploads := func() map[string]bool {
		ups, err := store.ListMultipartUploads(ctx, "")
		if err != nil {
			t.Fatalf("ListMultipartUploads: %v", err)
		}
		ids := map[string]bool{}
		for _, u := range ups {
			ids[u.UploadID] = true
		}
		return ids
	}
	inFlight := 0 // kills while a multipart upload of the run was open
	for round := 0; round < kills; round++ {
		before := openUploads() // what killed runs left open
		p := startSidecar(t, dir, sources, outputs, "forward.0", "http.0")
		k := &killClients{t: t, next: &next, acked: acked}
		k.wg.Add(4)
		go k.forward(0, p.Addr("forward.0"))
		go k.forward(1, p.Addr("forward.0"))
		go k.http(2, "http://"+p.Addr("http.0")+"/kill")
		go k.http(3, "http://"+p.Addr("http.0")+"/kill")
		// Even rounds are killed as soon as every client was acknowledged
		// a few times; odd rounds once this run has a multipart upload of
		// its own open, so that the kill lands while its parts upload.
		duringUpload := round%2 == 1
		started := false
		waitFor(t, fmt.Sprintf("round %d: acks from every client (and an upload open: %v)", round, duringUpload), func() bool {
			total := int64(0)
			for c := 0; c < len(k.acks); c++ {
				n := k.acks[c].Load()
				if n == 0 {
					return t.Failed()
				}
				total += n
			}
			if total < 20 {
				return t.Failed()
			}
			if !duringUpload {
				return true
			}
			for id := range openUploads() {
				if !before[id] {
					started = true
				}
			}
			return started || t.Failed()
		})
		if started {
			inFlight++
		}
		p.Kill()
		k.wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
	}
	t.Logf("%d kills in %s; %d of them with a multipart upload open; %d records sent",
		kills, time.Since(start).Round(time.Millisecond), inFlight, next.Load())

	// The last run uploads what every killed run left (shutdown_timeout
	// is long) and reconciles their uploads.
	p := startSidecar(t, dir, sources, outputs, "forward.0", "http.0")
	stopSidecar(t, p)
	got := landedSeqs(t, store, dir, "logs/kill/")
	atMostOnce(t, got, acked.set(), next.Load())
	noOpenUploads(t, store)
	t.Logf("whole test %s", time.Since(start).Round(time.Millisecond))
}

// atMostOnce checks what landed against what was acknowledged: an
// acknowledged seq exactly once, any other seq sent at most once, and
// nothing that was never sent.
func atMostOnce(t *testing.T, got map[int64]int, acked map[int64]bool, sent int64) {
	t.Helper()
	var missing, dup, unsent, unackedLanded int
	for seq, n := range got {
		switch {
		case seq < 0 || seq >= sent:
			unsent++
		case n > 1:
			dup++
		case !acked[seq]:
			unackedLanded++
		}
	}
	for seq := range acked {
		if got[seq] == 0 {
			missing++
		}
	}
	t.Logf("of %d records sent, %d acknowledged, %d landed (%d of them not acknowledged)", sent, len(acked), len(got), unackedLanded)
	if missing+dup+unsent > 0 {
		t.Fatalf("%d acknowledged records missing, %d records landed more than once, %d landed that were never sent",
			missing, dup, unsent)
	}
}
