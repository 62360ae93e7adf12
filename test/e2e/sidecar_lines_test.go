package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/s3append/s3append/test/e2e/duckdb"
	"github.com/s3append/s3append/test/e2e/sidecarproc"
)

// sourceRecords reads s3append_source_records_total of source from p's
// metrics.
func sourceRecords(t *testing.T, p *sidecarproc.Proc, source string) int64 {
	t.Helper()
	text, err := p.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^s3append_source_records_total\{source="` + regexp.QuoteMeta(source) + `",type="[a-z_0-9]+"\} (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	return int64(f)
}

// An application writing lines to a unix socket (JSON lines, parsed) and
// another to TCP (plain text, with a 5 MB line split into pieces that
// reassemble to it): every line lands once.
func TestSidecarLines(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	sock := filepath.Join(dir, "app.sock")
	p := startSidecar(t, dir,
		"  - type: lines\n    listen: unix://"+sock+"\n    tag: app.json\n    parse: json\n"+
			"  - type: lines\n    listen: 127.0.0.1:0\n    tag: app.text\n    max_line_size: 1M\n",
		sidecarOutput("*", bucket, dir, nil), "lines.0", "lines.1")

	const n = 50000
	unix, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `{"seq":%d,"level":"info","msg":"json line %d"}`+"\n", i, i)
	}
	if _, err := unix.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	unix.Close()

	tcp, err := net.Dial("tcp", p.Addr("lines.1"))
	if err != nil {
		t.Fatal(err)
	}
	huge := strings.Repeat("0123456789abcdef", 5<<20/16) // 5 MiB
	sum := sha256.Sum256([]byte(huge))
	b.Reset()
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "text line %d\r\n", i)
		if i == n/2 {
			b.WriteString(huge + "\n")
		}
	}
	if _, err := tcp.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	tcp.Close()

	// No acks in this protocol: wait until the source counts every line
	// as taken (the 5 MiB line is 5 records), then stop.
	waitFor(t, "every line taken", func() bool {
		return sourceRecords(t, p, "lines.0") == n && sourceRecords(t, p, "lines.1") == n+5
	})
	stopSidecar(t, p)

	got := landedSeqs(t, store, dir, "logs/app.json/")
	exactlyOnce(t, got, func(int64) bool { return true }, n)

	down := filepath.Join(dir, "landed")
	rows, err := duckdb.Query(fmt.Sprintf(`
SELECT count(*) AS n, count(DISTINCT log) AS distinct_logs
FROM read_json('%s/logs/app.text/**', format='newline_delimited', compression='gzip', columns={log: 'VARCHAR', partial: 'BOOLEAN'})
WHERE partial IS NULL`, down))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rows[0]["n"]) != strconv.Itoa(n) || fmt.Sprint(rows[0]["distinct_logs"]) != strconv.Itoa(n) {
		t.Errorf("text lines read back: %v, want %d distinct (CR stripped)", rows[0], n)
	}
	pieces, err := duckdb.Query(fmt.Sprintf(`
SELECT count(*) AS pieces, count(DISTINCT partial_id) AS lines, max(length(log)) AS longest,
       sha256(string_agg(log, '' ORDER BY partial_ordinal)) AS sum,
       bool_or(partial_last AND partial_ordinal = 5) AS last_flagged
FROM read_json('%s/logs/app.text/**', format='newline_delimited', compression='gzip',
     columns={log: 'VARCHAR', partial: 'BOOLEAN', partial_id: 'VARCHAR', partial_ordinal: 'INTEGER', partial_last: 'BOOLEAN'},
     maximum_object_size=16777216)
WHERE partial`, down))
	if err != nil {
		t.Fatal(err)
	}
	r := pieces[0]
	if fmt.Sprint(r["pieces"]) != "5" || fmt.Sprint(r["lines"]) != "1" || fmt.Sprint(r["last_flagged"]) != "true" {
		t.Errorf("the 5 MiB line landed as %v; want 5 pieces of one line, the last flagged", r)
	}
	if fmt.Sprint(r["sum"]) != hex.EncodeToString(sum[:]) {
		t.Errorf("the pieces of the 5 MiB line do not reassemble to it")
	}
}
