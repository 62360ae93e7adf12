package e2e

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/test/e2e/host"
	"github.com/s3append/s3append/test/scrape"
)

// A hot reload (every output's exit callback, then Init again in the same
// process, as Fluent Bit does on SIGHUP) keeps each instance's name: the
// n-th s3append output is s3append.<n-1> again, its counters go on from
// where they were, and every record lands once.
func TestReloadKeepsNamesAndCounters(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	addr := freeAddr(t)
	outs := []output{
		{match: "a", opts: map[string]string{"bucket": bucket, "store_dir": filepath.Join(dir, "store-a"),
			"s3_key_format": "/r/a/$UUID.json.gz", "metrics_listen": addr}},
		{match: "b", opts: map[string]string{"bucket": bucket, "store_dir": filepath.Join(dir, "store-b"),
			"s3_key_format": "/r/b/$UUID.json.gz", "metrics_listen": addr}},
	}
	cfg := writeConfig(t, dir, outs...)
	entries := makeEntries(8, 100, time.Millisecond, "a", "b")
	acks := filepath.Join(dir, "acks")
	log := &lockedLog{}
	cmd := hostCmd(host.Run{Config: cfg, Feed: "-", Acks: acks, RetryBase: 20 * time.Millisecond, ReloadAfter: 4}, nil)
	cmd.Stdout, cmd.Stderr = log, log
	stdin, w := startPiped(t, cmd)
	for _, e := range entries {
		if err := w.Write(e.tag, e.chunk()); err != nil {
			t.Fatal(err)
		}
	}
	poll(t, "a reload and every entry acknowledged", log, func() bool {
		return strings.Contains(log.String(), "[reload] done") && countOK(acks) == len(entries)
	})
	// 4 entries of 100 records per output, half before the reload and
	// half after: the counters hold all of them, under the same names.
	poll(t, "the counters of both instances", log, func() bool {
		m, err := scrape.Get(addr)
		return err == nil && m.Value("s3append_records_acknowledged_total", "name", "s3append.0") == 400 &&
			m.Value("s3append_records_acknowledged_total", "name", "s3append.1") == 400
	})
	m, err := scrape.Get(addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"s3append.2", "s3append.3"} {
		if v := m.Value("s3append_records_acknowledged_total", "name", name); v != -1 {
			t.Errorf("after the reload an instance is named %s (%v records)", name, v)
		}
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("host: %v\n%s", err, log.String())
	}
	text := log.String()
	if strings.Count(text, "[output:s3append:s3append.0] bucket=") != 2 || strings.Contains(text, "[output:s3append:s3append.2]") {
		t.Errorf("the instances did not start twice under the names s3append.0 and s3append.1:\n%s", text)
	}
	down := filepath.Join(dir, "down")
	download(t, store, down)
	checkRecords(t, readBack(t, down+"/r/*/*.json.gz", "gzip"), wantIDs(entries), nil)
	noOpenUploads(t, store)
}

// freeAddr is a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
