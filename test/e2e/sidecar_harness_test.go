package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/e2e/duckdb"
	"github.com/s3append/s3append/test/e2e/sidecarproc"
)

// sidecarOutput is the YAML of one output of the sidecar writing to
// bucket on the test server, with opts on top of the defaults. Like the
// plugin's tests, exit waits for every upload: shutdown_timeout is long,
// and tests of what stays buffered set their own.
func sidecarOutput(match, bucket, dir string, opts map[string]string) string {
	all := map[string]string{
		"bucket": bucket, "region": server.Region, "endpoint": server.Endpoint,
		"use_path_style": "true", "checksum": "when_required",
		"store_dir": filepath.Join(dir, "store"), "shutdown_timeout": "300s",
		"s3_key_format": "/logs/$TAG/%Y/%m/%d/$UUID.gz",
	}
	for k, v := range opts {
		all[k] = v
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "  - match: '%s'\n", match)
	for _, k := range keys {
		fmt.Fprintf(&b, "    %s: %q\n", k, all[k])
	}
	return b.String()
}

// startSidecar writes the configuration (sources and outputs YAML, the
// metrics endpoint on a port of its own) and starts build/s3append,
// waiting until the named sources listen. The process is killed when the
// test ends if it still runs.
func startSidecar(t *testing.T, dir, sourcesYAML, outputsYAML string, sources ...string) *sidecarproc.Proc {
	t.Helper()
	config := filepath.Join(dir, "s3append.yaml")
	text := "service:\n  metrics_listen: 127.0.0.1:0\nsources:\n" + sourcesYAML + "outputs:\n" + outputsYAML
	if err := os.WriteFile(config, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := sidecarproc.Start(sidecarBin, config, sources, true, patience, sidecarEnv()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-p.Done():
		default:
			p.Kill()
		}
		if t.Failed() {
			t.Logf("s3append log:\n%s", tail(p.Log(), 60))
		}
	})
	return p
}

// sidecarEnv is the environment the sidecar needs beyond the test's own:
// the test server's credentials.
func sidecarEnv() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + server.AccessKey, "AWS_SECRET_ACCESS_KEY=" + server.SecretKey, "AWS_EC2_METADATA_DISABLED=true"}
}

// stopSidecar stops p with SIGTERM and fails the test on an unclean exit
// or an [error] line.
func stopSidecar(t *testing.T, p *sidecarproc.Proc) {
	t.Helper()
	if err := p.Stop(); err != nil {
		t.Fatalf("s3append exit: %v\n%s", err, tail(p.Log(), 40))
	}
	if strings.Contains(p.Log(), "[error]") {
		t.Errorf("s3append logged errors:\n%s", grepLines(p.Log(), "[error]"))
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func grepLines(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// landedSeqs downloads the bucket's objects under prefix and counts, with
// DuckDB, how often each value of the integer field seq landed; other
// fields named in columns (DuckDB types) must read as declared.
func landedSeqs(t *testing.T, store s3api.Store, dir, prefix string) map[int64]int {
	t.Helper()
	down := filepath.Join(dir, "landed")
	os.RemoveAll(down)
	keys := download(t, store, down)
	found := false
	for _, k := range keys {
		found = found || strings.HasPrefix(k, prefix)
	}
	if !found {
		t.Fatalf("no object under %s in the bucket (keys: %v)", prefix, keys)
	}
	rows, err := duckdb.Query(fmt.Sprintf(`
SELECT CAST(seq AS VARCHAR) AS seq, count(*) AS n
FROM read_json('%s/%s**', format='newline_delimited', compression='gzip', columns={seq: 'BIGINT'})
GROUP BY seq`, down, prefix))
	if err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	out := map[int64]int{}
	for _, r := range rows {
		seq, err := strconv.ParseInt(fmt.Sprint(r["seq"]), 10, 64)
		if err != nil {
			t.Fatalf("row %v: %v", r, err)
		}
		n, _ := strconv.Atoi(fmt.Sprint(r["n"]))
		out[seq] = n
	}
	return out
}

// exactlyOnce checks that every seq in want landed exactly once, and
// nothing else did.
func exactlyOnce(t *testing.T, got map[int64]int, want func(seq int64) bool, count int) {
	t.Helper()
	var missing, dup, extra int
	for seq, n := range got {
		switch {
		case !want(seq):
			extra++
		case n > 1:
			dup++
		}
	}
	for seq := range int64(count) {
		if want(seq) && got[seq] == 0 {
			missing++
		}
	}
	if missing+dup+extra > 0 {
		t.Fatalf("of %d records: %d missing, %d landed more than once, %d not sent", count, missing, dup, extra)
	}
}

// waitFor polls cond until it holds, failing the test after patience.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached after %s", what, patience)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
