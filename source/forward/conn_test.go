package forward

import (
	"bytes"
	"net"
	"testing"

	"github.com/tinylib/msgp/msgp"
)

// The read buffer starts at 4 KiB, grows in one step to a large message
// announced by its binary header, and shrinks back once that message is
// handled, so idle connections stay cheap.
func TestReadBuffer(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	c := newConn(&Source{max: 4 << 20}, server)
	small := array(str("a"), intTime(1), record(1))
	large := array(str("a"), msgp.AppendBytes(nil, entries(0, 10_000)))
	go func() {
		client.Write(small)
		for i := 0; i < len(large); i += 1000 { // arrives in many pieces
			client.Write(large[i:min(i+1000, len(large))])
		}
		client.Write(small)
	}()
	want := []struct {
		msg      []byte
		capAfter int
	}{{small, startBuffer}, {large, len(large) + startBuffer}, {small, startBuffer}}
	for i, w := range want {
		msg, err := c.next()
		if err != nil || !bytes.Equal(msg, w.msg) {
			t.Fatalf("message %d: %d bytes, %v", i, len(msg), err)
		}
		if cap(c.buf) != w.capAfter {
			t.Errorf("message %d: buffer of %d bytes, want %d", i, cap(c.buf), w.capAfter)
		}
	}
}
