package forward

import (
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fluent/fluent-logger-golang/fluent"
)

const clientRecords = 20_000

// checkSeqs says whether every seq 0..n-1 arrived exactly once.
func checkSeqs(t *testing.T, got []int, n int) {
	t.Helper()
	slices.Sort(got)
	if len(got) != n {
		t.Fatalf("%d records arrived, want %d", len(got), n)
	}
	for i, s := range got {
		if s != i {
			t.Fatalf("seq %d missing or repeated (found %d at %d)", i, s, i)
		}
	}
}

func post(t *testing.T, f *fluent.Fluent, n int) {
	for i := range n {
		if err := f.Post("app.logger", map[string]any{"seq": i, "log": "hello from fluent-logger"}); err != nil {
			t.Fatalf("Post %d: %v", i, err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// The Go fluent-logger in sync mode, each record acknowledged before the
// next is sent: every one arrives.
func TestFluentLoggerSyncAck(t *testing.T) {
	h := start(t, nil, nil)
	host, port, _ := net.SplitHostPort(h.src.Addr())
	p, _ := strconv.Atoi(port)
	f, err := fluent.New(fluent.Config{FluentHost: host, FluentPort: p, RequestAck: true, SubSecondPrecision: true, Timeout: bound, ReadTimeout: bound})
	if err != nil {
		t.Fatal(err)
	}
	post(t, f, clientRecords)
	checkSeqs(t, seqs(t, h.sink), clientRecords)
	if h.stats.Records.Load() != clientRecords {
		t.Errorf("stats: %d records acknowledged", h.stats.Records.Load())
	}
}

// In async mode, over a unix socket, with integer times: Close sends what
// is pending, and every record arrives.
func TestFluentLoggerAsync(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "fwd.sock")
	h := start(t, map[string]string{"listen": "unix://" + sock}, nil)
	f, err := fluent.New(fluent.Config{FluentNetwork: "unix", FluentSocketPath: sock, Async: true, BufferLimit: 2 * clientRecords, Timeout: bound})
	if err != nil {
		t.Fatal(err)
	}
	post(t, f, clientRecords)
	waitFor(t, "every record", func() bool { return len(h.sink.Events()) >= clientRecords })
	checkSeqs(t, seqs(t, h.sink), clientRecords)
	if strings.Contains(h.log.String(), "warn") {
		t.Errorf("log: %s", h.log)
	}
}
