package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/test/e2e/s3server"
	"github.com/s3append/s3append/test/e2e/sidecarproc"
)

// TestSidecarQuickStart runs the README's sidecar quick start as written,
// from the repository's top directory: make, scripts/local-s3.sh in the
// background, the credentials, build/s3append -c conf/s3append.yaml, and
// the curl that posts a record (Go's HTTP client stands in for curl), plus
// a line on the lines source and a forward message. At SIGTERM every
// record is in the bucket.
func TestSidecarQuickStart(t *testing.T) {
	root, err := s3server.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"127.0.0.1:7070", "127.0.0.1:8080", "127.0.0.1:24224", "127.0.0.1:4318", "127.0.0.1:5170", "127.0.0.1:2021"} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Fatalf("something already listens on %s, a port of the quick start: stop it first", addr)
		}
	}
	quickStartServer(t, root)
	if err := os.RemoveAll("/tmp/s3append-sidecar-quickstart"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll("/tmp/s3append-sidecar-quickstart") })

	// build/s3append -c conf/s3append.yaml, from the top directory.
	p, err := sidecarproc.Start(filepath.Join(root, "build/s3append"), filepath.Join(root, "conf/s3append.yaml"),
		[]string{"forward.0", "http.0", "otlp.0", "lines.0"}, true, patience,
		"AWS_ACCESS_KEY_ID=s3append", "AWS_SECRET_ACCESS_KEY=s3append-local", "AWS_EC2_METADATA_DISABLED=true")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()

	// curl -sS --data-binary '{"level":"info","message":"hello"}' http://127.0.0.1:8080/app.curl
	resp, err := http.Post("http://127.0.0.1:8080/app.curl", "application/x-www-form-urlencoded", strings.NewReader(`{"level":"info","message":"hello"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the quick start's curl: %s", resp.Status)
	}
	line, err := net.Dial("tcp", "127.0.0.1:5170")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(line, "a line from a shell")
	line.Close()
	fwd := fluentClient(t, "127.0.0.1:24224", false)
	if err := fwd.Post("app.fluent", map[string]any{"message": "hello over forward"}); err != nil {
		t.Fatal(err)
	}
	fwd.Close()
	waitFor(t, "the line taken", func() bool { return sourceRecords(t, p, "lines.0") == 1 })
	if err := p.Stop(); err != nil {
		t.Fatalf("s3append: %v\n%s", err, p.Log())
	}

	store := quickStartStore(t)
	down := filepath.Join(t.TempDir(), "down")
	var got []string
	for _, k := range download(t, store, down) {
		body, err := os.ReadFile(filepath.Join(down, k))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, k+": "+string(gunzip(t, body)))
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{"sidecar/app.curl/", `"message":"hello"`, "sidecar/app.lines/", `"log":"a line from a shell"`, "sidecar/app.fluent/", `"message":"hello over forward"`} {
		if !strings.Contains(all, want) {
			t.Errorf("the bucket holds no %s:\n%s", want, all)
		}
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
