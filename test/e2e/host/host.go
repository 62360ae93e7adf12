// Package host builds flbhost, the C program that loads a Go output plugin
// through Fluent Bit's Go-proxy ABI and feeds it chunks from a feed file
// (see package feed), so end-to-end tests run the plugin as Fluent Bit would
// without Fluent Bit installed.
//
// Command line (modelled on fluent-bit's):
//
//	flbhost [-e plugin.so]... -c fluent-bit.conf [-f feed | -f -]
//	        [-a acks.log] [-g grace_seconds] [-R retry_base_ms] [-m mem_limit_mib]
//
// Exit status: 0 clean stop; 1 configuration, load, Init or feed error;
// 2 shutdown exceeded the grace period, or a second stop signal arrived.
package host

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

//go:embed csrc/*.c csrc/*.h
var sources embed.FS

// Compile builds flbhost from the C sources embedded in this package into
// outDir and returns the binary's path. It needs gcc on PATH.
func Compile(outDir string) (string, error) { return CompileWith("gcc", outDir) }

// CompileWith is Compile with the C compiler cc: a cross compiler builds
// a host for another architecture's .so.
func CompileWith(cc, outDir string) (string, error) {
	srcDir := filepath.Join(outDir, "flbhost-src")
	if err := os.MkdirAll(srcDir, 0o755); err != nil {
		return "", err
	}
	files, err := fs.Glob(sources, "csrc/*")
	if err != nil {
		return "", err
	}
	args := []string{"-std=c11", "-O2", "-Wall", "-Wextra", "-pthread", "-o", filepath.Join(outDir, "flbhost")}
	for _, name := range files {
		data, err := sources.ReadFile(name)
		if err != nil {
			return "", err
		}
		dst := filepath.Join(srcDir, filepath.Base(name))
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return "", err
		}
		if filepath.Ext(name) == ".c" {
			args = append(args, dst)
		}
	}
	args = append(args, "-ldl")
	out, err := exec.Command(cc, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %v: %w\n%s", cc, args, err, out)
	}
	return filepath.Join(outDir, "flbhost"), nil
}

// Build is Compile for tests: it stops the test on failure.
func Build(t testing.TB, outDir string) string {
	t.Helper()
	path, err := Compile(outDir)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// CompilePlugin builds the Go main package in pkgDir as a c-shared object
// at outPath, the form Fluent Bit loads.
func CompilePlugin(pkgDir, outPath string) error {
	abs, err := filepath.Abs(outPath)
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", abs, ".")
	cmd.Dir = pkgDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build -buildmode=c-shared in %s: %w\n%s", pkgDir, err, out)
	}
	return nil
}

// BuildPlugin is CompilePlugin for tests: it stops the test on failure and
// returns outPath.
func BuildPlugin(t testing.TB, pkgDir, outPath string) string {
	t.Helper()
	if err := CompilePlugin(pkgDir, outPath); err != nil {
		t.Fatal(err)
	}
	return outPath
}

// Run describes one flbhost invocation; empty fields are left out so the
// host's defaults apply.
type Run struct {
	Plugins   []string      // -e, in order
	Config    string        // -c (required)
	Feed      string        // -f: a path, or "-" for stdin
	Acks      string        // -a
	Grace     time.Duration // -g, whole seconds; 0 leaves the default (5 s or [SERVICE] Grace)
	RetryBase time.Duration // -R, whole milliseconds; 0 leaves the default 50 ms
	MemLimit  int           // -m, MiB of chunks held at once; 0 leaves the default 256
	// ReloadAfter (-x) makes the host reload after that many feed entries,
	// as Fluent Bit's hot reload does: the entries so far are flushed,
	// every output's exit callback runs, and the outputs are initialized
	// again in the same process. 0: no reload.
	ReloadAfter int
}

// Args returns the command-line arguments for r.
func (r Run) Args() []string {
	var args []string
	for _, p := range r.Plugins {
		args = append(args, "-e", p)
	}
	args = append(args, "-c", r.Config)
	if r.Feed != "" {
		args = append(args, "-f", r.Feed)
	}
	if r.Acks != "" {
		args = append(args, "-a", r.Acks)
	}
	if r.Grace > 0 {
		args = append(args, "-g", strconv.Itoa(int(r.Grace/time.Second)))
	}
	if r.RetryBase > 0 {
		args = append(args, "-R", strconv.FormatInt(r.RetryBase.Milliseconds(), 10))
	}
	if r.MemLimit > 0 {
		args = append(args, "-m", strconv.Itoa(r.MemLimit))
	}
	if r.ReloadAfter > 0 {
		args = append(args, "-x", strconv.Itoa(r.ReloadAfter))
	}
	return args
}

// Command returns an exec.Cmd running the host binary at hostPath with r.
func (r Run) Command(hostPath string) *exec.Cmd {
	return exec.Command(hostPath, r.Args()...)
}
