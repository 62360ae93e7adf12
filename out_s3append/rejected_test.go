package out_s3append

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/out_s3append/s3api"
)

// rejectedLine is the rejection of line n of an object, as a source
// sends it for a line that does not parse.
func rejectedLine(n int) *format.Rejection {
	return &format.Rejection{
		Reason: fmt.Sprintf("s3 access log line: field key at byte %d: a quote", n),
		Origin: "s3://access/logs/2026-11-22-09-59-00-ABC",
		Line:   n,
		Raw:    fmt.Appendf(nil, "79a59df9 bad line %d \"\xff", n),
	}
}

// checkRejectedLetters fails unless the dead letters are exactly those
// of lines, each once, with the tag, origin, line, reason and raw bytes.
func checkRejectedLetters(t *testing.T, s3 s3api.Store, tag string, lines ...int) {
	t.Helper()
	dl := deadLetters(t, s3)
	seen := map[int]int{}
	for _, d := range dl {
		want := rejectedLine(d.Line)
		if d.Tag != tag || d.Origin != want.Origin || d.Line == 0 || !bytes.Equal(d.Raw, want.Raw) ||
			!strings.Contains(d.Reason, want.Reason) || !strings.Contains(d.Reason, fmt.Sprintf("line %d of %s", d.Line, want.Origin)) {
			t.Errorf("dead letter %+v (raw %q); want tag %q, origin %s, the line number, its reason and raw bytes", d, d.Raw, tag, want.Origin)
		}
		seen[d.Line]++
	}
	for _, n := range lines {
		if seen[n] != 1 {
			t.Errorf("line %d is in %d dead letters, want 1", n, seen[n])
		}
	}
	if len(dl) != len(lines) {
		t.Errorf("%d dead letters, want %d", len(dl), len(lines))
	}
}

// A record its source could not read goes to the dead letters with its
// origin, line number, reason and original bytes, counted under
// "unparsed"; the records around it land as usual.
func TestRejectedRecordGoesToTheDeadLetters(t *testing.T) {
	s3 := s3api.NewMemory()
	cfg := testConfig(t, t.TempDir(), map[string]string{"compression": "none", "metrics_listen": "127.0.0.1:0"})
	in, logs := startInstance(t, cfg, s3)
	c := chunk(0, 3, t0, time.Second, 5)
	c = format.AppendRejectedEvent(c, t0, rejectedLine(4))
	c = append(c, chunk(3, 2, t0, time.Second, 5)...)
	c = format.AppendRejectedEvent(c, t0, rejectedLine(7))
	if r := in.Flush("s3access", c); r != OK {
		t.Fatal(r)
	}
	st := in.Stats()
	for _, x := range []struct {
		what      string
		got, want int64
	}{
		{"records acknowledged", st.RecordsAcknowledged.Load(), 5},
		{"rejected unparsed", st.RecordsRejected[RejectUnparsed].Load(), 2},
		{"rejected unreadable", st.RecordsRejected[RejectUnreadable].Load(), 0},
		{"dead letters", st.DeadLetterRecords.Load(), 2},
	} {
		if x.got != x.want {
			t.Errorf("%s = %d, want %d", x.what, x.got, x.want)
		}
	}
	if got := scrapeMetrics(t, metricsAddr(t, logs)).Value("s3append_records_rejected_total", "name", "s3append.0", "reason", "unparsed"); got != 2 {
		t.Errorf("s3append_records_rejected_total{reason=\"unparsed\"} = %v, want 2", got)
	}
	in.Close()
	exactlyOnce(t, landed(t, s3, ""), 5)
	checkRejectedLetters(t, s3, "s3access", 4, 7)
	if !strings.Contains(logs.String(), "its source could not read line 4 of "+rejectedLine(4).Origin) {
		t.Errorf("the log does not name the line:\n%s", logs.String())
	}
}

// With FlushOnce the dead letter of a rejected record commits with the
// batch's token. A crash before the commit leaves neither the records nor
// the dead letter, and the batch handed over again writes each once; a
// crash after it (before the sender heard OK) keeps both, and the batch
// handed over again under the same token writes nothing more.
func TestRejectedRecordCommitsWithTheBatch(t *testing.T) {
	for _, format := range []string{"json_lines", "parquet"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			s3 := s3api.NewMemory()
			opts := map[string]string{"s3_key_format": hourly["s3_key_format"], "format": format}
			in, _ := startInstance(t, testConfig(t, dir, opts), s3)
			batch1 := rejectedBatch(0, 2)
			beforeTokenCommit = func(string) error { panic("crash") }
			func() {
				defer func() { recover() }()
				in.FlushOnce("s3access", batch1, "gen1/batch-1")
				t.Fatal("FlushOnce returned past the crash")
			}()
			beforeTokenCommit = nil
			crash(in)

			in2, _ := startInstance(t, testConfig(t, dir, opts), s3)
			if in2.Committed("gen1/batch-1") {
				t.Fatal("Committed true for a batch whose commit never happened")
			}
			if r := in2.FlushOnce("s3access", batch1, "gen2/batch-1"); r != OK {
				t.Fatal(r)
			}
			// The next batch commits, and the process dies before the
			// sender records it.
			batch2 := rejectedBatch(100, 105)
			if r := in2.FlushOnce("s3access", batch2, "gen2/batch-2"); r != OK {
				t.Fatal(r)
			}
			crash(in2)

			in3, _ := startInstance(t, testConfig(t, dir, opts), s3)
			if !in3.Committed("gen2/batch-2") {
				t.Fatal("Committed false for a batch committed before the crash")
			}
			if r := in3.FlushOnce("s3access", batch2, "gen2/batch-2"); r != OK {
				t.Fatal(r)
			}
			in3.Close()
			var got map[string][]int64
			if format == "parquet" {
				got = idsOf(t, parquetRows(t, s3, ""))
			} else {
				got = landed(t, s3, "")
			}
			exactlyOnce(t, got, 200)
			checkRejectedLetters(t, s3, "s3access", 2, 105)
		})
	}
}

// rejectedBatch is 100 records with ids from first, 60 s apart (two
// hours, two objects), and the rejection of line rejected among them.
func rejectedBatch(first, rejected int) []byte {
	b := chunk(first, 50, t0, time.Minute, 10)
	b = format.AppendRejectedEvent(b, t0, rejectedLine(rejected))
	return append(b, chunk(first+50, 50, t0.Add(50*time.Minute), time.Minute, 10)...)
}

// FlushDeadLetters (records whose tag no output takes) keeps the origin,
// line and original bytes of a rejected record, and says both reasons.
func TestFlushDeadLettersKeepsTheRejection(t *testing.T) {
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), nil), s3)
	c := format.AppendRejectedEvent(chunk(0, 1, t0, time.Second, 0), t0, rejectedLine(9))
	if r := in.FlushDeadLetters("stray", c, RejectNoOutput); r != OK {
		t.Fatal(r)
	}
	in.Close()
	dl := deadLetters(t, s3)
	if len(dl) != 2 {
		t.Fatalf("%d dead letters, want 2", len(dl))
	}
	var rej *deadLetter
	for i := range dl {
		if dl[i].Line != 0 {
			rej = &dl[i]
		} else if dl[i].Reason != "no_output" || dl[i].Origin != "" {
			t.Errorf("the record's dead letter: %+v, want reason no_output and no origin", dl[i])
		}
	}
	want := rejectedLine(9)
	if rej == nil || rej.Line != 9 || rej.Origin != want.Origin || !bytes.Equal(rej.Raw, want.Raw) ||
		!strings.HasPrefix(rej.Reason, "no_output: line 9 of "+want.Origin) || !strings.Contains(rej.Reason, want.Reason) {
		t.Fatalf("the rejected record's dead letter: %+v, want line 9 of %s, reason no_output and its own", rej, want.Origin)
	}
	if n := in.Stats().RecordsRejected[RejectNoOutput].Load(); n != 2 {
		t.Errorf("rejected no_output = %d, want 2", n)
	}
}
