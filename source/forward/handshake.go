package forward

import (
	"crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"time"

	"github.com/tinylib/msgp/msgp"

	"github.com/s3append/s3append/out_s3append"
)

// handshakeTimeout bounds the wait for a client's PING, and maxPing its
// size: a client not yet authenticated gets no large buffer.
const (
	handshakeTimeout = 30 * time.Second
	maxPing          = 16 << 10
)

// handshake runs the shared-key handshake of protocol v1: HELO from us,
// PING from the client, PONG from us. Only the shared key is checked:
// there are no users, so HELO's auth salt is empty and PING's username
// and password are ignored. It reports whether the client may send.
func (c *conn) handshake() bool {
	s := c.s
	nonce := make([]byte, 16)
	rand.Read(nonce)
	helo := msgp.AppendArrayHeader(nil, 2)
	helo = msgp.AppendString(helo, "HELO")
	helo = msgp.AppendMapHeader(helo, 3)
	helo = msgp.AppendString(helo, "nonce")
	helo = msgp.AppendBytes(helo, nonce)
	helo = msgp.AppendString(helo, "auth")
	helo = msgp.AppendBytes(helo, nil)
	helo = msgp.AppendString(helo, "keepalive")
	helo = msgp.AppendBool(helo, true)
	if !c.write(helo) {
		return false
	}
	if !s.setDeadline(c.nc, time.Now().Add(handshakeTimeout)) {
		return false
	}
	c.limit = maxPing
	msg, err := c.next()
	c.limit = s.max
	if err != nil {
		c.readFailed(0, err)
		return false
	}
	host, salt, digest, err := readPing(msg)
	if err != nil {
		c.malformed(0, err)
		return false
	}
	if subtle.ConstantTimeCompare(digest, []byte(sharedDigest(salt, host, nonce, s.sharedKey))) != 1 {
		s.env.Stats.Reject("unauthorized", 1)
		s.env.Log.Limitedf(out_s3append.LevelWarn, "forward-auth:"+s.name,
			"forward source %s: %s (hostname %q) failed the handshake: shared_key mismatch", s.name, c.peer, host)
		c.write(pong(false, "shared_key mismatch", s.self, ""))
		return false
	}
	if !c.write(pong(true, "", s.self, sharedDigest(salt, []byte(s.self), nonce, s.sharedKey))) {
		return false
	}
	return s.setDeadline(c.nc, time.Time{})
}

// readPing reads ["PING", client_hostname, shared_key_salt,
// hex(sha512(salt+client_hostname+nonce+shared_key)), username, password].
func readPing(msg []byte) (host, salt, digest []byte, err error) {
	n, b, err := msgp.ReadArrayHeaderBytes(msg)
	if err != nil || n != 6 {
		return nil, nil, nil, malformed("the handshake wants PING, an array of 6, not %s", describe(msg))
	}
	fields := make([][]byte, 4)
	for i := range fields {
		var rest []byte
		if fields[i], rest, err = readText(b); err != nil {
			return nil, nil, nil, malformed("PING element %d is a msgpack %s, not a string", i, msgp.NextType(b))
		}
		b = rest
	}
	if string(fields[0]) != "PING" {
		return nil, nil, nil, malformed("the handshake wants PING, not %q", fields[0])
	}
	return fields[1], fields[2], fields[3], nil
}

// readText reads a str, or a bin (clients send the salt either way).
func readText(b []byte) (v, rest []byte, err error) {
	if msgp.NextType(b) == msgp.BinType {
		return msgp.ReadBytesZC(b)
	}
	return msgp.ReadStringZC(b)
}

// sharedDigest is the handshake's proof of the shared key.
func sharedDigest(salt, hostname, nonce []byte, key string) string {
	h := sha512.New()
	h.Write(salt)
	h.Write(hostname)
	h.Write(nonce)
	h.Write([]byte(key))
	return hex.EncodeToString(h.Sum(nil))
}

// pong is ["PONG", ok, reason, self_hostname, digest].
func pong(ok bool, reason, self, digest string) []byte {
	b := msgp.AppendArrayHeader(nil, 5)
	b = msgp.AppendString(b, "PONG")
	b = msgp.AppendBool(b, ok)
	b = msgp.AppendString(b, reason)
	b = msgp.AppendString(b, self)
	return msgp.AppendString(b, digest)
}
