package forward

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/tinylib/msgp/msgp"

	"github.com/s3append/s3append/format"
)

func gz(t testing.TB, b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

type modeCase struct {
	name    string
	msg     []byte // the message, with {"chunk": name} as its option
	events  []byte // what the Sink must get
	records int
}

func modeCases(t testing.TB) []modeCase {
	rec := record(7)
	et := eventTime(1_700_000_000, 42)
	three := entries(0, 3)
	withChunk := func(name string) []byte { return options("chunk", name, "size", 3) }
	packedGz := append(gz(t, entries(0, 2)), gz(t, entries(2, 1))...) // two gzip members
	fbit := entry(array(et, msgp.AppendMapHeader(nil, 0)), rec)       // Fluent Bit's [[time, metadata], record]
	return []modeCase{
		{"message-eventtime", array(str("app.a"), et, rec, withChunk("message-eventtime")), entry(et, rec), 1},
		{"message-int", array(str("app.a"), intTime(1_700_000_000), rec, withChunk("message-int")), entry(intTime(1_700_000_000), rec), 1},
		{"message-float", array(str("app.a"), msgp.AppendFloat64(nil, 1.7e9+0.25), rec, withChunk("message-float")), entry(msgp.AppendFloat64(nil, 1.7e9+0.25), rec), 1},
		{"forward", array(str("app.a"), array(entry(et, rec), entry(intTime(5), rec), fbit), withChunk("forward")),
			append(append(entry(et, rec), entry(intTime(5), rec)...), fbit...), 3},
		{"packed-bin", array(str("app.a"), msgp.AppendBytes(nil, three), withChunk("packed-bin")), three, 3},
		{"packed-str", array(str("app.a"), msgp.AppendStringFromBytes(nil, three), withChunk("packed-str")), three, 3},
		{"compressed", array(str("app.a"), msgp.AppendBytes(nil, packedGz), options("chunk", "compressed", "size", 3, "compressed", "gzip")),
			append(entries(0, 2), entries(2, 1)...), 3},
	}
}

// Every mode of the protocol, with an ack for each chunk, over TCP and a
// unix socket.
func TestModes(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			values := map[string]string{}
			sock := filepath.Join(t.TempDir(), "fwd.sock")
			if network == "unix" {
				values["listen"] = "unix://" + sock
			}
			h := start(t, values, nil)
			c := h.dial(t)
			r := msgp.NewReader(c)
			cases := modeCases(t)
			var records int64
			for i, tc := range cases {
				write(t, c, tc.msg)
				if got := readAck(t, r); got != tc.name {
					t.Fatalf("%s: ack %q", tc.name, got)
				}
				b := h.sink.Batches()
				if len(b) != i+1 {
					t.Fatalf("%s: %d batches after ack", tc.name, len(b))
				}
				if b[i].Tag != "app.a" || !bytes.Equal(b[i].Events, tc.events) {
					t.Errorf("%s: delivered tag %q events %x\nwant %x", tc.name, b[i].Tag, b[i].Events, tc.events)
				}
				records += int64(tc.records)
			}
			if bad := h.sink.Bad(); len(bad) > 0 {
				t.Errorf("the engine's reader failed on delivered events: %v", bad)
			}
			if h.stats.Records.Load() != records || h.stats.Batches.Load() != int64(len(cases)) {
				t.Errorf("stats: %d records in %d batches, want %d in %d", h.stats.Records.Load(), h.stats.Batches.Load(), records, len(cases))
			}
			if h.stats.ConnectionsOpen.Load() != 1 || h.stats.ConnectionsTotal.Load() != 1 {
				t.Errorf("connections open %d total %d", h.stats.ConnectionsOpen.Load(), h.stats.ConnectionsTotal.Load())
			}
			if network == "unix" {
				if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o660 {
					t.Errorf("socket file: %v %v", fi, err)
				}
			}
		})
	}
}

// Without a chunk option nothing is answered, and a nil time in Message
// mode is the time of arrival.
func TestNoChunkAndNilTime(t *testing.T) {
	h := start(t, nil, nil)
	c := h.dial(t)
	write(t, c, array(str("app.nil"), msgp.AppendNil(nil), record(1)))
	write(t, c, array(str("app.fwd"), array(entry(intTime(9), record(2))), msgp.AppendNil(nil)))
	waitFor(t, "two batches", func() bool { return len(h.sink.Batches()) == 2 })
	evs := h.sink.Events()
	if len(evs) != 2 || evs[0].Sec < 1_600_000_000 || evs[1].Sec != 9 {
		t.Fatalf("events %+v", evs)
	}
	// The next message still gets its ack: nothing was written before.
	write(t, c, array(str("app.a"), intTime(1), record(3), options("chunk", "x")))
	if got := readAck(t, msgp.NewReader(c)); got != "x" {
		t.Fatalf("ack %q", got)
	}
}

// A message split into many small writes is framed whole, and a large
// PackedForward message grows the buffer, which shrinks back after.
func TestSplitAndLarge(t *testing.T) {
	h := start(t, nil, nil)
	c := h.dial(t)
	r := msgp.NewReader(c)
	msg := array(str("app.split"), array(entry(intTime(1), record(1)), entry(intTime(2), record(2))), options("chunk", "s"))
	for i := range msg {
		write(t, c, msg[i:i+1])
	}
	if got := readAck(t, r); got != "s" {
		t.Fatalf("ack %q", got)
	}
	big := entries(0, 20_000) // about 1.3 MB
	write(t, c, array(str("app.big"), msgp.AppendBytes(nil, big), options("chunk", "big")))
	if got := readAck(t, r); got != "big" {
		t.Fatalf("ack %q", got)
	}
	if n, err := format.CountEvents(h.sink.Batches()[1].Events); n != 20_000 || err != nil {
		t.Fatalf("big batch: %d events, %v", n, err)
	}
	if got := seqs(t, h.sink); len(got) != 20_002 || got[20_001] != 19_999 {
		t.Fatalf("%d events", len(got))
	}
}
