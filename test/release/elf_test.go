package release

import (
	"debug/elf"
	"path/filepath"
	"strings"
	"testing"
)

func openELF(t *testing.T, path string) *elf.File {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestPluginELF(t *testing.T) {
	for _, arch := range arches {
		so := filepath.Join(archDir(t, arch), "out_s3append.so")
		f := openELF(t, so)
		for _, p := range checkPlugin(f, arch) {
			t.Errorf("%s: %s", so, p)
		}
		if v, ok, _ := glibcNeeded(f); ok {
			t.Logf("%s needs glibc %d.%d", so, v[0], v[1])
		}
	}
}

func TestSidecarELF(t *testing.T) {
	for _, arch := range arches {
		bin := filepath.Join(archDir(t, arch), "s3append")
		for _, p := range checkSidecar(openELF(t, bin), arch) {
			t.Errorf("%s: %s", bin, p)
		}
	}
}

// Each check refuses what it guards against, shown on the real artifacts
// swapped around.
func TestELFChecksRefuse(t *testing.T) {
	so := openELF(t, filepath.Join(archDir(t, "arm64"), "out_s3append.so"))
	bin := openELF(t, filepath.Join(archDir(t, "amd64"), "s3append"))
	for _, c := range []struct {
		name string
		bad  []string
		want string
	}{
		{"arm64 .so as amd64", checkPlugin(so, "amd64"), "machine EM_AARCH64, want EM_X86_64"},
		{"sidecar as the .so", checkPlugin(bin, "amd64"), "want a shared object"},
		{"sidecar exports nothing", checkPlugin(bin, "amd64"), "does not export the function FLBPluginFlushCtx"},
		{"the .so as the sidecar", checkSidecar(so, "arm64"), "needs shared libraries"},
		{"glibc too new", withMaxGLIBC(t, [2]int{2, 16}, func() []string { return checkPlugin(so, "arm64") }), "newer than Debian 12's 2.16"},
	} {
		if !strings.Contains(strings.Join(c.bad, "\n"), c.want) {
			t.Errorf("%s: no problem mentions %q; found %q", c.name, c.want, c.bad)
		}
	}
}

func TestNewestGLIBC(t *testing.T) {
	v, ok := newestGLIBC([]string{"GLIBC_2.2.5", "GLIBC_2.34", "GLIBC_PRIVATE", "GCC_3.0", "GLIBC_2.17"})
	if !ok || v != [2]int{2, 34} {
		t.Errorf("got %v %v, want 2.34", v, ok)
	}
	if v, _ := newestGLIBC([]string{"GLIBC_2.36", "GLIBC_2.38"}); v != [2]int{2, 38} {
		t.Errorf("got %v, want 2.38", v)
	}
	if _, ok := newestGLIBC([]string{"GCC_4.2.0"}); ok {
		t.Error("a GCC version counted as glibc's")
	}
}

// withMaxGLIBC runs check as though Debian 12 had glibc max.
func withMaxGLIBC(t *testing.T, max [2]int, check func() []string) []string {
	t.Helper()
	saved := maxGLIBC
	defer func() { maxGLIBC = saved }()
	maxGLIBC = max
	return check()
}
