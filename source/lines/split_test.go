package lines

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// splitAll feeds data to a splitter in reads of the sizes given (cycling;
// the rest in one read when none are given) as a connection would, and
// returns the pieces. It fails when the splitter asks for more than
// max+2 bytes to decide.
func splitAll(t testing.TB, data []byte, limit int, reads []int) []piece {
	s := splitter{max: limit}
	var buf []byte
	var out []piece
	take := func(eof bool) {
		for {
			p, used, ok := s.next(buf, eof)
			if used > len(buf) {
				t.Fatalf("used %d of %d bytes", used, len(buf))
			}
			if ok {
				p.text = append([]byte(nil), p.text...) // buf is reused
				out = append(out, p)
			}
			buf = buf[used:]
			if !ok {
				break
			}
		}
		if !eof && len(buf) >= limit+2 {
			t.Fatalf("splitter holds %d bytes undecided with max %d", len(buf), limit)
		}
	}
	for k := 0; len(data) > 0; k++ {
		n := len(data)
		if len(reads) > 0 {
			n = min(max(reads[k%len(reads)], 1), len(data))
		}
		buf = append(buf, data[:n]...)
		data = data[n:]
		take(false)
	}
	take(true)
	if len(buf) != 0 {
		t.Fatalf("%d bytes left at EOF", len(buf))
	}
	return out
}

// wantLines are the records data makes: its lines, "\r" and empty ones
// aside.
func wantLines(data []byte) [][]byte {
	var out [][]byte
	for _, l := range bytes.Split(data, []byte{'\n'}) {
		if l = bytes.TrimSuffix(l, []byte{'\r'}); len(l) > 0 {
			out = append(out, l)
		}
	}
	return out
}

// checkPieces puts the pieces back into lines, checking the partial
// fields on the way, and compares them with data's lines.
func checkPieces(t testing.TB, data []byte, max int, pieces []piece) {
	want := wantLines(data)
	var got [][]byte
	ids := map[string]bool{}
	for i := 0; i < len(pieces); {
		p := pieces[i]
		if len(p.text) == 0 || len(p.text) > max {
			t.Fatalf("piece %d has %d bytes (max %d)", i, len(p.text), max)
		}
		if p.ordinal == 0 {
			if p.last || p.id != "" {
				t.Fatalf("whole line %d marked partial: %+v", i, p)
			}
			got = append(got, p.text)
			i++
			continue
		}
		if p.id == "" || ids[p.id] {
			t.Fatalf("piece %d: partial id %q missing or reused", i, p.id)
		}
		ids[p.id] = true
		var line []byte
		for n := 1; ; n++ {
			if i >= len(pieces) || pieces[i].ordinal != n || pieces[i].id != p.id {
				t.Fatalf("piece %d of the line with id %s missing", n, p.id)
			}
			line = append(line, pieces[i].text...)
			if pieces[i].last {
				i++
				break
			}
			if len(pieces[i].text) != max {
				t.Fatalf("piece %d, not the last, has %d bytes, want %d", n, len(pieces[i].text), max)
			}
			i++
		}
		if n := len(line); n <= max {
			t.Fatalf("a line of %d bytes was cut (max %d)", n, max)
		}
		got = append(got, line)
	}
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d:\n got %q\nwant %q", len(got), len(want), got, want)
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("line %d: got %q, want %q", i, got[i], want[i])
		}
	}
}

func TestSplitEdges(t *testing.T) {
	const max = 4
	for _, c := range []struct {
		data string
		want string // pieces, each text/ordinal/last
	}{
		{"abcd\n", "abcd/0/false"},
		{"abcd\r\n", "abcd/0/false"},
		{"abcd", "abcd/0/false"},
		{"abcd\r", "abcd/0/false"},
		{"abcde\n", "abcd/1/false e/2/true"},
		{"abcde", "abcd/1/false e/2/true"},
		{"abcd\r\r\n", "abcd/1/false \r/2/true"},
		{"abcdefgh\r\nx", "abcd/1/false efgh/2/true x/0/false"},
		{"abcdefghi", "abcd/1/false efgh/2/false i/3/true"},
		{"\n\r\n\n", ""},
		{"a\n\nb", "a/0/false b/0/false"},
	} {
		for _, reads := range [][]int{nil, {1}, {2, 3}} {
			var got []string
			for _, p := range splitAll(t, []byte(c.data), max, reads) {
				got = append(got, fmt.Sprintf("%s/%d/%v", p.text, p.ordinal, p.last))
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("%q in reads of %v: got %q, want %q", c.data, reads, g, c.want)
			}
		}
	}
}

// FuzzLines: whatever the bytes, the limit and how reads cut them, the
// records put back together are the lines, no piece passes the limit, no
// line is cut that fits, and the splitter never holds more than max+2
// bytes undecided.
func FuzzLines(f *testing.F) {
	f.Add([]byte("one\ntwo\r\nthree"), uint8(4), []byte{1, 2, 3})
	f.Add([]byte("abcdefghijkl\r\n\r\nxy\r\r\n"), uint8(3), []byte{5})
	f.Add([]byte("\n\n\n"), uint8(1), []byte{})
	f.Add(bytes.Repeat([]byte("0123456789"), 30), uint8(16), []byte{7, 200})
	f.Fuzz(func(t *testing.T, data []byte, max uint8, reads []byte) {
		m := int(max%32) + 1
		sizes := make([]int, len(reads))
		for i, r := range reads {
			sizes[i] = int(r)
		}
		checkPieces(t, data, m, splitAll(t, data, m, sizes))
	})
}
