package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/test/e2e/duckdb"
	"github.com/s3append/s3append/test/e2e/feed"
	"github.com/s3append/s3append/test/e2e/host"
)

// The compose harness's files: the script its log-writer service runs and
// the Fluent Bit configuration of its fluent-bit service.
const (
	logWriterScript = "docker/log-writer.sh"
	harnessConfig   = "docker/fluent-bit.conf"
	// harnessTag is the tag the harness's tail input gives the lines.
	harnessTag = "compose.lines"
)

// writerLine is the one line format of docker/log-writer.sh.
var writerLine = regexp.MustCompile(`^s3append-e2e line (\d{6}) of (\d{6})$`)

// checkWriterLines reports unless lines are the n lines of log-writer.sh,
// each exactly once, and nothing else. The compose harness and
// TestLogWriterLines both judge the bucket with it.
func checkWriterLines(lines []string, n int) error {
	count := make(map[int]int, n)
	var foreign, misnumbered []string
	for _, l := range lines {
		m := writerLine.FindStringSubmatch(l)
		if m == nil {
			foreign = append(foreign, l)
			continue
		}
		num, _ := strconv.Atoi(m[1])
		total, _ := strconv.Atoi(m[2])
		if total != n || num < 1 || num > n {
			misnumbered = append(misnumbered, l)
			continue
		}
		count[num]++
	}
	var missing, twice []int
	for i := 1; i <= n; i++ {
		switch c := count[i]; {
		case c == 0:
			missing = append(missing, i)
		case c > 1:
			twice = append(twice, i)
		}
	}
	var problems []string
	if len(foreign) > 0 {
		problems = append(problems, fmt.Sprintf("%d lines not in the log-writer's format, first %q", len(foreign), foreign[:min(3, len(foreign))]))
	}
	if len(misnumbered) > 0 {
		problems = append(problems, fmt.Sprintf("%d lines not numbered 1 to %d of %d, first %q", len(misnumbered), n, n, misnumbered[:min(3, len(misnumbered))]))
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("%d of %d lines missing, first %v", len(missing), n, missing[:min(5, len(missing))]))
	}
	if len(twice) > 0 {
		problems = append(problems, fmt.Sprintf("%d lines landed more than once, first %v", len(twice), twice[:min(5, len(twice))]))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d lines read: %s", len(lines), strings.Join(problems, "; "))
	}
	return nil
}

// readWriterLines returns the log field of every record in the gzip'd
// JSON-lines files matching glob, read by DuckDB.
func readWriterLines(t *testing.T, glob string) []string {
	t.Helper()
	rows, err := duckdb.Query(fmt.Sprintf(`
SELECT log FROM read_json('%s', format='newline_delimited', compression='gzip', columns={log: 'VARCHAR'})`, glob))
	if err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	lines := make([]string, len(rows))
	for i, r := range rows {
		lines[i] = fmt.Sprint(r["log"])
	}
	return lines
}

// runLogWriter runs the harness's log-writer script with the host's sh and
// returns the lines it wrote.
func runLogWriter(t *testing.T, dir string, n int) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", logWriterScript)
	cmd.Env = append(os.Environ(), "LOG_DIR="+dir, "LINE_COUNT="+strconv.Itoa(n))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", logWriterScript, err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "writer.done")); err != nil {
		t.Fatalf("%s did not mark its end: %v", logWriterScript, err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "app.log"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// harnessOutput returns the options of the s3append [OUTPUT] section of the
// harness's Fluent Bit configuration, keys in lower case.
func harnessOutput(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(harnessConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var opts map[string]string
	inOutput := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			inOutput = strings.EqualFold(line, "[OUTPUT]")
			if inOutput {
				opts = map[string]string{}
			}
		case inOutput:
			key, value, _ := strings.Cut(line, " ")
			opts[strings.ToLower(key)] = strings.TrimSpace(value)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if opts == nil || opts["name"] != "s3append" {
		t.Fatalf("%s: no [OUTPUT] section of s3append", harnessConfig)
	}
	return opts
}

// The lines of the compose harness's log-writer, as its tail input reads
// them, through the real .so into a real S3 server with the harness's own
// output options: every line lands once, as checkWriterLines (the compose
// test's judge) sees it.
func TestLogWriterLines(t *testing.T) {
	const n, perChunk = 2500, 200
	dir := t.TempDir()
	bucket, store := newBucket(t)
	lines := runLogWriter(t, filepath.Join(dir, "logs"), n)
	if err := checkWriterLines(lines, n); err != nil {
		t.Fatalf("%s wrote lines the check refuses: %v", logWriterScript, err)
	}

	// The harness's options, pointed at this test's server and directory.
	opts := harnessOutput(t)
	match := opts["match"]
	for _, k := range []string{"name", "match", "retry_limit", "endpoint", "region", "metrics_listen"} {
		delete(opts, k)
	}
	opts["bucket"] = bucket
	opts["store_dir"] = filepath.Join(dir, "store")
	cfg := writeConfig(t, dir, output{match: match, opts: opts})

	// A tail input without a parser makes records {"log": line}.
	var chunks [][]byte
	for first := 0; first < len(lines); first += perChunk {
		var chunk []byte
		for i := first; i < min(first+perChunk, len(lines)); i++ {
			at := t0.Add(time.Duration(i) * time.Millisecond)
			chunk = format.AppendEvent(chunk, at, map[string]any{}, map[string]any{"log": lines[i]})
		}
		chunks = append(chunks, chunk)
	}
	runChunks(t, dir, cfg, harnessTag, chunks)

	down := filepath.Join(dir, "down")
	for _, k := range download(t, store, down) {
		if !strings.HasPrefix(k, "compose/"+harnessTag+"/") || !strings.HasSuffix(k, ".json.gz") {
			t.Fatalf("key %q not as the harness's s3_key_format makes it", k)
		}
	}
	if err := checkWriterLines(readWriterLines(t, down+"/**/*.json.gz"), n); err != nil {
		t.Fatal(err)
	}
	noOpenUploads(t, store)
}

// runChunks feeds chunks of one tag to flbhost and checks that it exits
// cleanly with every chunk acknowledged.
func runChunks(t *testing.T, dir, config, tag string, chunks [][]byte) {
	t.Helper()
	feedPath := filepath.Join(dir, "feed.bin")
	acksPath := filepath.Join(dir, "acks.log")
	var buf bytes.Buffer
	w := feed.NewWriter(&buf)
	for _, c := range chunks {
		if err := w.Write(tag, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(feedPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	cmd := hostCmd(host.Run{Config: config, Feed: feedPath, Acks: acksPath, RetryBase: 20 * time.Millisecond}, &log)
	if err := cmd.Run(); err != nil {
		t.Fatalf("host: %v\n%s", err, log.String())
	}
	acks, err := feed.ReadAcks(acksPath)
	if err != nil {
		t.Fatal(err)
	}
	allOK(t, acks, 1, len(chunks), log.String())
}

// The judge itself: each way the bucket can be wrong is refused, naming
// what is wrong.
func TestCheckWriterLinesRefuses(t *testing.T) {
	good := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("s3append-e2e line %06d of %06d", i+1, n)
		}
		return out
	}
	if err := checkWriterLines(good(5), 5); err != nil {
		t.Fatalf("all five lines: %v", err)
	}
	shuffled := good(5)
	sort.Sort(sort.Reverse(sort.StringSlice(shuffled)))
	if err := checkWriterLines(shuffled, 5); err != nil {
		t.Fatalf("lines out of order are still all there: %v", err)
	}
	for _, c := range []struct {
		name  string
		lines []string
		want  string
	}{
		{"missing", good(5)[1:], "1 of 5 lines missing, first [1]"},
		{"none", nil, "5 of 5 lines missing"},
		{"duplicated", append(good(5), good(5)[2]), "more than once, first [3]"},
		{"foreign", append(good(5), "hello"), `1 lines not in the log-writer's format, first ["hello"]`},
		{"other total", append(good(5)[:4], "s3append-e2e line 000005 of 000006"), "1 lines not numbered 1 to 5 of 5"},
		{"beyond n", append(good(5), "s3append-e2e line 000006 of 000005"), "1 lines not numbered 1 to 5 of 5"},
		{"line zero", append(good(5), "s3append-e2e line 000000 of 000005"), "1 lines not numbered 1 to 5 of 5"},
		{"trailing space", append(good(5)[:4], "s3append-e2e line 000005 of 000005 "), "not in the log-writer's format"},
	} {
		err := checkWriterLines(c.lines, 5)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", c.name, err, c.want)
		}
	}
}
