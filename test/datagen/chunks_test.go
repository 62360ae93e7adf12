package datagen

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/s3append/s3append/format"
)

// readAll decodes every event of chunks, failing on any decode error.
func readAll(t *testing.T, chunks [][]byte) []format.Event {
	t.Helper()
	var events []format.Event
	for i, c := range chunks {
		r := format.NewReader(c)
		for {
			var ev format.Event
			err := r.Next(&ev)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("chunk %d: %v", i, err)
			}
			events = append(events, ev)
		}
	}
	return events
}

func TestChunksSameSeedSameBytes(t *testing.T) {
	for _, set := range []Set{Kubernetes, S3Access} {
		a, rawA := Chunks(set, 42, 5000, 64<<10)
		b, rawB := Chunks(set, 42, 5000, 64<<10)
		if rawA != rawB {
			t.Errorf("%s: raw text bytes %d then %d", set, rawA, rawB)
		}
		if !bytes.Equal(bytes.Join(a, nil), bytes.Join(b, nil)) || len(a) != len(b) {
			t.Errorf("%s: two runs with seed 42 gave different chunks", set)
		}
		c, rawC := Chunks(set, 43, 5000, 64<<10)
		if rawA == rawC || bytes.Equal(bytes.Join(a, nil), bytes.Join(c, nil)) {
			t.Errorf("%s: seeds 42 and 43 gave the same data", set)
		}
	}
}

// TestChunksPinned guards against output changing across Go versions or
// machines: the digest of a small run is fixed.
func TestChunksPinned(t *testing.T) {
	for set, want := range map[Set]uint32{Kubernetes: 0x389139f7, S3Access: 0xb7b36d29} {
		chunks, _ := Chunks(set, 7, 300, 1<<20)
		if got := fnv32(bytes.Join(chunks, nil)); got != want {
			t.Errorf("%s: digest of seed 7 is %#x, want %#x; the generated data changed", set, got, want)
		}
	}
}

func fnv32(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	return h
}

func TestChunksReadBack(t *testing.T) {
	const n, size = 20000, 256 << 10
	for _, set := range []Set{Kubernetes, S3Access} {
		chunks, raw := Chunks(set, 1, n, size)
		events := readAll(t, chunks)
		if len(events) != n {
			t.Fatalf("%s: read %d events, want %d", set, len(events), n)
		}
		for i, ev := range events {
			if !bytes.Equal(ev.Meta, []byte{0x80}) {
				t.Fatalf("%s: event %d metadata % x, want an empty map", set, i, ev.Meta)
			}
			if i == 0 && !ev.Time().Equal(startTime) {
				t.Fatalf("%s: first event at %s, want %s", set, ev.Time(), startTime)
			}
			if i > 0 && ev.Time().Before(events[i-1].Time()) {
				t.Fatalf("%s: event %d at %s goes back in time", set, i, ev.Time())
			}
		}
		for i, c := range chunks {
			if len(c) > size {
				t.Errorf("%s: chunk %d is %d bytes, over %d", set, i, len(c), size)
			}
			if i < len(chunks)-1 && len(c) < size-8<<10 {
				t.Errorf("%s: chunk %d is %d bytes, far under %d", set, i, len(c), size)
			}
		}
		var want int64
		g := New(set, 1)
		for range n {
			g.Next()
			want += int64(len(g.Text()) + 1)
		}
		if raw != want {
			t.Errorf("%s: rawTextBytes %d, want %d", set, raw, want)
		}
	}
}

func TestChunksOversizedEvent(t *testing.T) {
	chunks, _ := Chunks(S3Access, 1, 10, 100) // every event is larger than 100 bytes
	if len(chunks) != 10 {
		t.Fatalf("got %d chunks, want one per event", len(chunks))
	}
	if len(readAll(t, chunks)) != 10 {
		t.Fatal("events lost")
	}
}
