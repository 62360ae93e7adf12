package feed

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestWriterBytes(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Write("ab", []byte{0x90, 0x91, 0x01}); err != nil {
		t.Fatal(err)
	}
	want := []byte{2, 0, 0, 0, 'a', 'b', 3, 0, 0, 0, 0x90, 0x91, 0x01}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("bytes = %x, want %x", buf.Bytes(), want)
	}
	if w.Next() != 1 {
		t.Fatalf("Next = %d, want 1", w.Next())
	}
}

func TestRoundTrip(t *testing.T) {
	in := []Entry{
		{Seq: 0, Tag: "app.a", Chunk: []byte("chunk-0")},
		{Seq: 1, Tag: "", Chunk: []byte{}},
		{Seq: 2, Tag: strings.Repeat("t", MaxTagLen), Chunk: bytes.Repeat([]byte{7}, 70000)},
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, e := range in {
		if err := w.Write(e.Tag, e.Chunk); err != nil {
			t.Fatal(err)
		}
	}
	out, err := ReadAll(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip changed the entries: got %d entries", len(out))
	}
}

func TestWriteRejects(t *testing.T) {
	w := NewWriter(&bytes.Buffer{})
	if err := w.Write("a\x00b", nil); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Errorf("NUL in tag: err = %v", err)
	}
	if err := w.Write(strings.Repeat("x", MaxTagLen+1), nil); err == nil || !strings.Contains(err.Error(), "tag is") {
		t.Errorf("long tag: err = %v", err)
	}
	if err := checkEntry(4, "t", MaxChunkLen+1); err == nil || !strings.Contains(err.Error(), "entry 4: chunk") {
		t.Errorf("big chunk: err = %v", err)
	}
	if w.Next() != 0 {
		t.Errorf("rejected writes advanced Next to %d", w.Next())
	}
}

func TestReadAllTruncated(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, tag := range []string{"one", "two"} {
		if err := w.Write(tag, []byte("payload")); err != nil {
			t.Fatal(err)
		}
	}
	full := buf.Bytes()
	entryLen := len(full) / 2
	for cut := 1; cut < len(full); cut++ {
		if cut == entryLen {
			got, err := ReadAll(bytes.NewReader(full[:cut]))
			if err != nil || len(got) != 1 {
				t.Fatalf("cut at entry boundary %d: %d entries, err %v", cut, len(got), err)
			}
			continue
		}
		_, err := ReadAll(bytes.NewReader(full[:cut]))
		if err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Fatalf("cut at %d: err = %v, want a truncation error", cut, err)
		}
		wantEntry := "entry 0"
		if cut > entryLen {
			wantEntry = "entry 1"
		}
		if !strings.Contains(err.Error(), wantEntry) {
			t.Fatalf("cut at %d: %v does not name %s", cut, err, wantEntry)
		}
	}
}

func TestReadAllOverLimit(t *testing.T) {
	bad := []byte{0xff, 0xff, 0xff, 0xff}
	if _, err := ReadAll(bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "tag length") {
		t.Errorf("huge tag length: err = %v", err)
	}
	bad = []byte{1, 0, 0, 0, 't', 0x01, 0x00, 0x00, 0x40}
	if _, err := ReadAll(bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "chunk length") {
		t.Errorf("chunk length 1 GiB + 1: err = %v", err)
	}
}

func TestParseAcks(t *testing.T) {
	acks, err := ParseAcks(strings.NewReader("RETRY 0 5\nOK 0 5\nERROR 1 6\nDROP 1 7\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Ack{
		{Retry, AckKey{0, 5}}, {OK, AckKey{0, 5}}, {Error, AckKey{1, 6}}, {Drop, AckKey{1, 7}},
	}
	if !reflect.DeepEqual(acks, want) {
		t.Fatalf("acks = %v, want %v", acks, want)
	}
	final, err := Final(acks)
	if err != nil {
		t.Fatal(err)
	}
	if len(final) != 3 || final[AckKey{0, 5}] != OK || final[AckKey{1, 7}] != Drop {
		t.Fatalf("final = %v", final)
	}
	if r := Retries(acks); r[AckKey{0, 5}] != 1 || len(r) != 1 {
		t.Fatalf("retries = %v", r)
	}
}

func TestParseAcksRejects(t *testing.T) {
	for _, in := range []string{
		"OK 0 5",         // no newline: torn
		"OK 0\n",         // missing field
		"DONE 0 1\n",     // unknown kind
		"OK -1 1\n",      // negative instance
		"OK 0 x\n",       // bad seq
		"OK 0 1 extra\n", // extra field
		"OK 0 1\nOK 0 2", // torn last line
	} {
		if _, err := ParseAcks(strings.NewReader(in)); err == nil {
			t.Errorf("ParseAcks(%q) accepted it", in)
		}
	}
}

func TestFinalDuplicate(t *testing.T) {
	_, err := Final([]Ack{{OK, AckKey{0, 1}}, {Drop, AckKey{0, 1}}})
	if err == nil || !strings.Contains(err.Error(), "two final outcomes") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadAcksMissing(t *testing.T) {
	_, err := ReadAcks(filepath.Join(t.TempDir(), "none.log"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want not-exist", err)
	}
	path := filepath.Join(t.TempDir(), "acks.log")
	if err := os.WriteFile(path, []byte("OK 2 9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	acks, err := ReadAcks(path)
	if err != nil || len(acks) != 1 || acks[0] != (Ack{OK, AckKey{2, 9}}) {
		t.Fatalf("acks = %v, err = %v", acks, err)
	}
}
