package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/e2e/feed"
	"github.com/s3append/s3append/test/e2e/host"
	"github.com/s3append/s3append/test/e2e/sample"
)

// start of the sample records' event times.
var t0 = time.Date(2026, 11, 22, 9, 40, 0, 0, time.UTC)

// output is one [OUTPUT] s3append section.
type output struct {
	match   string
	workers int
	opts    map[string]string // plugin options on top of the defaults below
}

var bucketSeq atomic.Int64

// patience bounds every wait of the tests: a failure bound, not a
// schedule. What is waited for happens in well under a second on an idle
// machine; a loaded one must not fail the test.
const patience = 5 * time.Minute

// newBucket creates a bucket of its own for one test.
func newBucket(t *testing.T) (string, s3api.Store) {
	t.Helper()
	name := fmt.Sprintf("e2e-%d-%d", os.Getpid()%10000, bucketSeq.Add(1))
	store, err := server.Store(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateBucket(context.Background()); err != nil {
		t.Fatal(err)
	}
	return name, store
}

// writeConfig writes a Fluent Bit classic config for outs.
func writeConfig(t *testing.T, dir string, outs ...output) string {
	t.Helper()
	var b strings.Builder
	// Exit waits for every upload, however slow the machine: a long Grace
	// and shutdown_timeout by default, so no test depends on the speed of
	// the machine; tests of what stays buffered set their own.
	b.WriteString("[SERVICE]\n    Grace 600\n\n[INPUT]\n    Name dummy\n\n")
	for _, o := range outs {
		fmt.Fprintf(&b, "[OUTPUT]\n    Name s3append\n    Match %s\n    Retry_Limit no_limits\n", o.match)
		if o.workers > 0 {
			fmt.Fprintf(&b, "    Workers %d\n", o.workers)
		}
		opts := map[string]string{
			"region": server.Region, "endpoint": server.Endpoint,
			"use_path_style": "true", "checksum": "when_required",
			"store_dir":        filepath.Join(dir, "store"),
			"shutdown_timeout": "300s",
		}
		for k, v := range o.opts {
			opts[k] = v
		}
		keys := make([]string, 0, len(opts))
		for k := range opts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if opts[k] != "" {
				fmt.Fprintf(&b, "    %s %s\n", k, opts[k])
			}
		}
		b.WriteString("\n")
	}
	path := filepath.Join(dir, "fluent-bit.conf")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// entry is one feed entry: a chunk of sample records first..first+n-1.
type entry struct {
	tag      string
	first, n int64
	step     time.Duration
}

// makeEntries makes count entries of per records each, event times step
// apart, their tags taking turns from tags.
func makeEntries(count, per int64, step time.Duration, tags ...string) []entry {
	out := make([]entry, 0, count)
	for i := int64(0); i < count; i++ {
		out = append(out, entry{tag: tags[i%int64(len(tags))], first: i * per, n: per, step: step})
	}
	return out
}

func (e entry) chunk() []byte { return sample.Chunk(e.first, e.n, t0, e.step) }

func writeFeed(t *testing.T, path string, entries []entry) {
	t.Helper()
	var buf bytes.Buffer
	w := feed.NewWriter(&buf)
	for _, e := range entries {
		if err := w.Write(e.tag, e.chunk()); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hostCmd prepares flbhost with S3 credentials in its environment, as a
// Fluent Bit process gets them.
func hostCmd(r host.Run, stderr *bytes.Buffer) *exec.Cmd {
	r.Plugins = []string{pluginSO}
	cmd := r.Command(hostBin)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+server.AccessKey, "AWS_SECRET_ACCESS_KEY="+server.SecretKey,
		"AWS_EC2_METADATA_DISABLED=true")
	cmd.Stderr = stderr
	cmd.Stdout = stderr
	return cmd
}

// startPiped starts cmd (flbhost with the feed "-") and returns the feed
// writer on its standard input; a host still running when the test ends
// is killed.
func startPiped(t *testing.T, cmd *exec.Cmd) (io.WriteCloser, *feed.Writer) {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return stdin, feed.NewWriter(stdin)
}

// runHost runs flbhost over a feed file until it exits; it returns the
// exit code and the log.
func runHost(t *testing.T, dir, config string, entries []entry) (int, string, []feed.Ack) {
	t.Helper()
	feedPath := filepath.Join(dir, "feed.bin")
	acksPath := filepath.Join(dir, "acks.log")
	os.Remove(acksPath)
	writeFeed(t, feedPath, entries)
	var stderr bytes.Buffer
	cmd := hostCmd(host.Run{Config: config, Feed: feedPath, Acks: acksPath, RetryBase: 20 * time.Millisecond}, &stderr)
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	acks, err := feed.ReadAcks(acksPath)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return code, stderr.String(), acks
}

// runOK runs flbhost to its end and checks that it exited cleanly and
// that every entry was acknowledged by each of the instances.
func runOK(t *testing.T, dir, config string, entries []entry, instances int) ([]feed.Ack, string) {
	t.Helper()
	code, log, acks := runHost(t, dir, config, entries)
	if code != 0 {
		t.Fatalf("host exit %d\n%s", code, log)
	}
	allOK(t, acks, instances, len(entries), log)
	return acks, log
}

// allOK checks that every entry of every instance was acknowledged.
func allOK(t *testing.T, acks []feed.Ack, instances, entries int, log string) {
	t.Helper()
	final, err := feed.Final(acks)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < instances; i++ {
		for s := 0; s < entries; s++ {
			if k := final[feed.AckKey{Instance: i, Seq: uint64(s)}]; k != feed.OK {
				t.Fatalf("instance %d entry %d: %q, want OK\n%s", i, s, k, log)
			}
		}
	}
}

// download copies every object of the bucket under dir/<key> and returns
// the keys.
func download(t *testing.T, store s3api.Store, dir string) []string {
	t.Helper()
	ctx := context.Background()
	objs, err := store.ListObjects(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range objs {
		body, _, err := store.GetObject(ctx, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, filepath.FromSlash(o.Key))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// noOpenUploads checks that no multipart upload is left in the bucket.
func noOpenUploads(t *testing.T, store s3api.Store) {
	t.Helper()
	ups, err := store.ListMultipartUploads(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 0 {
		t.Fatalf("%d multipart uploads left incomplete: %+v", len(ups), ups)
	}
}
