package release

import (
	"os"
	"path/filepath"
	"testing"
)

// arches are the architectures make cross builds, by GOARCH.
var arches = []string{"amd64", "arm64"}

// buildDir is the directory make cross wrote into.
func buildDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("S3APPEND_RELEASE_DIR"); d != "" {
		return d
	}
	d := filepath.Join("..", "..", "build")
	if _, err := os.Stat(filepath.Join(d, "linux-amd64")); err != nil {
		t.Skip("nothing built: run make cross dist (make test does)")
	}
	return d
}

// archDir is build/linux-<arch>, with the .so, the sidecar and SHA256SUMS.
func archDir(t *testing.T, arch string) string {
	return filepath.Join(buildDir(t), "linux-"+arch)
}
