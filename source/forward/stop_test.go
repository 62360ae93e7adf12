package forward

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tinylib/msgp/msgp"

	"github.com/s3append/s3append/source"
	"github.com/s3append/s3append/source/sourcetest"
)

// Stop while a Deliver is in flight: idle connections close at once, the
// busy one gets its ack once Deliver returns OK, then Stop returns and
// the unix socket file is gone.
func TestStopAnswersDeliverInFlight(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	sink := &sourcetest.Sink{Answer: func(string, []byte) source.Result {
		once.Do(func() { close(entered) })
		<-release
		return source.OK
	}}
	sock := filepath.Join(t.TempDir(), "fwd.sock")
	h := start(t, map[string]string{"listen": "unix://" + sock}, sink)
	busy, idle := h.dial(t), h.dial(t)
	waitFor(t, "both connections accepted", func() bool { return h.stats.ConnectionsOpen.Load() == 2 })
	write(t, busy, array(str("app.s"), msgp.AppendBytes(nil, entries(0, 4)), options("chunk", "in-flight")))
	<-entered

	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), bound)
		defer cancel()
		stopped <- h.src.Stop(ctx)
	}()
	if rest, err := io.ReadAll(idle); err != nil || len(rest) != 0 {
		t.Fatalf("idle connection: %x, %v; want it closed by Stop", rest, err)
	}
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a Deliver was in flight", err)
	default:
	}
	close(release)
	r := msgp.NewReader(busy)
	if ack := readAck(t, r); ack != "in-flight" {
		t.Fatalf("ack %q", ack)
	}
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Fatalf("after the ack: %x, %v; want the connection closed", rest, err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file after Stop: %v", err)
	}
	if _, err := net.Dial("unix", sock); err == nil {
		t.Error("still accepting after Stop")
	}
	if h.stats.ConnectionsOpen.Load() != 0 || h.stats.Records.Load() != 4 {
		t.Errorf("open %d, records %d", h.stats.ConnectionsOpen.Load(), h.stats.Records.Load())
	}
}

// When ctx ends first, Stop closes what is left and says so.
func TestStopDeadline(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	var once sync.Once
	sink := &sourcetest.Sink{Answer: func(string, []byte) source.Result {
		once.Do(func() { close(entered) })
		<-release
		return source.OK
	}}
	set := &source.Settings{Name: "forward.0", Values: map[string]string{"listen": "127.0.0.1:0"}}
	src := Kind.Build(set)
	if err := src.Start(source.Env{Sink: sink}); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", src.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	write(t, c, array(str("app.s"), intTime(1), record(1), options("chunk", "late")))
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := src.Stop(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stop: %v", err)
	}
	if rest, err := io.ReadAll(c); len(rest) != 0 {
		t.Fatalf("got %x, %v; want the connection closed without an ack", rest, err)
	}
}
