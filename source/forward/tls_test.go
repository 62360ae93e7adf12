package forward

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"

	"github.com/s3append/s3append/source/sourcetest"
)

// TLS, with the shared-key handshake inside it.
func TestTLS(t *testing.T) {
	certFile, keyFile, pool := sourcetest.SelfSigned(t, t.TempDir())
	h := start(t, map[string]string{"tls_cert_file": certFile, "tls_key_file": keyFile,
		"shared_key": "k", "self_hostname": "server.example"}, nil)
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: bound}, "tcp", h.src.Addr(), &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(bound))
	r := msgp.NewReader(c)
	if ok, reason := clientHandshake(t, c, r, "k"); !ok {
		t.Fatalf("PONG false: %s", reason)
	}
	write(t, c, array(str("app.tls"), msgp.AppendBytes(nil, entries(0, 5)), options("chunk", "t1")))
	if ack := readAck(t, r); ack != "t1" {
		t.Fatalf("ack %q", ack)
	}
	checkSeqs(t, seqs(t, h.sink), 5)

	// A client without TLS gets nowhere, and the listener goes on.
	plain := h.dial(t)
	write(t, plain, array(str("app.tls"), intTime(1), record(99)))
	buf := make([]byte, 64)
	for {
		if _, err := plain.Read(buf); err != nil {
			break
		}
	}
	if len(h.sink.Batches()) != 1 {
		t.Errorf("%d batches", len(h.sink.Batches()))
	}
}
