package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/datagen"
	"github.com/s3append/s3append/test/e2e/duckdb"
)

// accessLogWriter puts access-log objects whose lines come from one
// datagen stream, so that every object of a test holds lines (and
// request ids) of its own, unlike putAccessLogs, which starts the same
// stream at every call.
type accessLogWriter struct {
	t     *testing.T
	store s3api.Store
	g     *datagen.Generator
	n     int // objects put so far: the unique part of the keys
}

func newAccessLogWriter(t *testing.T, store s3api.Store, seed uint64) *accessLogWriter {
	return &accessLogWriter{t: t, store: store, g: datagen.New(datagen.S3Access, seed)}
}

// lines generates n lines, and returns them with their request ids and
// the request time of the first.
func (w *accessLogWriter) lines(n int) (lines, ids []string, first time.Time) {
	for i := 0; i < n; i++ {
		tm, rec := w.g.Next()
		if i == 0 {
			first = tm
		}
		lines = append(lines, w.g.Text())
		ids = append(ids, fmt.Sprint(rec["request_id"]))
	}
	return lines, ids, first
}

// key is the next object key under prefix, named as S3 names access log
// objects, with a key time of t.
func (w *accessLogWriter) key(prefix string, t time.Time) string {
	w.n++
	return fmt.Sprintf("%s%s-%016X", prefix, t.UTC().Format("2006-01-02-15-04-05"), w.n)
}

// put stores body as the next object under prefix and returns its key.
func (w *accessLogWriter) put(prefix string, t time.Time, body []byte) string {
	w.t.Helper()
	key := w.key(prefix, t)
	if err := w.store.PutObject(context.Background(), key, body, s3api.PutOptions{}); err != nil {
		w.t.Fatalf("putting %s: %v", key, err)
	}
	return key
}

// putLines stores an object of n fresh lines under prefix and returns its
// key and the lines' request ids.
func (w *accessLogWriter) putLines(prefix string, n int) (string, []string) {
	w.t.Helper()
	lines, ids, first := w.lines(n)
	return w.put(prefix, first, []byte(strings.Join(lines, "\n")+"\n")), ids
}

// accessState is what the test reads of the s3_access_logs source's
// state file: the objects being read and those taken. It is the source's
// own record of what is left to do, written durably after every object.
type accessState struct {
	Objects map[string]json.RawMessage `json:"objects"`
	Taken   map[string]struct {
		Failed string `json:"failed"`
	} `json:"taken"`
}

// readAccessState reads the state file of the one s3_access_logs source
// whose store_dir is storeDir; ok is false before the source wrote it.
func readAccessState(t *testing.T, storeDir string) (st accessState, ok bool) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(storeDir, "sources", "s3_access_logs", "*", "*", "state.json"))
	if err != nil || len(files) > 1 {
		t.Fatalf("state files of the source under %s: %v %v", storeDir, files, err)
	}
	if len(files) == 0 {
		return st, false
	}
	// The file is replaced by rename, so a read sees one version whole.
	b, err := os.ReadFile(files[0])
	if os.IsNotExist(err) {
		return st, false
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("state file %s: %v\n%s", files[0], err, b)
	}
	return st, true
}

// allTaken says whether the source's state has every key of keys taken
// (with the reason it was given up, "" when read whole) and no object in
// progress.
func allTaken(t *testing.T, storeDir string, keys map[string]string) bool {
	st, ok := readAccessState(t, storeDir)
	if !ok || len(st.Objects) > 0 {
		return false
	}
	for k, failed := range keys {
		got, ok := st.Taken[k]
		if !ok {
			return false
		}
		if got.Failed != failed {
			t.Fatalf("the source recorded %s taken with failed %q, want %q", k, got.Failed, failed)
		}
	}
	return true
}

// countRequestIDs reads the Parquet objects downloaded under dir and
// counts how often each request_id landed (but those starting with
// skipPrefix, when it is not ""), and the rows without one.
func countRequestIDs(t *testing.T, dir, skipPrefix string) (map[string]int, int) {
	t.Helper()
	where := ""
	if skipPrefix != "" {
		where = fmt.Sprintf("WHERE request_id IS NULL OR NOT starts_with(request_id, '%s')", skipPrefix)
	}
	rows, err := duckdb.Query(fmt.Sprintf(`
SELECT coalesce(request_id, '') AS id, count(*) AS n
FROM read_parquet('%s/**/*.parquet') %s GROUP BY ALL`, dir, where))
	if err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	got, none := map[string]int{}, 0
	for _, r := range rows {
		n, _ := strconv.Atoi(fmt.Sprint(r["n"]))
		if id := fmt.Sprint(r["id"]); id != "" {
			got[id] = n
		} else {
			none = n
		}
	}
	return got, none
}

// eachOnce compares what landed with the ids sent: each once, nothing
// else.
func eachOnce(t *testing.T, got map[string]int, sent []string) {
	t.Helper()
	want := make(map[string]bool, len(sent))
	for _, id := range sent {
		want[id] = true
	}
	var missing, dup, extra int
	for id, n := range got {
		switch {
		case !want[id]:
			extra++
		case n > 1:
			dup++
		}
	}
	for id := range want {
		if got[id] == 0 {
			missing++
		}
	}
	if missing+dup+extra > 0 {
		t.Errorf("of %d lines: %d missing, %d landed more than once, %d request ids landed that were not sent", len(want), missing, dup, extra)
	}
}

// accessDeadLetter is a dead letter of an access-log line that does not
// parse, as an output wrote it under its dead_letter_prefix.
type accessDeadLetter struct {
	tag, reason, origin string
	line                int
	raw                 string
}

// readDeadLetters reads the dead letters among the objects downloaded
// under dir (dead_letter_prefix s3append-dead-letter/, the default).
func readDeadLetters(t *testing.T, dir string) []accessDeadLetter {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "s3append-dead-letter")); os.IsNotExist(err) {
		return nil
	}
	rows, err := duckdb.Query(fmt.Sprintf(`
SELECT tag, reason, origin, line::VARCHAR AS line, raw_msgpack
FROM read_json('%s/s3append-dead-letter/**/*.json*', format='newline_delimited',
	columns={received: 'VARCHAR', tag: 'VARCHAR', reason: 'VARCHAR', origin: 'VARCHAR', line: 'BIGINT', raw_msgpack: 'VARCHAR'})`, dir))
	if err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	out := make([]accessDeadLetter, 0, len(rows))
	for _, r := range rows {
		raw, err := base64.StdEncoding.DecodeString(fmt.Sprint(r["raw_msgpack"]))
		if err != nil {
			t.Fatalf("dead letter %v: raw_msgpack is not base64: %v", r, err)
		}
		line, _ := strconv.Atoi(fmt.Sprint(r["line"]))
		out = append(out, accessDeadLetter{tag: fmt.Sprint(r["tag"]), reason: fmt.Sprint(r["reason"]),
			origin: fmt.Sprint(r["origin"]), line: line, raw: string(raw)})
	}
	return out
}

// junkLine is a line of a source object that does not parse: the object,
// its 1-based line number there and its text.
type junkLine struct {
	key  string
	line int
	text string
}

// expectDeadLetters fails unless the dead letters are exactly the junk
// lines, each once, with the tag, the object as s3://srcBucket/key, the
// line number, the line's text and a reason.
func expectDeadLetters(t *testing.T, dead []accessDeadLetter, srcBucket string, junk []junkLine) {
	t.Helper()
	want := map[junkLine]int{}
	for _, j := range junk {
		want[junkLine{"s3://" + srcBucket + "/" + j.key, j.line, j.text}]++
	}
	got := map[junkLine]int{}
	var problems []string
	for _, d := range dead {
		got[junkLine{d.origin, d.line, d.raw}]++
		if d.tag != "s3_access_logs" || !strings.Contains(d.reason, fmt.Sprintf("line %d of %s: s3 access log line: field", d.line, d.origin)) {
			problems = append(problems, fmt.Sprintf("dead letter of line %d of %s has tag %q and reason %q", d.line, d.origin, d.tag, d.reason))
		}
	}
	for j, n := range want {
		if got[j] != n {
			problems = append(problems, fmt.Sprintf("line %d of %s is in %d dead letters, want %d", j.line, j.key, got[j], n))
		}
	}
	for j, n := range got {
		if want[j] == 0 {
			problems = append(problems, fmt.Sprintf("%d dead letters of line %d of %s (%.80q), which does not parse in no test object", n, j.line, j.key, j.text))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		t.Errorf("%d dead letters for %d lines that do not parse; %d problem(s), e.g.:\n%s", len(dead), len(junk), len(problems), strings.Join(problems[:min(5, len(problems))], "\n"))
	}
}

// The sidecar reading access-log objects in batches is killed with
// SIGKILL 10 times (S3APPEND_ACCESS_KILLS for more) while it reads and
// while its Parquet uploads are open; a last run, stopped cleanly once the
// source's state has every object taken, leaves every line of every object
// in the bucket exactly once, and no upload open; a start after that
// finds nothing to read. One object in ten has a line that does not
// parse: each of those is in the dead letters exactly once, with its
// object and line number.
//
// Batches of 100 lines make 10 per object, so kills land between an
// object's batches as well as between objects. The Parquet pages are not
// compressed, so that an object passes a 5 MiB part within upload_timeout
// (2s) and multipart uploads are open when odd rounds are killed; 1000
// lines per object leave the source work for every round's kill
// (5 rounds of at most 3500 lines, 5 of at most 30000, out of 200000).
func TestSidecarS3AccessKillLoop(t *testing.T) {
	kills := 10
	if v, err := strconv.Atoi(os.Getenv("S3APPEND_ACCESS_KILLS")); err == nil && v > 0 {
		kills = v
	}
	start := time.Now()
	dir := t.TempDir()
	srcBucket, srcStore := newBucket(t)
	bucket, store := newBucket(t)
	const objects, perObject = 200, 1000
	const total = objects * perObject
	w := newAccessLogWriter(t, srcStore, 11)
	keys := map[string]string{}
	var sent []string
	var junk []junkLine
	for o := 0; o < objects; o++ {
		lines, ids, first := w.lines(perObject)
		bad := -1
		if o%10 == 3 {
			// A line that does not parse, somewhere else in each such
			// object: its dead letter commits with its batch.
			bad = o * 37 % perObject
			lines[bad] = fmt.Sprintf("%s is no access log line (object %d)", ids[bad], o)
			ids = append(ids[:bad:bad], ids[bad+1:]...)
		}
		key := w.put("logs/", first, []byte(strings.Join(lines, "\n")+"\n"))
		if bad >= 0 {
			junk = append(junk, junkLine{key, bad + 1, lines[bad]})
		}
		keys[key] = ""
		sent = append(sent, ids...)
	}
	sourceDir := filepath.Join(dir, "source")
	sourceYAML := fmt.Sprintf(`  - type: s3_access_logs
    bucket: %s
    prefix: logs/
    region: %s
    endpoint: %s
    use_path_style: true
    checksum: when_required
    store_dir: %s
    poll_interval: 1s
    batch_lines: 100
`, srcBucket, server.Region, server.Endpoint, sourceDir)
	outputs := sidecarOutput("*", bucket, dir, map[string]string{
		"format": "parquet", "compression": "none", "parquet_schema": "s3_access_logs",
		"upload_timeout": "2s", "upload_chunk_size": "5M", "total_file_size": "12M",
		"s3_key_format": "/access/$UUID.parquet",
	})
	ctx := context.Background()
	openUploads := func() map[string]bool {
		ups, err := store.ListMultipartUploads(ctx, "")
		if err != nil {
			t.Fatalf("ListMultipartUploads: %v", err)
		}
		ids := map[string]bool{}
		for _, u := range ups {
			ids[u.UploadID] = true
		}
		return ids
	}
	const src = "s3_access_logs.0"
	var midRead, midUpload int
	for round := 0; round < kills; round++ {
		before := openUploads()
		p := startSidecar(t, dir, sourceYAML, outputs, src)
		// Kill once this run's source has taken some lines, a different
		// number each round (so kills land in different batches and
		// objects); odd rounds also wait for an upload of this run to be
		// open (at most until 30000 lines are taken). Should the run read
		// everything first, it is killed all the same.
		threshold := int64(500 + round*1733%3000)
		duringUpload := round%2 == 1
		var done, opened bool
		waitFor(t, fmt.Sprintf("round %d: %d lines taken (and an upload open: %v)", round, threshold, duringUpload), func() bool {
			if done = allTaken(t, sourceDir, keys); done {
				return true
			}
			if sourceRecords(t, p, src) < threshold {
				return false
			}
			if !duringUpload {
				return true
			}
			for id := range openUploads() {
				opened = opened || !before[id]
			}
			return opened || sourceRecords(t, p, src) >= 30000
		})
		if !done {
			midRead++
		}
		if opened {
			midUpload++
		}
		p.Kill()
	}
	t.Logf("%d kills in %s: %d while objects were being read, %d of them with an upload of the run open",
		kills, time.Since(start).Round(time.Millisecond), midRead, midUpload)
	if midRead == 0 {
		t.Errorf("every run had read every object before it was killed: the kills tested nothing")
	}

	p := startSidecar(t, dir, sourceYAML, outputs, src)
	waitFor(t, "every object taken", func() bool { return allTaken(t, sourceDir, keys) })
	stopSidecar(t, p)

	// One more start finds nothing left to read: its first poll (the
	// first write of the state after the one Start makes) admits nothing
	// and the source delivers no line.
	p = startSidecar(t, dir, sourceYAML, outputs, src)
	started := stateFileVersion(t, sourceDir)
	waitFor(t, "a poll of the run after the last", func() bool { return stateFileVersion(t, sourceDir) != started })
	if st, _ := readAccessState(t, sourceDir); len(st.Objects) > 0 || sourceRecords(t, p, src) > 0 {
		t.Errorf("a start after every object was taken admitted %d objects and delivered %d lines", len(st.Objects), sourceRecords(t, p, src))
	}
	stopSidecar(t, p)

	down := filepath.Join(dir, "landed")
	download(t, store, down)
	got, none := countRequestIDs(t, down, "")
	if none > 0 {
		t.Errorf("%d rows without a request_id among %d lines", none, total)
	}
	eachOnce(t, got, sent)
	expectDeadLetters(t, readDeadLetters(t, down), srcBucket, junk)
	noOpenUploads(t, store)
	t.Logf("whole test %s", time.Since(start).Round(time.Millisecond))
}

// stateFileVersion names the version of the source's state file on disk:
// each write replaces the file by rename, so its inode or its time
// changes. (An inode number freed by one write can come back at the next,
// hence the time too.)
func stateFileVersion(t *testing.T, storeDir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(storeDir, "sources", "s3_access_logs", "*", "*", "state.json"))
	if len(files) != 1 {
		t.Fatalf("state files of the source under %s: %v", storeDir, files)
	}
	fi, err := os.Stat(files[0])
	if err != nil {
		return "" // between the rename and the stat of a write: changed
	}
	ino := uint64(0)
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = st.Ino
	}
	return fmt.Sprintf("%d/%d", ino, fi.ModTime().UnixNano())
}

// keyFaultProxy stands between the source and the test server for two
// keys of its bucket: a GET of denied is answered 403 AccessDenied, as S3
// answers a key the reader may not read, and vanish is deleted from the
// bucket just before its first GET is forwarded, as when an object goes
// between the listing that found it and its reading. Everything else is
// forwarded as it came (the Host header too, which the signature covers).
type keyFaultProxy struct {
	URL                  string
	deniedGets, vanished atomic.Int64
}

func startKeyFaultProxy(t *testing.T, bucket string, store s3api.Store, denied, vanish string) *keyFaultProxy {
	t.Helper()
	target, err := url.Parse(server.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	kp := &keyFaultProxy{}
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			switch r.URL.Path {
			case "/" + bucket + "/" + denied:
				kp.deniedGets.Add(1)
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><Resource>%s</Resource><RequestId>keyfault</RequestId></Error>`, r.URL.Path)
				return
			case "/" + bucket + "/" + vanish:
				once.Do(func() {
					if err := store.DeleteObject(context.Background(), vanish); err != nil {
						t.Errorf("deleting %s: %v", vanish, err)
					}
					kp.vanished.Add(1)
				})
			}
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	kp.URL = srv.URL
	return kp
}

// putBigAccessLog stores an access-log object of at least size bytes
// under key with a multipart upload of 8 MiB parts, each made just before
// it is sent: the object is never whole in the test's memory. Its lines
// are those of templates in turn, each with a request id of its own:
// "Z" and 15 hex digits, which no datagen id (16 hex digits) can equal.
// It returns the number of lines.
func putBigAccessLog(t *testing.T, store s3api.Store, key string, templates, templateIDs []string, size int64) int {
	t.Helper()
	const partSize = 8 << 20
	type split struct{ before, after string }
	tpl := make([]split, len(templates))
	for i, l := range templates {
		at := strings.Index(l, " "+templateIDs[i]+" ")
		if at < 0 {
			t.Fatalf("request id %s not in line %q", templateIDs[i], l)
		}
		tpl[i] = split{l[:at+1], l[at+1+len(templateIDs[i]):]}
	}
	ctx := context.Background()
	id, err := store.CreateMultipartUpload(ctx, key, s3api.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var (
		parts []s3api.Part
		sent  int64
		lines int
		buf   = make([]byte, 0, partSize+8<<10)
	)
	for sent < size {
		buf = buf[:0]
		for len(buf) < partSize && sent+int64(len(buf)) < size {
			s := tpl[lines%len(tpl)]
			buf = append(buf, s.before...)
			buf = fmt.Appendf(buf, "Z%015X", lines)
			buf = append(buf, s.after...)
			buf = append(buf, '\n')
			lines++
		}
		n := int32(len(parts) + 1)
		etag, err := store.UploadPart(ctx, key, id, n, buf)
		if err != nil {
			t.Fatalf("part %d of %s: %v", n, key, err)
		}
		parts = append(parts, s3api.Part{Number: n, ETag: etag})
		sent += int64(len(buf))
	}
	if err := store.CompleteMultipartUpload(ctx, key, id, parts); err != nil {
		t.Fatal(err)
	}
	return lines
}

// strayQuotes are lines of S3's format with quotes where they do not
// belong, each made from a good line. The request id comes before the
// first quoted field, so a line that parses keeps its own.
var strayQuotes = []func(line string) string{
	// quotes inside the request URI, not followed by a space: content
	func(l string) string { return strings.Replace(l, ` "`, ` ""x"`, 1) },
	// an escaped quote inside the request URI
	func(l string) string { return strings.Replace(l, ` "`, ` "\"`, 1) },
	// a quote and a space right after the opening one: the URI ends there
	// and the fields after it shift
	func(l string) string { return strings.Replace(l, ` "`, ` "" `, 1) },
	// the line cut after the opening quote of the request URI
	func(l string) string { return l[:strings.Index(l, ` "`)+2] + "GET /half" },
	// a stray quote opening the key, an unquoted field
	func(l string) string {
		f := strings.SplitN(l, " ", 10) // [time is two tokens: the key is the ninth
		f[8] = `"` + f[8]
		return strings.Join(f, " ")
	},
	// a quote at the very end of the line
	func(l string) string { return l + ` "` },
}

// vmHWM reads the peak resident memory of pid from /proc (kB); ok is
// false once the process is gone.
func vmHWM(pid int) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	m := regexp.MustCompile(`(?m)^VmHWM:\s+(\d+) kB$`).FindSubmatch(b)
	if m == nil {
		return 0, false
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb, true
}

// logLevelOf is the level ("error", "warn"...) of the first line of log
// that holds every one of words, or "" when none does.
func logLevelOf(log string, words ...string) string {
next:
	for _, l := range strings.Split(log, "\n") {
		for _, w := range words {
			if !strings.Contains(l, w) {
				continue next
			}
		}
		if m := regexp.MustCompile(`^\[[^\]]*\] \[ ?([a-z]+)\]`).FindStringSubmatch(l); m != nil {
			return m[1]
		}
		return "?"
	}
	return ""
}

// Hostile objects among good ones in the source bucket: random bytes, an
// empty object, lines with stray quotes, a 1 GB object, an object
// deleted after it was listed and one the reader may not GET. Each bad
// object is named in a log line that says what is wrong with it; every
// good line lands once, the stray-quote lines parsed or in the dead
// letters with their key and line number; the sidecar's memory stays
// bounded while it reads the big
// object; and nothing else is logged as an error. S3APPEND_ACCESS_BIG_MB
// sets the big object's size in MB.
func TestSidecarS3AccessHostileInput(t *testing.T) {
	start := time.Now()
	dir := t.TempDir()
	srcBucket, srcStore := newBucket(t)
	bucket, store := newBucket(t)
	w := newAccessLogWriter(t, srcStore, 23)
	expect := map[string]string{} // key: the reason it is given up, "" when read whole
	var goodIDs []string
	for i := 0; i < 4; i++ {
		key, ids := w.putLines("logs/", 2000)
		expect[key] = ""
		goodIDs = append(goodIDs, ids...)
	}

	rng := rand.New(rand.NewPCG(5, 6))
	junk := make([]byte, 1<<20)
	for i := range junk {
		junk[i] = byte(rng.IntN(256))
	}
	binary := w.put("logs/", time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC), junk)
	expect[binary] = "unparseable_object"
	empty := w.put("logs/", time.Date(2026, 11, 22, 1, 0, 1, 0, time.UTC), nil)
	expect[empty] = ""

	lines, ids, first := w.lines(10 * len(strayQuotes))
	strayIDs := map[string]bool{}
	for i := range lines {
		lines[i] = strayQuotes[i%len(strayQuotes)](lines[i])
		strayIDs[ids[i]] = true
	}
	stray := w.put("logs/", first, []byte(strings.Join(lines, "\n")+"\n"))
	expect[stray] = ""

	denied, _ := w.putLines("logs/", 50)
	expect[denied] = "get_failed"
	vanish, _ := w.putLines("logs/", 50)
	expect[vanish] = "object_missing"

	bigSize := int64(1 << 30)
	if v, err := strconv.ParseInt(os.Getenv("S3APPEND_ACCESS_BIG_MB"), 10, 64); err == nil && v > 0 {
		bigSize = v << 20
	}
	tplLines, tplIDs, tplFirst := w.lines(1000)
	big := w.key("logs/", tplFirst)
	bigLines := putBigAccessLog(t, srcStore, big, tplLines, tplIDs, bigSize)
	expect[big] = ""
	t.Logf("source bucket filled in %s (big object: %d MB, %d lines)", time.Since(start).Round(time.Millisecond), bigSize>>20, bigLines)

	kp := startKeyFaultProxy(t, srcBucket, srcStore, denied, vanish)
	sourceDir := filepath.Join(dir, "source")
	sourceYAML := fmt.Sprintf(`  - type: s3_access_logs
    bucket: %s
    prefix: logs/
    region: %s
    endpoint: %s
    use_path_style: true
    checksum: when_required
    store_dir: %s
    poll_interval: 1s
`, srcBucket, server.Region, kp.URL, sourceDir)
	p := startSidecar(t, dir, sourceYAML, sidecarOutput("*", bucket, dir, map[string]string{
		"format": "parquet", "compression": "zstd", "parquet_schema": "s3_access_logs",
		"s3_key_format": "/access/$UUID.parquet",
	}), "s3_access_logs.0")
	// VmHWM is the peak so far: sampled until the process is gone, so that
	// the last value read covers reading, converting and the final uploads.
	var peakKB atomic.Int64
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if kb, ok := vmHWM(p.Pid()); ok {
				peakKB.Store(kb)
			}
			select {
			case <-p.Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	waitFor(t, "every object taken or given up", func() bool { return allTaken(t, sourceDir, expect) })
	if err := p.Stop(); err != nil {
		t.Fatalf("s3append exit: %v\n%s", err, tail(p.Log(), 40))
	}
	<-sampled
	log := p.Log()
	if kp.deniedGets.Load() == 0 || kp.vanished.Load() == 0 {
		t.Errorf("the proxy answered %d GETs of %s with AccessDenied and deleted %s %d times; want both", kp.deniedGets.Load(), denied, vanish, kp.vanished.Load())
	}

	// A line for each bad object, naming it and what is wrong. Giving an
	// object up for good is an [error] (its lines are not read, ever); a
	// line that does not parse goes to the dead letters, and an object
	// gone has nothing to read: [warn].
	name := func(key string) string { return "s3://" + srcBucket + "/" + key + " " }
	for _, c := range []struct{ key, says, level string }{
		{binary, "is not an S3 access log", "error"},
		{denied, "cannot be read (AccessDenied)", "error"},
		{vanish, "was listed but is gone (NoSuchKey)", "warn"},
		{stray, "not parse; the first", "warn"},
	} {
		if got := logLevelOf(log, name(c.key), c.says); got != c.level {
			t.Errorf("log line naming %s and saying %q: level %q, want %q", c.key, c.says, got, c.level)
		}
	}
	for _, key := range keysOf(expect, "") { // the good, the empty and the big
		if key == stray {
			continue
		}
		for _, level := range []string{"[ warn]", "[error]"} {
			if l := grepLines(grepLines(log, level), key); l != "" {
				t.Errorf("%s is named in a %s line:\n%s", key, level, l)
			}
		}
	}
	for _, l := range strings.Split(grepLines(log, "[error]"), "\n") {
		if l != "" && !strings.Contains(l, name(binary)) && !strings.Contains(l, name(denied)) {
			t.Errorf("an [error] line names neither the binary object nor the denied one: %s", l)
		}
	}

	down := filepath.Join(dir, "landed")
	download(t, store, down)
	rows, err := duckdb.Query(fmt.Sprintf(`
SELECT count(*) AS n, count(DISTINCT request_id) AS ids
FROM read_parquet('%s/**/*.parquet') WHERE starts_with(request_id, 'Z')`, down))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rows[0]["n"]) != strconv.Itoa(bigLines) || fmt.Sprint(rows[0]["ids"]) != strconv.Itoa(bigLines) {
		t.Errorf("the big object: %v rows, %v request ids; want its %d lines, each once", rows[0]["n"], rows[0]["ids"], bigLines)
	}
	got, none := countRequestIDs(t, down, "Z")
	want := append([]string(nil), goodIDs...)
	parsedStray := 0
	for id := range strayIDs {
		if got[id] > 0 {
			want = append(want, id)
			parsedStray++
		}
	}
	eachOnce(t, got, want)
	// The stray-quote lines that do not parse are in the dead letters,
	// each once, with the object's key and the line's number; none is in
	// the Parquet objects.
	var unparsed []junkLine
	for i, l := range lines {
		if got[ids[i]] == 0 {
			unparsed = append(unparsed, junkLine{stray, i + 1, l})
		}
	}
	expectDeadLetters(t, readDeadLetters(t, down), srcBucket, unparsed)
	if parsedStray == 0 || len(unparsed) == 0 {
		t.Errorf("of %d stray-quote lines %d parsed and %d did not: want some of each", len(strayIDs), parsedStray, len(unparsed))
	}
	rows, err = duckdb.Query(fmt.Sprintf(`
SELECT count(*) AS n FROM read_parquet('%s/**/*.parquet') WHERE _extra LIKE '%%_unparsed%%'`, down))
	if err != nil {
		t.Fatal(err)
	}
	if n := fmt.Sprint(rows[0]["n"]); n != "0" || none != 0 {
		t.Errorf("the Parquet objects hold %s rows with _unparsed in _extra and %d rows without a request id; want none", n, none)
	}
	noOpenUploads(t, store)

	peak := peakKB.Load() >> 10
	t.Logf("sidecar peak RSS %d MB; %d of %d stray-quote lines parsed; whole test %s", peak, parsedStray, len(strayIDs), time.Since(start).Round(time.Millisecond))
	if peak == 0 || peak >= 250 {
		t.Errorf("sidecar peak RSS %d MB reading a %d MB object; want it under 250 MB", peak, bigSize>>20)
	}
}

// keysOf lists the keys of m whose value is v.
func keysOf(m map[string]string, v string) []string {
	var out []string
	for k, x := range m {
		if x == v {
			out = append(out, k)
		}
	}
	return out
}
