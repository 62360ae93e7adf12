package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"
	"google.golang.org/protobuf/proto"

	"github.com/s3append/s3append/test/e2e/duckdb"
	"github.com/s3append/s3append/test/e2e/sidecarproc"
)

// idleConns is how many idle connections the forward source must hold.
const idleConns = 10000

// sourceMetric reads metric{source=...} of p's sources (a counter or a
// gauge); -1 when it is not exported.
func sourceMetric(t *testing.T, p *sidecarproc.Proc, metric, source string) int64 {
	t.Helper()
	text, err := p.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^s3append_source_` + metric + `\{source="` + regexp.QuoteMeta(source) + `",type="[a-z_]+"\} (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	return int64(f)
}

// procKB reads a "Name: N kB" line of /proc/<pid>/status (VmRSS, VmHWM).
func procKB(t *testing.T, pid int, name string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + name + `:\s+(\d+) kB$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no %s in /proc/%d/status", name, pid)
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb
}

// openFilesLimit is the soft RLIMIT_NOFILE of process pid.
func openFilesLimit(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^Max open files\s+(\d+|unlimited)\s`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no open files limit in /proc/%d/limits", pid)
	}
	if string(m[1]) == "unlimited" {
		return 1 << 40
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

// generated is an io.Reader of size bytes of NDJSON records, made as they
// are read: a 100 MB body without 100 MB in the test's memory.
type generated struct {
	left int64
	sent atomic.Int64 // read while the client's transport still writes
	line []byte
	off  int
}

func (g *generated) Read(p []byte) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && g.left > 0 {
		rest := g.line[g.off:]
		if int64(len(rest)) > g.left {
			rest = rest[:g.left]
		}
		k := copy(p[n:], rest)
		n += k
		g.off = (g.off + k) % len(g.line)
		g.left -= int64(k)
	}
	g.sent.Add(int64(n))
	return n, nil
}

// forwardSender is a good forward client on a connection of its own: each
// message is acknowledged before the next goes.
type forwardSender struct {
	t    *testing.T
	conn net.Conn
	acks *msgp.Reader
}

func dialForward(t *testing.T, addr string) *forwardSender {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(patience))
	return &forwardSender{t: t, conn: conn, acks: msgp.NewReader(conn)}
}

// send sends a PackedForward message of n records from seq first and
// waits for its ack; it returns the message's length.
func (f *forwardSender) send(tag string, first int64, n int) int {
	f.t.Helper()
	chunk := fmt.Sprintf("good-%d", first)
	msg := packedMessage(tag, first, n, chunk)
	if _, err := f.conn.Write(msg); err != nil {
		f.t.Fatalf("forward client %s: %v", f.conn.LocalAddr(), err)
	}
	if err := readAck(f.acks, chunk); err != nil {
		f.t.Fatalf("forward client %s: %v", f.conn.LocalAddr(), err)
	}
	return len(msg)
}

// seqs hands out seq ranges and remembers the ones that must land.
type seqs struct {
	next int64
	want map[string]map[int64]bool // by tag
	// invalidUTF8 is the seq of the http record sent with invalid UTF-8.
	invalidUTF8 int64
}

func (s *seqs) take(n int) int64 {
	first := s.next
	s.next += int64(n)
	return first
}

func (s *seqs) good(tag string, first int64, n int) {
	if s.want[tag] == nil {
		s.want[tag] = map[int64]bool{}
	}
	for i := first; i < first+int64(n); i++ {
		s.want[tag][i] = true
	}
}

// One sidecar with forward, http, lines and otlp sources is sent bad
// input of every kind: each gets a clear refusal or log line naming the
// peer and where the fault is, memory stays bounded (a 100 MB body, 10,000
// idle connections), and every good record sent meanwhile lands exactly
// once.
func TestSidecarBadInput(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	// The client ends of the connections are in this process, the server
	// ends in the sidecar's: each needs idleConns descriptors and a margin.
	// Go raises the soft limit to the hard one in both.
	if need := uint64(idleConns + 1000); lim.Cur < need {
		t.Fatalf("RLIMIT_NOFILE is %d (hard %d): this test holds %d connections open and needs %d open files in the test and in the sidecar; raise the hard limit (ulimit -Hn, or LimitNOFILE in systemd)",
			lim.Cur, lim.Max, idleConns, need)
	}
	dir := t.TempDir()
	bucket, store := newBucket(t)
	p := startSidecar(t, dir,
		"  - type: forward\n    listen: 127.0.0.1:0\n"+
			"  - type: http\n    listen: 127.0.0.1:0\n"+
			"  - type: lines\n    listen: 127.0.0.1:0\n    tag: bad.lines\n    parse: json\n"+
			"  - type: otlp\n    listen: 127.0.0.1:0\n    tag: bad.otlp\n",
		sidecarOutput("*", bucket, dir, nil), "forward.0", "http.0", "lines.0", "otlp.0")
	if got := openFilesLimit(t, p.Pid()); got < int64(idleConns+1000) {
		t.Fatalf("the sidecar's open files limit is %d: it cannot hold %d connections; raise the hard RLIMIT_NOFILE", got, idleConns)
	}
	s := &seqs{want: map[string]map[int64]bool{}}
	start := time.Now()

	badForward(t, p, s)
	badHTTP(t, p, s)
	badOTLP(t, p, s)

	// lines: JSON lines from a TCP client; no acks, so wait on the count.
	lc, err := net.Dial("tcp", p.Addr("lines.0"))
	if err != nil {
		t.Fatal(err)
	}
	first := s.take(1000)
	var lb bytes.Buffer
	for i := first; i < first+1000; i++ {
		fmt.Fprintf(&lb, `{"seq":%d,"msg":"a line"}`+"\n", i)
	}
	if _, err := lc.Write(lb.Bytes()); err != nil {
		t.Fatal(err)
	}
	lc.Close()
	s.good("bad.lines", first, 1000)
	waitFor(t, "the lines taken", func() bool { return sourceRecords(t, p, "lines.0") == 1000 })

	idleConnections(t, p, s)
	t.Logf("bad input sent and answered in %s", time.Since(start).Round(time.Millisecond))

	stopSidecar(t, p)
	for _, tag := range []string{"bad.fwd", "bad.http", "bad.lines"} {
		got := landedSeqs(t, store, dir, "logs/"+tag+"/")
		exactlyOnce(t, got, func(seq int64) bool { return s.want[tag][seq] }, int(s.next))
	}
	down := filepath.Join(dir, "landed")
	msgs, err := duckdb.Query(fmt.Sprintf(`
SELECT msg FROM read_json('%s/logs/bad.http/**', format='newline_delimited', compression='gzip', columns={seq: 'BIGINT', msg: 'VARCHAR'})
WHERE seq = %d`, down, s.invalidUTF8))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || !regexp.MustCompile(`^bad .+ bytes$`).MatchString(fmt.Sprint(msgs[0]["msg"])) {
		t.Errorf("the record with invalid UTF-8 read back as %v; want its msg, the bytes perhaps replaced", msgs)
	} else {
		t.Logf("invalid UTF-8 landed as %q", msgs[0]["msg"])
	}
	rows, err := duckdb.Query(fmt.Sprintf(`
SELECT count(*) AS n, count(DISTINCT attributes.seq) AS seqs, min(attributes.seq) AS lo, max(attributes.seq) AS hi
FROM read_json('%s/logs/bad.otlp/**', format='newline_delimited', compression='gzip', columns={attributes: 'STRUCT(seq BIGINT)'})`, down))
	if err != nil {
		t.Fatal(err)
	}
	if r := rows[0]; fmt.Sprint(r["n"]) != "100" || fmt.Sprint(r["seqs"]) != "100" {
		t.Errorf("OTLP records read back: %v; want the 100 of the good request, each once", r)
	}
	noOpenUploads(t, store)
}

// badForward: random bytes on one connection and a message cut short on
// another are logged with the peer and the byte offset; a good client on
// a third connection is acknowledged throughout.
func badForward(t *testing.T, p *sidecarproc.Proc, s *seqs) {
	addr := p.Addr("forward.0")
	goodConn := dialForward(t, addr)
	for i := 0; i < 5; i++ {
		first := s.take(200)
		goodConn.send("bad.fwd", first, 200)
		s.good("bad.fwd", first, 200)
	}

	// Random bytes after a good message: the fault is at the message's end.
	rnd := dialForward(t, addr)
	first := s.take(200)
	offset := rnd.send("bad.fwd", first, 200)
	s.good("bad.fwd", first, 200)
	junk := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(42, 7))
	for i := range junk {
		junk[i] = byte(r.Uint32())
	}
	if _, err := rnd.conn.Write(junk); err != nil {
		t.Fatal(err)
	}
	// Whether the junk is refused at once or waits for more bytes, the
	// end of the stream ends it; then the source closes.
	rnd.conn.(*net.TCPConn).CloseWrite()
	io.Copy(io.Discard, rnd.conn)
	peer := rnd.conn.LocalAddr().String()
	logged := func(what, peer string, offset int) string {
		re := regexp.MustCompile(`\[input:forward:forward\.0\] .*` + regexp.QuoteMeta(peer) + `.*byte offset ` + strconv.Itoa(offset) + `\b.*`)
		var line string
		waitFor(t, what+" logged with the peer and the byte offset", func() bool {
			line = re.FindString(p.Log())
			return line != ""
		})
		return line
	}
	t.Logf("random bytes: %s", logged("random bytes", peer, offset))

	// A message cut in the middle, then the connection closed: the cut
	// message is not acknowledged and none of it lands.
	cut := dialForward(t, addr)
	first = s.take(200)
	offset = cut.send("bad.fwd", first, 200)
	s.good("bad.fwd", first, 200)
	msg := packedMessage("bad.fwd", s.take(200), 200, "never-acked")
	if _, err := cut.conn.Write(msg[:len(msg)/2]); err != nil {
		t.Fatal(err)
	}
	cut.conn.Close()
	line := logged("a message cut short", cut.conn.LocalAddr().String(), offset)
	if !strings.Contains(line, "inside a message") {
		t.Errorf("a message cut short logged as %q; want it to say the connection ended inside a message", line)
	}
	t.Logf("cut message: %s", line)

	// The good client's connection was not disturbed.
	for i := 0; i < 5; i++ {
		first := s.take(200)
		goodConn.send("bad.fwd", first, 200)
		s.good("bad.fwd", first, 200)
	}
	goodConn.conn.Close()
}

// badHTTP: a 100 MB body is refused with 413 without being held in
// memory, and so is a gzip body inflating to 100 MB; invalid UTF-8 in a
// JSON string is taken.
func badHTTP(t *testing.T, p *sidecarproc.Proc, s *seqs) {
	url := "http://" + p.Addr("http.0") + "/bad.http"
	first := s.take(500)
	if code, body, _ := postBatch(t, url, vectorBatch(int(first), 500, true, time.Now(), 0), true, "gzip"); code != http.StatusOK {
		t.Fatalf("a good batch: %d %s", code, body)
	}
	s.good("bad.http", first, 500)

	hwmBefore := procKB(t, p.Pid(), "VmHWM")
	const huge = 100 << 20
	post := func(what string, body io.Reader, encoding string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, url, io.NopCloser(body))
		req.ContentLength = -1 // chunked: the size is not announced
		req.Header.Set("Content-Type", "application/x-ndjson")
		if encoding != "" {
			req.Header.Set("Content-Encoding", encoding)
		}
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: patience}).Do(req)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(answer)
	}
	gen := &generated{left: huge, line: []byte(`{"seq":-1,"msg":"a record of a body far too large for max_body_size"}` + "\n")}
	code, answer := post("a 100 MB body", gen, "")
	if code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 100 MB body: %d %s; want 413", code, answer)
	}
	t.Logf("100 MB body: %d %s after %d MB sent", code, strings.TrimSpace(answer), gen.sent.Load()>>20)
	// Refused early, not read to its end and then refused.
	if sent := gen.sent.Load(); sent > huge/2 {
		t.Errorf("the client had sent %d MB of the 100 MB body when refused: the source read on past max_body_size", sent>>20)
	}

	// A gzip bomb: 100 MB of records compressed to a few hundred KB,
	// compressed here as it is sent.
	pr, pw := io.Pipe()
	go func() {
		zw, _ := gzip.NewWriterLevel(pw, gzip.BestCompression)
		_, err := io.Copy(zw, &generated{left: huge, line: gen.line})
		if err == nil {
			err = zw.Close()
		}
		pw.CloseWithError(err)
	}()
	code, answer = post("a gzip body of 100 MB", pr, "gzip")
	pr.CloseWithError(io.ErrClosedPipe)
	if code != http.StatusRequestEntityTooLarge {
		t.Errorf("a gzip body inflating to 100 MB: %d %s; want 413", code, answer)
	}
	hwm := procKB(t, p.Pid(), "VmHWM")
	t.Logf("sidecar VmHWM %d MB before the 100 MB bodies, %d MB after", hwmBefore>>10, hwm>>10)
	// A body held whole would take 100 MB on its own. The peak is measured
	// from where it stood before: the binary's own pages (some 40 MB of
	// file-backed, shared pages since the Iceberg libraries came in) are
	// resident before any body arrives.
	if grew := hwm - hwmBefore; grew > 85<<10 {
		t.Errorf("the sidecar's peak RSS grew by %d MB taking 100 MB bodies: bodies are not bounded by max_body_size", grew>>10)
	}

	// Invalid UTF-8 inside a JSON string is not the client's batch's
	// fault: taken, and the record lands (the bytes may be replaced).
	first = s.take(3)
	body := fmt.Sprintf("{\"seq\":%d,\"msg\":\"before\"}\n{\"seq\":%d,\"msg\":\"bad \xff\xfe\xc3\x28 bytes\"}\n{\"seq\":%d,\"msg\":\"after\"}\n", first, first+1, first+2)
	if code, answer, _ := postBatch(t, url, []byte(body), true, ""); code != http.StatusOK {
		t.Errorf("a batch with invalid UTF-8 in a string: %d %s; want 200", code, answer)
	}
	s.good("bad.http", first, 3)
	s.invalidUTF8 = first + 1
}

// badOTLP: garbage that is not an ExportLogsServiceRequest is refused
// with 400; a good request after it is taken.
func badOTLP(t *testing.T, p *sidecarproc.Proc, s *seqs) {
	url := "http://" + p.Addr("otlp.0") + "/v1/logs"
	good, err := proto.Marshal(otlpRequest("bad-input", 0, 100))
	if err != nil {
		t.Fatal(err)
	}
	post := func(body []byte) (int, string) {
		resp, err := http.Post(url, "application/x-protobuf", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(answer)
	}
	for what, garbage := range map[string][]byte{
		"text":                   []byte("this is not a protobuf message at all"),
		"a request cut short":    good[:len(good)/2],
		"a field of wire type 7": {0x0f, 0x01, 0x02},
	} {
		if code, answer := post(garbage); code != http.StatusBadRequest {
			t.Errorf("OTLP %s: %d %q; want 400", what, code, answer)
		}
	}
	if code, answer := post(good); code != http.StatusOK {
		t.Errorf("OTLP good request after the garbage: %d %q", code, answer)
	}
}

// idleConnections holds idleConns idle connections to the forward source
// while a good client is acknowledged and the http source answers, and
// measures the sidecar's memory with 1,000 and with all of them open.
func idleConnections(t *testing.T, p *sidecarproc.Proc, s *seqs) {
	addr := p.Addr("forward.0")
	open := func() int64 { return sourceMetric(t, p, "connections_open", "forward.0") }
	// badForward closed its connections: the gauge starts at zero.
	waitFor(t, "no forward connection open", func() bool { return open() == 0 })
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	dialTo := func(n int) {
		for len(conns) < n {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatalf("idle connection %d: %v", len(conns)+1, err)
			}
			conns = append(conns, c)
		}
		waitFor(t, fmt.Sprintf("%d idle connections open", n), func() bool { return open() == int64(n) })
	}
	// Anonymous memory: what the process allocated, leaving out the
	// binary's file-backed pages, which are shared and reclaimable.
	rssBase := procKB(t, p.Pid(), "RssAnon")
	dialTo(1000)
	rss1k := procKB(t, p.Pid(), "RssAnon")
	dialTo(idleConns)
	rss10k := procKB(t, p.Pid(), "RssAnon")
	t.Logf("sidecar RssAnon: %d MB before, %d MB with 1,000 idle connections, %d MB with %d (VmRSS %d MB)",
		rssBase>>10, rss1k>>10, rss10k>>10, idleConns, procKB(t, p.Pid(), "VmRSS")>>10)
	if rss1k > 80<<10 {
		t.Errorf("RssAnon %d MB with 1,000 idle connections; the target is 80 MB", rss1k>>10)
	}
	if rss10k > 150<<10 {
		t.Errorf("RssAnon %d MB with %d idle connections; want 150 MB at most", rss10k>>10, idleConns)
	}

	// Service goes on: a new forward client is acknowledged, the http
	// source answers.
	g := dialForward(t, addr)
	for i := 0; i < 5; i++ {
		first := s.take(200)
		g.send("bad.fwd", first, 200)
		s.good("bad.fwd", first, 200)
	}
	first := s.take(100)
	if code, body, _ := postBatch(t, "http://"+p.Addr("http.0")+"/bad.http", vectorBatch(int(first), 100, true, time.Now(), 0), true, "gzip"); code != http.StatusOK {
		t.Errorf("http with %d idle forward connections: %d %s", idleConns, code, body)
	}
	s.good("bad.http", first, 100)
	g.conn.Close()

	for _, c := range conns {
		c.Close()
	}
	conns = nil
	waitFor(t, "every idle connection closed", func() bool { return open() == 0 })
}
