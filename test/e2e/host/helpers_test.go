package host_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3append/s3append/test/e2e/feed"
	"github.com/s3append/s3append/test/e2e/host"
	"github.com/tinylib/msgp/msgp"
)

// Built once per test binary by TestMain.
var (
	hostBin  string
	pluginSO string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flbhost-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	hostBin, err = host.Compile(dir)
	if err == nil {
		pluginSO = filepath.Join(dir, "testplugin.so")
		err = host.CompilePlugin("testplugin", pluginSO)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// chunk builds a Fluent Bit chunk of n events in the v2 layout
// [[EventTime, {}], {"log": "<tag> <i>"}].
func chunk(tag string, n int) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		b = msgp.AppendArrayHeader(b, 2)
		b = msgp.AppendArrayHeader(b, 2)
		// EventTime: fixext 8, type 0, big-endian seconds and nanoseconds.
		b = append(b, 0xd7, 0x00)
		b = binary.BigEndian.AppendUint32(b, 1_700_000_000+uint32(i))
		b = binary.BigEndian.AppendUint32(b, 123_000_000)
		b = msgp.AppendMapHeader(b, 0)
		b = msgp.AppendMapHeader(b, 1)
		b = msgp.AppendString(b, "log")
		b = msgp.AppendString(b, fmt.Sprintf("%s %d", tag, i))
	}
	return b
}

type entry struct {
	tag     string
	records int
}

func writeFeed(t *testing.T, path string, entries ...entry) {
	t.Helper()
	var buf bytes.Buffer
	w := feed.NewWriter(&buf)
	for _, e := range entries {
		if err := w.Write(e.tag, chunk(e.tag, e.records)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// syncBuffer collects a process's stderr while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type proc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	stdin  io.WriteCloser
	done   chan struct{}
	err    error
}

// start runs the host; the process is killed if the test outlives it.
func start(t *testing.T, r host.Run, env ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, hostBin, r.Args()...)
	cmd.Env = append(os.Environ(), env...)
	p := &proc{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if r.Feed == "-" {
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		p.stdin = in
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		cancel()
		close(p.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-p.done
		if t.Failed() {
			t.Logf("host stderr:\n%s", p.stderr.String())
		}
	})
	return p
}

// wait returns the exit status, failing the test after the timeout.
func (p *proc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("host still running after %v", timeout)
	}
	var exitErr *exec.ExitError
	if errors.As(p.err, &exitErr) {
		return exitErr.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("host: %v", p.err)
	}
	return 0
}

// run starts the host and waits for it to exit.
func run(t *testing.T, r host.Run, env ...string) (int, string) {
	t.Helper()
	p := start(t, r, env...)
	code := p.wait(t, time.Minute)
	return code, p.stderr.String()
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// withPrefix keeps the lines starting with prefix.
func withPrefix(all []string, prefix string) []string {
	var out []string
	for _, l := range all {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

func hasLine(path, want string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(data), "\n") {
		if l == want || strings.HasPrefix(l, want+" ") {
			return true
		}
	}
	return false
}

func acks(t *testing.T, path string) []feed.Ack {
	t.Helper()
	a, err := feed.ReadAcks(path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func ackStrings(a []feed.Ack) []string {
	out := make([]string, len(a))
	for i, x := range a {
		out[i] = fmt.Sprintf("%s %d %d", x.Kind, x.Instance, x.Seq)
	}
	return out
}

// field returns the value of "name=value" in a fixture line.
func field(line, name string) string {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, name+"="); ok {
			return v
		}
	}
	return ""
}

func crc32IEEE(b []byte) uint32 {
	return crc32.ChecksumIEEE(b)
}

// finalAcks maps "instance seq" to the final outcome of each entry.
func finalAcks(t *testing.T, path string) map[string]string {
	t.Helper()
	final, err := feed.Final(acks(t, path))
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string, len(final))
	for k, v := range final {
		out[fmt.Sprintf("%d %d", k.Instance, k.Seq)] = string(v)
	}
	return out
}
