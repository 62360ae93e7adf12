package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/test/e2e/faultproxy"
	"github.com/s3append/s3append/test/e2e/feed"
	"github.com/s3append/s3append/test/e2e/host"
)

// onSmallDisk wraps cmd so that it runs with dir on a tmpfs of size bytes,
// mounted in a mount namespace of its own (unshare -rm needs no root).
// ok is false when this machine cannot make one.
func onSmallDisk(t *testing.T, cmd *exec.Cmd, dir string, size int) (wrapped *exec.Cmd, ok bool) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	probe := exec.Command("unshare", "-rm", "sh", "-c", `mount -t tmpfs -o size=4k tmpfs "$0"`, dir)
	if out, err := probe.CombinedOutput(); err != nil {
		t.Logf("no tmpfs in a user namespace here: %v %s", err, out)
		return nil, false
	}
	script := `mount -t tmpfs -o size=` + strconv.Itoa(size) + ` tmpfs "$0" && exec "$@"`
	w := exec.Command("unshare", append([]string{"-rm", "sh", "-c", script, dir}, cmd.Args...)...)
	w.Env, w.Stdout, w.Stderr = cmd.Env, cmd.Stdout, cmd.Stderr
	return w, true
}

// The buffer's disk fills up (a 1 MiB tmpfs, no store_dir_limit_size)
// while S3 throttles everything: flushes are answered FLB_RETRY, nothing
// is half written, and once S3 answers again and space is freed every
// chunk goes in, and every record lands exactly once.
func TestDiskFullE2E(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	proxy := throttlingProxy(t)
	cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket": bucket, "endpoint": proxy.URL, "compression": "none", "upload_timeout": "1s",
		"s3_key_format": "/full/$TAG/%Y%m%d%H/$UUID.json",
	}})
	acks := filepath.Join(dir, "acks")
	log := &lockedLog{}
	cmd := hostCmd(host.Run{Config: cfg, Feed: "-", Acks: acks, Grace: 600 * time.Second, RetryBase: 20 * time.Millisecond}, nil)
	cmd.Stdout, cmd.Stderr = log, log
	cmd, ok := onSmallDisk(t, cmd, filepath.Join(dir, "store"), 1<<20)
	if !ok {
		t.Skip("this machine cannot mount a small tmpfs in a user namespace")
	}
	stdin, w := startPiped(t, cmd)
	entries := makeEntries(60, 100, 10*time.Millisecond, "a", "b", "c")
	full := func() bool { return strings.Contains(log.String(), "no space left on device") }
	sent := 0
	for ; sent < len(entries) && !full(); sent++ {
		e := entries[sent]
		if err := w.Write(e.tag, e.chunk()); err != nil {
			t.Fatal(err)
		}
		poll(t, "the entry acknowledged, or refused for a full disk", log, func() bool { return countOK(acks) >= sent+1 || full() })
	}
	if !full() {
		t.Fatalf("%d entries went into a 1 MiB buffer without filling it\n%s", sent, log.String())
	}
	if got := countOK(acks); got >= sent {
		t.Fatalf("the disk filled up, yet all %d entries were acknowledged", sent)
	}
	proxy.SetConfig(faultproxy.Config{})
	for ; sent < len(entries); sent++ {
		if err := w.Write(entries[sent].tag, entries[sent].chunk()); err != nil {
			t.Fatal(err)
		}
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
		t.Fatalf("host exit %d\n%s", ee.ExitCode(), log.String())
	}
	final, err := feed.ReadAcks(acks)
	if err != nil {
		t.Fatal(err)
	}
	allOK(t, final, 1, len(entries), log.String())
	if !strings.Contains(log.String(), "chunk retried") {
		t.Errorf("no flush was retried for the full disk\n%s", log.String())
	}
	checkAcked(t, dir, store, entries, entries, "full/**/*.json", "uncompressed")
}
