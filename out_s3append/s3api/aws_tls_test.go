package s3api

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tlsEndpoint is an https S3 stand-in with a certificate of its own CA,
// and that certificate as a PEM file.
func tlsEndpoint(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"x"`)
	}))
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, path
}

func tlsStore(t *testing.T, endpoint string, adjust func(*AWSConfig)) (*AWSStore, error) {
	t.Helper()
	isolateAWSEnv(t)
	c := AWSConfig{Bucket: "bkt", Endpoint: endpoint, UsePathStyle: true, AccessKey: testAccessKey, SecretKey: testSecretKey}
	adjust(&c)
	return NewAWS(context.Background(), c)
}

func TestAWSTLS(t *testing.T) {
	srv, caFile := tlsEndpoint(t)
	put := func(adjust func(*AWSConfig)) error {
		s, err := tlsStore(t, srv.URL, adjust)
		if err != nil {
			t.Fatalf("NewAWS: %v", err)
		}
		return s.PutObject(context.Background(), "k", []byte("v"), PutOptions{})
	}

	err := put(func(*AWSConfig) {})
	var unknown x509.UnknownAuthorityError
	if err == nil || !errors.As(err, &unknown) {
		t.Fatalf("without the CA: %v, want an unknown-authority error", err)
	}
	if !strings.Contains(err.Error(), "set tls_ca_file") {
		t.Errorf("error %q does not say what to do", err)
	}
	if c := Classify(err); c == Throttled {
		t.Errorf("TLS failure classified %v", c)
	}

	if err := put(func(c *AWSConfig) { c.TLSCAFile = caFile }); err != nil {
		t.Errorf("with tls_ca_file: %v", err)
	}
	if err := put(func(c *AWSConfig) { c.TLSInsecureSkipVerify = true }); err != nil {
		t.Errorf("with tls_insecure_skip_verify: %v", err)
	}
}

func TestAWSTLSCAFileErrors(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{
		{filepath.Join(t.TempDir(), "absent.pem"), "no such file"},
		{notPEM, "holds no PEM certificate"},
	} {
		_, err := tlsStore(t, "https://127.0.0.1:1", func(a *AWSConfig) { a.TLSCAFile = c.path })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CA file %s: %v, want an error saying %q", c.path, err, c.want)
		}
	}
}
