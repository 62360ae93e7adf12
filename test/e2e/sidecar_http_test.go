package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/s3append/s3append/test/e2e/faultproxy"
)

// vectorBatch is a batch as Vector's http sink sends it with codec json:
// a JSON array by default, or one object per line with framing
// newline_delimited; each event is a Vector log event (message,
// timestamp, host, source_type) carrying seq.
func vectorBatch(first, n int, ndjson bool, ts time.Time, pad int) []byte {
	var b bytes.Buffer
	if !ndjson {
		b.WriteByte('[')
	}
	filler := strings.Repeat("x", pad)
	for i := 0; i < n; i++ {
		if i > 0 && !ndjson {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"message":"GET /api/items/%d 200 %s","timestamp":"%s","host":"vector-0","source_type":"demo_logs","seq":%d}`,
			first+i, filler, ts.Add(time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano), first+i)
		if ndjson {
			b.WriteByte('\n')
		}
	}
	if !ndjson {
		b.WriteByte(']')
	}
	return b.Bytes()
}

func compress(t *testing.T, body []byte, how string) []byte {
	t.Helper()
	var z bytes.Buffer
	switch how {
	case "gzip":
		zw := gzip.NewWriter(&z)
		zw.Write(body)
		zw.Close()
	case "zstd":
		zw, _ := zstd.NewWriter(&z)
		zw.Write(body)
		zw.Close()
	default:
		return body
	}
	return z.Bytes()
}

// postBatch sends a batch shaped as Vector sends it and returns the
// status, the body and the Retry-After header.
func postBatch(t *testing.T, url string, body []byte, ndjson bool, encoding string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(compress(t, body, encoding)))
	if err != nil {
		t.Fatal(err)
	}
	if ndjson {
		req.Header.Set("Content-Type", "application/x-ndjson")
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	req.Header.Set("User-Agent", "Vector/0.48.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Retry-After")
}

// Batches as Vector's http sink sends them (array and newline_delimited
// framing, gzip and zstd, up to 10 MB) are taken with their event time
// from timestamp; a batch with a bad line is refused whole with 400
// naming the line, and none of it lands.
func TestSidecarHTTPLikeVector(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	p := startSidecar(t, dir, "  - type: http\n    listen: 127.0.0.1:0\n    time_key: timestamp\n",
		sidecarOutput("*", bucket, dir, nil), "http.0")
	url := "http://" + p.Addr("http.0") + "/vector.demo"
	day := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	seq := 0
	for _, ndjson := range []bool{false, true} {
		for _, enc := range []string{"gzip", "zstd", ""} {
			for b := 0; b < 5; b++ {
				if code, body, _ := postBatch(t, url, vectorBatch(seq, 1000, ndjson, day, 0), ndjson, enc); code != http.StatusOK {
					t.Fatalf("ndjson %v %s: %d %s", ndjson, enc, code, body)
				}
				seq += 1000
			}
		}
	}
	// Vector's default batch.max_bytes is 10 MB (10,000,000 bytes).
	one := len(vectorBatch(seq+100000, 1, true, day, 250))
	n := 9_990_000 / one
	big := vectorBatch(seq, n, true, day, 250)
	if code, body, _ := postBatch(t, url, big, true, "gzip"); code != http.StatusOK {
		t.Fatalf("a %d-byte batch: %d %s", len(big), code, body)
	}
	seq += n
	t.Logf("a batch of %d bytes (%d records) taken", len(big), n)

	bad := vectorBatch(1_000_000, 10, true, day, 0)
	lines := bytes.SplitAfter(bad, []byte("\n"))
	lines[2] = []byte(`{"message": "cut short` + "\n")
	code, body, _ := postBatch(t, url, bytes.Join(lines, nil), true, "gzip")
	var answer map[string]any
	if code != http.StatusBadRequest || json.Unmarshal([]byte(body), &answer) != nil || fmt.Sprint(answer["line"]) != "3" {
		t.Errorf("a batch whose line 3 is bad: %d %s; want 400 naming line 3", code, body)
	}
	stopSidecar(t, p)
	got := landedSeqs(t, store, dir, "logs/vector.demo/2026/11/22/")
	exactlyOnce(t, got, func(s int64) bool { return s < int64(seq) }, seq)
}

// While the buffer is full the source answers 503 with Retry-After, as
// Vector expects of a busy endpoint; once uploads drain it the same batch
// is taken, and every batch answered 200 lands once.
func TestSidecarHTTPBufferFull(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	proxy, err := faultproxy.Start(server.Endpoint, faultproxy.Config{ServerError: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	p := startSidecar(t, dir, "  - type: http\n    listen: 127.0.0.1:0\n",
		sidecarOutput("*", bucket, dir, map[string]string{
			"endpoint": proxy.URL, "store_dir_limit_size": "1M", "upload_timeout": "1s",
		}), "http.0")
	url := "http://" + p.Addr("http.0") + "/busy"
	day := time.Now().UTC()
	seq, refused := 0, 0
	var retryAfter string
	for refused == 0 {
		code, body, ra := postBatch(t, url, vectorBatch(seq, 500, true, day, 100), true, "gzip")
		switch code {
		case http.StatusOK:
			seq += 500
		case http.StatusServiceUnavailable:
			refused++
			retryAfter = ra
		default:
			t.Fatalf("%d %s", code, body)
		}
		if seq > 100000 {
			t.Fatal("store_dir_limit_size 1M never made the source answer 503")
		}
	}
	if _, err := strconv.Atoi(retryAfter); err != nil {
		t.Errorf("503 with Retry-After %q, want seconds", retryAfter)
	}
	proxy.SetConfig(faultproxy.Config{})
	// The client's retries, as Vector's: the same batch until it is taken.
	waitFor(t, "the refused batch taken once the buffer drained", func() bool {
		code, body, _ := postBatch(t, url, vectorBatch(seq, 500, true, day, 100), true, "gzip")
		if code != http.StatusOK && code != http.StatusServiceUnavailable {
			t.Fatalf("%d %s", code, body)
		}
		return code == http.StatusOK
	})
	seq += 500
	stopSidecar(t, p)
	got := landedSeqs(t, store, dir, "logs/busy/")
	exactlyOnce(t, got, func(s int64) bool { return s < int64(seq) }, seq)
	noOpenUploads(t, store)
}
