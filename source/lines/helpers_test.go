package lines

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/source"
	"github.com/s3append/s3append/source/sourcetest"
	"github.com/tinylib/msgp/msgp"
)

type running struct {
	src   *Source
	sink  *sourcetest.Sink
	stats *source.Stats
	log   *sourcetest.Log
}

// start builds and starts a source on 127.0.0.1:0 (unless values say
// otherwise); it is stopped when the test ends.
func start(t *testing.T, values map[string]string, sink *sourcetest.Sink) *running {
	t.Helper()
	v := map[string]string{"type": "lines", "listen": "127.0.0.1:0"}
	for k, x := range values {
		v[k] = x
	}
	set := &source.Settings{Name: "lines.test", Values: v}
	src := Kind.Build(set).(*Source)
	if p := set.Problems(); len(p) != 0 {
		t.Fatalf("settings: %v", p)
	}
	if sink == nil {
		sink = &sourcetest.Sink{}
	}
	r := &running{src: src, sink: sink, stats: &source.Stats{}, log: &sourcetest.Log{}}
	logger := out_s3append.NewComponentLogger(r.log, "input:lines:test")
	if err := src.Start(source.Env{Sink: sink, Log: logger, Stats: r.stats}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := src.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
		if bad := sink.Bad(); len(bad) != 0 {
			t.Errorf("the engine's reader could not read delivered batches: %v", bad)
		}
	})
	return r
}

func (r *running) dial(t *testing.T) net.Conn {
	t.Helper()
	network, addr := "tcp", r.src.Addr()
	if strings.HasPrefix(addr, "unix://") {
		network, addr = "unix", strings.TrimPrefix(addr, "unix://")
	}
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rec is a record as the tests look at it.
type rec map[string]any

// waitRecords waits until the sink took n records (failing after a
// generous bound) and returns them.
func waitRecords(t *testing.T, sink *sourcetest.Sink, n int) []rec {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		evs := sink.Events()
		if len(evs) >= n {
			out := make([]rec, len(evs))
			for i, ev := range evs {
				out[i] = decodeRecord(t, ev)
			}
			if len(out) > n {
				t.Fatalf("%d records, want %d", len(out), n)
			}
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d records after a minute, want %d", len(evs), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func decodeRecord(t *testing.T, ev format.Event) rec {
	t.Helper()
	v, rest, err := msgp.ReadIntfBytes(ev.Record)
	if err != nil || len(rest) != 0 {
		t.Fatalf("record % x: %v", ev.Record, err)
	}
	return rec(v.(map[string]any))
}

// logs returns the log field of each record.
func logs(recs []rec) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i], _ = r["log"].(string)
	}
	return out
}
