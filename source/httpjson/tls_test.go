package httpjson

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"

	"github.com/s3append/s3append/source/sourcetest"
)

func TestTLS(t *testing.T) {
	certFile, keyFile, pool := sourcetest.SelfSigned(t, t.TempDir())
	r := start(t, map[string]string{"tls_cert_file": certFile, "tls_key_file": keyFile}, nil)
	r.url = strings.Replace(r.url, "http://", "https://", 1)
	r.client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	if resp, b := r.post(t, "/secure", []byte(ndjson)); resp.StatusCode != 200 {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
	if n := len(r.sink.Events()); n != 3 {
		t.Errorf("%d events", n)
	}
	r.client.Transport = &http.Transport{}
	plain := strings.Replace(r.url, "https://", "http://", 1)
	if resp, err := r.client.Post(plain+"/x", "application/json", strings.NewReader(ndjson)); err == nil && resp.StatusCode == 200 {
		t.Error("plain HTTP accepted on a TLS listener")
	}
}
