package forward

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// selfSigned writes a certificate for 127.0.0.1 and its key to dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "forward test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TLS, with the shared-key handshake inside it.
func TestTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
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
