package release

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/test/e2e/feed"
	"github.com/s3append/s3append/test/e2e/host"
	"github.com/s3append/s3append/test/e2e/s3server"
)

// The arm64 .so is not only well formed but works: an arm64 build of the
// test host (which calls a Go plugin as Fluent Bit's Go proxy does) loads
// it under qemu-user; the plugin starts with its stamp, takes a chunk
// (FLB_OK), and at exit uploads its object to a local S3 server, where the
// records are read back.
func TestArm64PluginRuns(t *testing.T) {
	so := filepath.Join(archDir(t, "arm64"), "out_s3append.so")
	version, commit := stamp(t)
	qemu, err := exec.LookPath("qemu-aarch64")
	if err == nil {
		_, err = s3server.Binary()
	}
	if err != nil {
		if os.Getenv("S3APPEND_RELEASE_DIR") != "" {
			t.Fatalf("%v: scripts/tools.sh installs qemu-aarch64 (cross) and versitygw", err)
		}
		t.Skipf("%v (scripts/tools.sh)", err)
	}
	dir := t.TempDir()
	hostBin, err := host.CompileWith("aarch64-linux-gnu-gcc", dir)
	if err != nil {
		t.Fatal(err)
	}
	s3 := s3server.StartForTest(t)
	store, err := s3.Store("arm64")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := store.CreateBucket(ctx); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "fluent-bit.conf")
	writeFile(t, conf, `[OUTPUT]
    Name           s3append
    Match          *
    bucket         arm64
    region         `+s3.Region+`
    endpoint       `+s3.Endpoint+`
    checksum       when_required
    store_dir      `+filepath.Join(dir, "store")+`
    s3_key_format  /logs/$TAG/$UUID.json.gz
`)
	var chunk []byte
	for i := range 3 {
		chunk = format.AppendEvent(chunk, time.Now(), map[string]any{}, map[string]any{"n": i, "arch": "arm64"})
	}
	var fd bytes.Buffer
	if err := feed.NewWriter(&fd).Write("app.arm64", chunk); err != nil {
		t.Fatal(err)
	}
	feedPath, acks := filepath.Join(dir, "feed"), filepath.Join(dir, "acks")
	writeFile(t, feedPath, fd.String())
	// -L: the arm64 glibc the cross compiler links against.
	cmd := exec.Command(qemu, "-L", "/usr/aarch64-linux-gnu", hostBin, "-e", so, "-c", conf, "-f", feedPath, "-a", acks, "-g", "120")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+s3.AccessKey, "AWS_SECRET_ACCESS_KEY="+s3.SecretKey, "AWS_EC2_METADATA_DISABLED=true")
	out, err := cmd.CombinedOutput()
	t.Logf("arm64 host:\n%s", out)
	if err != nil {
		t.Fatalf("arm64 host: %v", err)
	}
	if want := "version=" + version + " commit=" + commit + " built="; !strings.Contains(string(out), want) {
		t.Errorf("no start-up line with %q", want)
	}
	if got, err := feed.ReadAcks(acks); err != nil || len(got) != 1 || got[0].Kind != feed.OK {
		t.Errorf("acks %v (%v), want the one entry OK", got, err)
	}
	objs, err := store.ListObjects(ctx, "logs/app.arm64/")
	if err != nil || len(objs) != 1 {
		t.Fatalf("objects %v (%v), want one", objs, err)
	}
	body, _, err := store.GetObject(ctx, objs[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var ns []float64
	for sc := bufio.NewScanner(zr); sc.Scan(); {
		var rec struct {
			N    float64 `json:"n"`
			Arch string  `json:"arch"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec.Arch != "arm64" {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		ns = append(ns, rec.N)
	}
	if len(ns) != 3 {
		t.Errorf("records %v, want n 0, 1, 2", ns)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
