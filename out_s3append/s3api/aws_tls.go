package s3api

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// httpClient builds the client every request of the store goes through,
// STS calls for role_arn included, so a private CA or a skipped
// verification applies to them too. It stays a BuildableClient so that
// the SDK can still add AWS_CA_BUNDLE or a profile's ca_bundle to it.
func httpClient(c AWSConfig) (*awshttp.BuildableClient, error) {
	b := awshttp.NewBuildableClient()
	if c.HTTPTimeout > 0 {
		b = b.WithTimeout(c.HTTPTimeout)
	}
	var roots *x509.CertPool
	if c.TLSCAFile != "" {
		var err error
		if roots, err = trustRoots(c.TLSCAFile); err != nil {
			return nil, err
		}
	}
	if roots != nil || c.TLSInsecureSkipVerify {
		b = b.WithTransportOptions(func(tr *http.Transport) {
			if tr.TLSClientConfig == nil {
				tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			}
			if roots != nil {
				tr.TLSClientConfig.RootCAs = roots
			}
			tr.TLSClientConfig.InsecureSkipVerify = c.TLSInsecureSkipVerify
		})
	}
	return b, nil
}

// trustRoots is the system's trust store plus every certificate of the PEM
// file at path: a private CA is added to the public ones, not put in their
// place, so one config serves an endpoint behind either.
func trustRoots(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("s3api: TLS CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("s3api: TLS CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// tlsHinting adds what to do to the SDK's bare x509 errors, which reach the
// log as a retry reason and would otherwise repeat for ever unexplained.
type tlsHinting struct{ aws.HTTPClient }

func (h tlsHinting) Do(r *http.Request) (*http.Response, error) {
	resp, err := h.HTTPClient.Do(r)
	if err != nil {
		if hint := tlsHint(err); hint != "" {
			err = &hintedError{err: err, hint: hint}
		}
	}
	return resp, err
}

func tlsHint(err error) string {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		return "the endpoint's TLS certificate is signed by a CA this host does not trust: set tls_ca_file to that CA's PEM file"
	case errors.As(err, &host):
		return "the endpoint's TLS certificate is not valid for the endpoint's host name: fix endpoint or the certificate"
	case errors.As(err, &invalid):
		return "the endpoint's TLS certificate is not valid (expired, or not for server use)"
	}
	return ""
}

type hintedError struct {
	err  error
	hint string
}

func (e *hintedError) Error() string { return e.err.Error() + " (" + e.hint + ")" }
func (e *hintedError) Unwrap() error { return e.err }
