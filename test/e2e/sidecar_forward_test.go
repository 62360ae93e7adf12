package e2e

import (
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fluent/fluent-logger-golang/fluent"
	"github.com/tinylib/msgp/msgp"
)

// fluentClient connects fluent-logger-golang to a forward source at addr
// (host:port or unix:///path), waiting for acks.
func fluentClient(t *testing.T, addr string, async bool) *fluent.Fluent {
	t.Helper()
	cfg := fluent.Config{RequestAck: true, Async: async, BufferLimit: 16 << 20, MaxRetry: 1000, WriteTimeout: patience, Timeout: patience}
	if len(addr) > 7 && addr[:7] == "unix://" {
		cfg.FluentNetwork, cfg.FluentSocketPath = "unix", addr[7:]
	} else {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		cfg.FluentHost = host
		cfg.FluentPort, _ = strconv.Atoi(port)
	}
	f, err := fluent.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// 200,000 records from fluent-logger-golang, half in sync mode and half in
// async mode, both with RequestAck, over TCP and a unix socket: DuckDB
// finds each exactly once.
func TestSidecarForwardFluentLogger(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	sock := "unix://" + filepath.Join(dir, "forward.sock")
	p := startSidecar(t, dir,
		"  - type: forward\n    listen: 127.0.0.1:0\n  - type: forward\n    listen: "+sock+"\n",
		sidecarOutput("*", bucket, dir, nil), "forward.0", "forward.1")

	const perClient = 50000
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for c, cl := range []struct {
		addr  string
		async bool
	}{{p.Addr("forward.0"), false}, {p.Addr("forward.0"), true}, {p.Addr("forward.1"), false}, {p.Addr("forward.1"), true}} {
		wg.Add(1)
		go func(c int, addr string, async bool) {
			defer wg.Done()
			f := fluentClient(t, addr, async)
			for i := 0; i < perClient; i++ {
				seq := c*perClient + i
				if err := f.Post(fmt.Sprintf("app.client%d", c), map[string]any{"seq": seq, "msg": "hello from a fluent logger", "n": i}); err != nil {
					errs <- fmt.Errorf("client %d (async %v) record %d: %w", c, async, i, err)
					return
				}
			}
			// Close flushes an async client's buffer and waits for its acks.
			if err := f.Close(); err != nil {
				errs <- fmt.Errorf("client %d close: %w", c, err)
			}
		}(c, cl.addr, cl.async)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	stopSidecar(t, p)
	got := landedSeqs(t, store, dir, "logs/")
	exactlyOnce(t, got, func(int64) bool { return true }, 4*perClient)
	noOpenUploads(t, store)
}

// The four modes of the forward protocol, written from the spec: Message,
// Forward, PackedForward and CompressedPackedForward (two gzip members,
// as Fluent Bit's forward output with Compress gzip sends them), EventTime
// and integer times, each answered by its ack; and the message Fluent
// Bit's forward output sends with Compress gzip (one member, size,
// fluent_signal 0, its base64 chunk id).
func TestSidecarForwardModes(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	p := startSidecar(t, dir, "  - type: forward\n    listen: 127.0.0.1:0\n", sidecarOutput("*", bucket, dir, nil), "forward.0")
	conn, err := net.Dial("tcp", p.Addr("forward.0"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(patience))
	acks := msgp.NewReader(conn)
	seq := 0
	for _, mode := range forwardModes {
		chunk := fmt.Sprintf("chunk-%s", mode.name)
		if mode.name == "fluent-bit" {
			chunk = fluentBitChunkID([]byte(chunk))
		}
		msg := mode.encode("modes."+mode.name, &seq, chunk)
		if _, err := conn.Write(msg); err != nil {
			t.Fatal(err)
		}
		if err := readAck(acks, chunk); err != nil {
			t.Fatalf("%s: %v", mode.name, err)
		}
	}
	stopSidecar(t, p)
	got := landedSeqs(t, store, dir, "logs/")
	exactlyOnce(t, got, func(int64) bool { return true }, seq)
}

// SIGHUP is ignored with a log line (the sidecar does not reload); the
// health endpoints answer; SIGTERM makes /readyz and the sources go away
// and the process exit cleanly.
func TestSidecarSignalsAndHealth(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	p := startSidecar(t, dir, "  - type: forward\n    listen: 127.0.0.1:0\n", sidecarOutput("*", bucket, dir, nil), "forward.0")
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(p.MetricsURL() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s answered %s while running", path, resp.Status)
		}
	}
	if err := p.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the SIGHUP log line", func() bool { return strings.Contains(p.Log(), "SIGHUP ignored") })
	conn, err := net.Dial("tcp", p.Addr("forward.0"))
	if err != nil {
		t.Fatalf("after SIGHUP: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(patience))
	seq := 0
	if _, err := conn.Write(forwardModes[2].encode("after.hup", &seq, "c1")); err != nil {
		t.Fatal(err)
	}
	if err := readAck(conn, "c1"); err != nil {
		t.Fatalf("after SIGHUP: %v", err)
	}
	stopSidecar(t, p)
	if _, err := net.Dial("tcp", p.Addr("forward.0")); err == nil {
		t.Error("the forward source still accepts connections after exit")
	}
	exactlyOnce(t, landedSeqs(t, store, dir, "logs/"), func(int64) bool { return true }, seq)
}
