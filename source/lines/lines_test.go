package lines

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3append/s3append/source"
	"github.com/s3append/s3append/source/sourcetest"
)

// TestUnixSocketWriters: several writers at once on a unix socket made
// with socket_mode; every line arrives once, each writer's in order.
func TestUnixSocketWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lines.sock")
	r := start(t, map[string]string{"listen": "unix://" + path, "socket_mode": "0620", "tag": "app.lines"}, nil)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o620 {
		t.Fatalf("socket: %v %v", fi, err)
	}
	const writers, perWriter = 4, 2000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := r.dial(t)
			defer c.Close()
			for i := range perWriter {
				if _, err := fmt.Fprintf(c, "writer %d line %d %s\n", w, i, strings.Repeat("x", i%50)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	recs := waitRecords(t, r.sink, writers*perWriter)
	next := make([]int, writers)
	for _, line := range logs(recs) {
		var w, i int
		if _, err := fmt.Sscanf(line, "writer %d line %d", &w, &i); err != nil || i != next[w] {
			t.Fatalf("line %q out of order (want line %d of writer %d)", line, next[w], w)
		}
		next[w]++
	}
	for _, b := range r.sink.Batches() {
		if b.Tag != "app.lines" {
			t.Fatalf("tag %q", b.Tag)
		}
	}
	if r.stats.Records.Load() != writers*perWriter || r.stats.ConnectionsTotal.Load() != writers {
		t.Errorf("stats: %d records, %d connections", r.stats.Records.Load(), r.stats.ConnectionsTotal.Load())
	}
}

func TestTCPLines(t *testing.T) {
	r := start(t, map[string]string{"log_key": "message"}, nil)
	c := r.dial(t)
	text := "first\r\nsecond\n\n\r\n  third with spaces  \nbad \xff utf8\nlast without newline"
	before := time.Now()
	if _, err := c.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	recs := waitRecords(t, r.sink, 5)
	var got []string
	for _, rc := range recs {
		if len(rc) != 1 {
			t.Errorf("record %v has more than the log field", rc)
		}
		got = append(got, rc["message"].(string))
	}
	want := []string{"first", "second", "  third with spaces  ", "bad \xff utf8", "last without newline"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	for _, ev := range r.sink.Events() {
		if ev.Time().Before(before.Add(-time.Second)) {
			t.Errorf("event time %s is not the arrival time", ev.Time())
		}
	}
	if b := r.sink.Batches(); b[0].Tag != "lines" {
		t.Errorf("tag %q, want the default lines", b[0].Tag)
	}
	if got := r.stats.Bytes.Load(); got != int64(len(text)) {
		t.Errorf("bytes %d, want %d", got, len(text))
	}
}

// TestLongLine: a 5 MiB line with max_line_size 1M is 5 pieces that put
// back together make the line; the lines around it stay whole.
func TestLongLine(t *testing.T) {
	r := start(t, map[string]string{"max_line_size": "1M"}, nil)
	long := make([]byte, 5<<20)
	for i := range long {
		long[i] = 'a' + byte(i%26)
	}
	c := r.dial(t)
	go func() {
		defer c.Close()
		c.Write([]byte("before\n"))
		c.Write(long)
		c.Write([]byte("\r\nafter\n"))
	}()
	recs := waitRecords(t, r.sink, 7)
	if recs[0]["log"] != "before" || recs[6]["log"] != "after" || len(recs[0]) != 1 || len(recs[6]) != 1 {
		t.Fatalf("lines around the long one: %v, %v", recs[0]["log"], recs[6]["log"])
	}
	var joined bytes.Buffer
	id := recs[1]["partial_id"]
	for i, p := range recs[1:6] {
		text := p["log"].(string)
		joined.WriteString(text)
		if len(text) != 1<<20 || p["partial"] != true || p["partial_id"] != id || p["partial_ordinal"] != int64(i+1) || p["partial_last"] != (i == 4) {
			t.Errorf("piece %d: %d bytes, partial %v, id %v, ordinal %v, last %v", i+1, len(text), p["partial"], p["partial_id"], p["partial_ordinal"], p["partial_last"])
		}
	}
	if s, _ := id.(string); s == "" {
		t.Errorf("partial_id %v", id)
	}
	if !bytes.Equal(joined.Bytes(), long) {
		t.Error("the pieces do not make the line")
	}
}

func TestParseJSON(t *testing.T) {
	r := start(t, map[string]string{"parse": "json"}, nil)
	c := r.dial(t)
	c.Write([]byte("{\"a\":1,\"b\":{\"c\":\"d\"}}\n  {\"e\":true}  \r\nnot json\n[1,2]\n{\"cut\":\n{\"a\":1} trailing\n\"str\"\n"))
	c.Close()
	recs := waitRecords(t, r.sink, 7)
	want := []rec{
		{"a": int64(1), "b": map[string]any{"c": "d"}},
		{"e": true},
		{"log": "not json"},
		{"log": "[1,2]"},
		{"log": "{\"cut\":"},
		{"log": "{\"a\":1} trailing"},
		{"log": "\"str\""},
	}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("got %v\nwant %v", recs, want)
	}
}

// TestRetryThenOK: while the Sink answers Retry the lines are kept and
// offered again; once it takes them every line is there once, in order.
func TestRetryThenOK(t *testing.T) {
	var calls atomic.Int32
	sink := &sourcetest.Sink{Answer: func(string, []byte) source.Result {
		if calls.Add(1) <= 3 {
			return source.Retry
		}
		return source.OK
	}}
	r := start(t, map[string]string{"batch_size": "4K"}, sink)
	const n = 5000
	c := r.dial(t)
	go func() {
		defer c.Close()
		for i := range n {
			fmt.Fprintf(c, "line %d\n", i)
		}
	}()
	recs := waitRecords(t, sink, n)
	for i, l := range logs(recs) {
		if l != fmt.Sprintf("line %d", i) {
			t.Fatalf("record %d is %q", i, l)
		}
	}
	if calls.Load() < 4 {
		t.Errorf("%d Deliver calls", calls.Load())
	}
	if !strings.Contains(r.log.String(), "buffer full") {
		t.Errorf("no warning logged:\n%s", r.log)
	}
}

func TestErrorIsCounted(t *testing.T) {
	sink := &sourcetest.Sink{Answer: func(_ string, ev []byte) source.Result { return source.Error }}
	r := start(t, nil, sink)
	c := r.dial(t)
	c.Write([]byte("a\nb\nc\n"))
	c.Close()
	deadline := time.Now().Add(time.Minute)
	for {
		if _, counts := r.stats.Rejects(); len(counts) == 1 && counts[0] == 3 {
			break
		}
		if time.Now().After(deadline) {
			reasons, counts := r.stats.Rejects()
			t.Fatalf("rejects %v %v", reasons, counts)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if reasons, _ := r.stats.Rejects(); reasons[0] != "error" {
		t.Errorf("reason %v", reasons)
	}
}

// TestStopDeliversWhatWasRead: Stop makes a connection deliver what it
// has read, the unterminated last line included, and waits for it.
func TestStopDeliversWhatWasRead(t *testing.T) {
	r := start(t, nil, nil)
	client, server := net.Pipe()
	defer client.Close()
	r.src.handle(server)
	// net.Pipe hands the bytes over only when the source reads them.
	if _, err := client.Write([]byte("whole\nhalf a li")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.src.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if got := logs(waitRecords(t, r.sink, 2)); !reflect.DeepEqual(got, []string{"whole", "half a li"}) {
		t.Errorf("got %q", got)
	}
	if _, err := net.Dial("tcp", r.src.Addr()); err == nil {
		t.Error("still accepting after Stop")
	}
}

// TestStopDeadline: a batch the Sink never takes is given up at Stop's
// deadline, counted and logged.
func TestStopDeadline(t *testing.T) {
	sink := &sourcetest.Sink{Answer: func(string, []byte) source.Result { return source.Retry }}
	r := start(t, nil, sink)
	c := r.dial(t)
	defer c.Close()
	c.Write([]byte("never taken\n"))
	deadline := time.Now().Add(time.Minute)
	for len(sink.Batches()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no Deliver")
		}
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.src.Stop(ctx); err == nil {
		t.Error("Stop past its deadline returned nil")
	}
	if reasons, counts := r.stats.Rejects(); fmt.Sprint(reasons, counts) != "[shutdown] [1]" {
		t.Errorf("rejects %v %v", reasons, counts)
	}
	if !strings.Contains(r.log.String(), "lost") {
		t.Errorf("loss not logged:\n%s", r.log)
	}
}

func TestSettings(t *testing.T) {
	set := &source.Settings{Name: "lines.bad", Values: map[string]string{
		"type": "lines", "listen": "unix:///tmp/x.sock", "parse": "yaml", "max_line_size": "0",
		"batch_size": "2G", "log_key": "", "socket_mode": "999",
		"tls_cert_file": "/nonexistent/cert.pem", "tls_key_file": "/nonexistent/key.pem",
	}}
	Kind.Build(set)
	p := strings.Join(set.Problems(), "\n")
	for _, key := range []string{"parse", "max_line_size", "batch_size", "log_key", "socket_mode", "tls_cert_file"} {
		if !strings.Contains(p, key+":") {
			t.Errorf("no problem reported for %s in:\n%s", key, p)
		}
	}
}
