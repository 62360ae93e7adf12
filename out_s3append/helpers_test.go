package out_s3append

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/out_s3append/s3api"
)

// testConfig parses options on top of test defaults. Close waits for
// every upload (up to a shutdown_timeout far beyond any test's need), so
// a test never depends on how fast the machine is; tests that want data
// left in the buffer at exit set their own shutdown_timeout.
func testConfig(t testing.TB, dir string, opts map[string]string) *conf.Config {
	t.Helper()
	src := conf.MapSource{"bucket": "logs", "store_dir": dir, "upload_timeout": "1h", "shutdown_timeout": "5m"}
	for k, v := range opts {
		src[k] = v
	}
	cfg, err := conf.Parse(src)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

func startInstance(t testing.TB, cfg *conf.Config, s3 s3api.Store) (*Instance, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	in, err := New("s3append.0", cfg, s3, NewLogger(logs, "s3append.0"))
	if err != nil {
		t.Fatal(err)
	}
	return in, logs
}

// chunk builds a Fluent Bit chunk of n records with ids from first, event
// times starting at start and step apart.
func chunk(first, n int, start time.Time, step time.Duration, pad int) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		id := first + i
		b = format.AppendEvent(b, start.Add(time.Duration(i)*step), nil, map[string]any{
			"id":  int64(id),
			"log": fmt.Sprintf("line %d %s", id, strings.Repeat("x", pad)),
		})
	}
	return b
}

// landed reads every object under prefix and returns the ids per key.
func landed(t testing.TB, s3 s3api.Store, prefix string) map[string][]int64 {
	t.Helper()
	ctx := context.Background()
	objs, err := s3.ListObjects(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]int64{}
	for _, o := range objs {
		if strings.HasPrefix(o.Key, "s3append-dead-letter/") {
			continue
		}
		body, meta, err := s3.GetObject(ctx, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range decodeLines(t, body, meta.ContentEncoding) {
			var rec struct {
				ID int64 `json:"id"`
			}
			if err := json.Unmarshal(line, &rec); err != nil {
				t.Fatalf("object %s: bad line %q: %v", o.Key, line, err)
			}
			out[o.Key] = append(out[o.Key], rec.ID)
		}
	}
	return out
}

func decodeLines(t testing.TB, body []byte, encoding string) [][]byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	switch encoding {
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	}
	all, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decompressing: %v", err)
	}
	return bytes.Split(bytes.TrimSuffix(all, []byte("\n")), []byte("\n"))
}

// exactlyOnce checks that ids 0..n-1 each landed exactly once.
func exactlyOnce(t testing.TB, byKey map[string][]int64, n int) {
	t.Helper()
	seen := make([]int, n)
	for key, ids := range byKey {
		for _, id := range ids {
			if id < 0 || id >= int64(n) {
				t.Fatalf("object %s holds unknown id %d", key, id)
			}
			seen[id]++
		}
	}
	for id, c := range seen {
		if c != 1 {
			t.Fatalf("record %d landed %d times", id, c)
		}
	}
}

// patience bounds every wait of the tests: a failure bound, not a
// schedule. The conditions waited for are met in well under a second on
// an idle machine; a loaded one must not fail them.
const patience = 5 * time.Minute

// waitFor polls cond until it holds, failing the test after patience.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// deadLetters returns the dead-letter lines that landed.
func deadLetters(t testing.TB, s3 s3api.Store) []deadLetter {
	t.Helper()
	ctx := context.Background()
	objs, err := s3.ListObjects(ctx, "s3append-dead-letter/")
	if err != nil {
		t.Fatal(err)
	}
	var out []deadLetter
	for _, o := range objs {
		body, meta, err := s3.GetObject(ctx, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range decodeLines(t, body, meta.ContentEncoding) {
			var d deadLetter
			if err := json.Unmarshal(line, &d); err != nil {
				t.Fatalf("dead letter %s: %q: %v", o.Key, line, err)
			}
			out = append(out, d)
		}
	}
	return out
}
