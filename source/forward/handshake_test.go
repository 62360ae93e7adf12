package forward

import (
	"crypto/sha512"
	"encoding/hex"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/tinylib/msgp/msgp"
)

func digest(parts ...[]byte) string {
	h := sha512.New()
	for _, p := range parts {
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// clientHandshake plays the client's side: read HELO, send PING with key,
// and return PONG's fields, checking PONG's digest when it says ok.
func clientHandshake(t *testing.T, c net.Conn, r *msgp.Reader, key string) (ok bool, reason string) {
	t.Helper()
	if n, err := r.ReadArrayHeader(); err != nil || n != 2 {
		t.Fatalf("HELO: array of %d, %v", n, err)
	}
	if s, _ := r.ReadString(); s != "HELO" {
		t.Fatalf("HELO: got %q", s)
	}
	opts := map[string]any{}
	if err := r.ReadMapStrIntf(opts); err != nil {
		t.Fatal(err)
	}
	nonce, _ := opts["nonce"].([]byte)
	auth, _ := opts["auth"].([]byte)
	if len(nonce) != 16 || len(auth) != 0 || opts["keepalive"] != true {
		t.Fatalf("HELO options %v", opts)
	}
	salt := []byte("0123456789abcdef")
	ping := array(str("PING"), str("client.example"), msgp.AppendBytes(nil, salt),
		str(digest(salt, []byte("client.example"), nonce, []byte(key))), str(""), str(""))
	write(t, c, ping)

	if n, err := r.ReadArrayHeader(); err != nil || n != 5 {
		t.Fatalf("PONG: array of %d, %v", n, err)
	}
	var f [5]any
	var err error
	for i := range f {
		if f[i], err = r.ReadIntf(); err != nil {
			t.Fatal(err)
		}
	}
	if f[0] != "PONG" {
		t.Fatalf("PONG: got %v", f[0])
	}
	ok, reason = f[1].(bool), f[2].(string)
	if ok && (f[3] != "server.example" || f[4] != digest(salt, []byte("server.example"), nonce, []byte(key))) {
		t.Fatalf("PONG hostname %v digest %v: not the server's proof of the key", f[3], f[4])
	}
	return ok, reason
}

func TestSharedKey(t *testing.T) {
	h := start(t, map[string]string{"shared_key": "correct horse battery", "self_hostname": "server.example"}, nil)

	c := h.dial(t)
	r := msgp.NewReader(c)
	if ok, reason := clientHandshake(t, c, r, "correct horse battery"); !ok {
		t.Fatalf("PONG false: %s", reason)
	}
	write(t, c, array(str("app.k"), intTime(1), record(1), options("chunk", "k1")))
	if ack := readAck(t, r); ack != "k1" {
		t.Fatalf("ack %q", ack)
	}

	bad := h.dial(t)
	r = msgp.NewReader(bad)
	ok, reason := clientHandshake(t, bad, r, "wrong key")
	if ok || reason == "" {
		t.Fatalf("wrong key: PONG %v %q", ok, reason)
	}
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Fatalf("after PONG false: %x, %v; want the connection closed", rest, err)
	}
	if h.rejects("unauthorized") != 1 {
		t.Errorf("unauthorized rejects %d", h.rejects("unauthorized"))
	}
	if strings.Contains(h.log.String(), "correct horse battery") {
		t.Error("the shared key is in the log")
	}
	if len(h.sink.Batches()) != 1 {
		t.Errorf("%d batches", len(h.sink.Batches()))
	}
}

// A client that skips the handshake and sends a message is closed: a
// message is not a PING.
func TestSharedKeyRequired(t *testing.T) {
	h := start(t, map[string]string{"shared_key": "k"}, nil)
	c := h.dial(t)
	write(t, c, array(str("app.k"), intTime(1), record(1), options("chunk", "k1")))
	r := msgp.NewReader(c)
	if n, err := r.ReadArrayHeader(); err != nil || n != 2 {
		t.Fatalf("HELO: %d, %v", n, err)
	}
	r.Skip()
	r.Skip()
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Fatalf("got %x, %v; want the connection closed", rest, err)
	}
	if len(h.sink.Batches()) != 0 || h.rejects("malformed") != 1 {
		t.Fatalf("batches %d, malformed %d", len(h.sink.Batches()), h.rejects("malformed"))
	}
}
