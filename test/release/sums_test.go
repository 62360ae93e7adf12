package release

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// checkSums compares dir/SHA256SUMS, in sha256sum's format, with the
// files it must list.
func checkSums(t *testing.T, dir string, files []string) (bad []string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		return []string{err.Error()}
	}
	var listed []string
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			bad = append(bad, fmt.Sprintf("%s/SHA256SUMS: line %q is not \"<sha256>  <file>\"", dir, line))
			continue
		}
		listed = append(listed, name)
		if got := sha256File(t, filepath.Join(dir, name)); got != sum {
			bad = append(bad, fmt.Sprintf("%s/SHA256SUMS: %s is listed as %s, the file's is %s", dir, name, sum, got))
		}
	}
	slices.Sort(listed)
	files = slices.Sorted(slices.Values(files))
	if !slices.Equal(listed, files) {
		bad = append(bad, fmt.Sprintf("%s/SHA256SUMS lists %q, want %q", dir, listed, files))
	}
	return bad
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestArchChecksums(t *testing.T) {
	for _, arch := range arches {
		for _, p := range checkSums(t, archDir(t, arch), []string{"out_s3append.so", "s3append"}) {
			t.Error(p)
		}
	}
}

// build/dist is what a release publishes: the same files under names that
// say their architecture, with one SHA256SUMS.
func TestDist(t *testing.T) {
	dist := filepath.Join(buildDir(t), "dist")
	var files []string
	for _, arch := range arches {
		for src, name := range map[string]string{
			"out_s3append.so": "out_s3append-linux-" + arch + ".so",
			"s3append":        "s3append-linux-" + arch,
		} {
			files = append(files, name)
			if a, b := sha256File(t, filepath.Join(archDir(t, arch), src)), sha256File(t, filepath.Join(dist, name)); a != b {
				t.Errorf("dist/%s is not linux-%s/%s: rerun make dist", name, arch, src)
			}
		}
	}
	for _, p := range checkSums(t, dist, files) {
		t.Error(p)
	}
}

func TestChecksumsRefuse(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{"a": "a\n", "b": "b\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ name, sums, want string }{
		{"wrong sum", strings.Repeat("0", 64) + "  a\n", "a is listed as 0000"},
		{"file left out", sha256File(t, filepath.Join(dir, "a")) + "  a\n", "lists [\"a\"], want [\"a\" \"b\"]"},
		{"not sha256sum's format", "deadbeef a\n", "is not \"<sha256>  <file>\""},
	} {
		if err := os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(c.sums), 0o644); err != nil {
			t.Fatal(err)
		}
		bad := checkSums(t, dir, []string{"a", "b"})
		if !strings.Contains(strings.Join(bad, "\n"), c.want) {
			t.Errorf("%s: no problem mentions %q; found %q", c.name, c.want, bad)
		}
	}
}
