package s3api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// recorded is one request as the fake S3 endpoint received it.
type recorded struct {
	method, path string
	query        map[string][]string
	header       http.Header
	body         []byte
}

// reply is what the fake S3 endpoint answers.
type reply struct {
	status int
	header map[string]string
	body   string
}

// fakeEndpoint is an HTTP server that records every request and answers
// with respond, to check what AWSStore puts on the wire.
type fakeEndpoint struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
}

func newFakeEndpoint(t *testing.T, respond func(r recorded) reply) *fakeEndpoint {
	f := &fakeEndpoint{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := recorded{method: r.Method, path: r.URL.Path, query: r.URL.Query(), header: r.Header.Clone(), body: body}
		f.mu.Lock()
		f.requests = append(f.requests, rec)
		f.mu.Unlock()
		rep := respond(rec)
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		if rep.status == 0 {
			rep.status = http.StatusOK
		}
		w.WriteHeader(rep.status)
		io.WriteString(w, rep.body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeEndpoint) recorded() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

// isolateAWSEnv keeps the developer's AWS settings out of a test.
func isolateAWSEnv(t *testing.T) {
	for _, name := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
		"AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION"} {
		t.Setenv(name, "")
	}
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

const (
	testAccessKey = "AKIDTESTKEY"
	testSecretKey = "test-secret-never-sent"
)

// storeFor builds an AWSStore aimed at f with static credentials; adjust
// changes the configuration before it is used.
func storeFor(t *testing.T, f *fakeEndpoint, adjust func(*AWSConfig)) *AWSStore {
	t.Helper()
	isolateAWSEnv(t)
	c := AWSConfig{Bucket: "bkt", Endpoint: f.URL, UsePathStyle: true, AccessKey: testAccessKey, SecretKey: testSecretKey}
	if adjust != nil {
		adjust(&c)
	}
	s, err := NewAWS(context.Background(), c)
	if err != nil {
		t.Fatalf("NewAWS: %v", err)
	}
	return s
}

func errorReply(status int, code string) reply {
	return reply{status: status, header: map[string]string{"Content-Type": "application/xml"},
		body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>test</Message></Error>`}
}

func xmlReply(body string) reply {
	return reply{header: map[string]string{"Content-Type": "application/xml"},
		body: `<?xml version="1.0" encoding="UTF-8"?>` + body}
}
