package release

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// stamp is the version and commit make stamped into the binaries, from
// the file the Makefile keeps beside them.
func stamp(t *testing.T) (version, commit string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(buildDir(t), "release.stamp"))
	if err != nil {
		t.Fatal(err)
	}
	version, commit, _ = strings.Cut(strings.TrimSpace(string(data)), " ")
	if version == "" || len(commit) != 40 {
		t.Fatalf("release.stamp is %q, want \"<version> <commit>\"", data)
	}
	return version, commit
}

// Every binary carries the version and commit (-ldflags -X strings are
// stored as they are, so they can be found without running the binary).
func TestBinariesAreStamped(t *testing.T) {
	version, commit := stamp(t)
	for _, arch := range arches {
		for _, name := range []string{"out_s3append.so", "s3append"} {
			p := filepath.Join(archDir(t, arch), name)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{version, commit} {
				if !bytes.Contains(data, []byte(s)) {
					t.Errorf("%s does not carry %q: it was not built with the Makefile's -ldflags", p, s)
				}
			}
		}
	}
}

// The sidecar of this machine's architecture says what it is.
func TestSidecarVersion(t *testing.T) {
	version, commit := stamp(t)
	bin := filepath.Join(archDir(t, runtime.GOARCH), "s3append")
	if runtime.GOOS != "linux" {
		t.Skip("the sidecars are Linux binaries")
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", bin, err)
	}
	want := "s3append " + version + " commit " + commit + " built "
	if !strings.HasPrefix(string(out), want) {
		t.Errorf("%s version printed %q, want it to start %q", bin, out, want)
	}
}
