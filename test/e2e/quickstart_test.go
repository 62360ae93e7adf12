package e2e

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/e2e/host"
	"github.com/s3append/s3append/test/e2e/s3server"
)

// TestQuickStart runs the README's quick start as written, from the
// repository's top directory: make, scripts/local-s3.sh in the
// background, the credentials it names, and conf/quickstart.conf with
// build/out_s3append.so loaded by -e. flbhost stands in for fluent-bit
// (records come from its feed rather than the dummy input); at exit every
// record sent is in the bucket.
func TestQuickStart(t *testing.T) {
	root, err := s3server.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:7070", time.Second); err == nil {
		c.Close()
		t.Fatal("something already listens on 127.0.0.1:7070, the quick start's port: stop it first")
	}
	quickStartServer(t, root)

	// The quick start's buffer: what a run by hand left there would be
	// uploaded into this test's bucket and counted.
	if err := os.RemoveAll("/tmp/s3append-quickstart"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll("/tmp/s3append-quickstart") })
	entries := makeEntries(10, 100, 10*time.Millisecond, "app.web")
	feedPath := filepath.Join(t.TempDir(), "feed.bin")
	writeFeed(t, feedPath, entries)
	// fluent-bit -e build/out_s3append.so -c conf/quickstart.conf
	fb := command(root, hostBin, host.Run{Plugins: []string{"build/out_s3append.so"}, Config: "conf/quickstart.conf", Feed: feedPath}.Args()...)
	fb.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=s3append", "AWS_SECRET_ACCESS_KEY=s3append-local", "AWS_EC2_METADATA_DISABLED=true")
	if out, err := fb.CombinedOutput(); err != nil {
		t.Fatalf("fluent-bit -e build/out_s3append.so -c conf/quickstart.conf: %v\n%s", err, out)
	}

	store := quickStartStore(t)
	down := filepath.Join(t.TempDir(), "down")
	keys := download(t, store, down)
	for _, k := range keys {
		if !strings.HasPrefix(k, "quickstart/app.web/") || !strings.HasSuffix(k, ".json.gz") {
			t.Errorf("object %s is not under the quick start's key format", k)
		}
	}
	checkRecords(t, readBack(t, down+"/quickstart/*/*/*/*.json.gz", "gzip"), wantIDs(entries), nil)
}

// quickStartServer does the quick start's first steps from the top
// directory root: make, then scripts/local-s3.sh in the background (its
// data in a directory of the test's own), waiting until it listens.
func quickStartServer(t *testing.T, root string) {
	t.Helper()
	if out, err := command(root, "make", "--no-print-directory").CombinedOutput(); err != nil {
		t.Fatalf("make: %v\n%s", err, out)
	}
	data := t.TempDir()
	local := command(root, "scripts/local-s3.sh")
	local.Env = append(os.Environ(), "LOCAL_S3_DIR="+data)
	serverLog := &lockedLog{}
	local.Stdout, local.Stderr = serverLog, serverLog
	if err := local.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		local.Process.Kill()
		local.Wait()
	})
	waitListening(t, "127.0.0.1:7070", serverLog)
}

// quickStartStore is the quick start's bucket, with its credentials.
func quickStartStore(t *testing.T) s3api.Store {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "s3append")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s3append-local")
	store, err := s3api.NewAWS(context.Background(), s3api.AWSConfig{Bucket: "logs", Region: "us-east-1",
		Endpoint: "http://127.0.0.1:7070", UsePathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// command is name with args, run in dir.
func command(dir, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	return cmd
}

// waitListening waits until addr accepts connections.
func waitListening(t *testing.T, addr string, log *lockedLog) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s:\n%s", addr, log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
