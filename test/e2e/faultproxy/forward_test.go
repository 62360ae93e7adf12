package faultproxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// seen is what the upstream test server received.
type seen struct {
	method, requestURI, host string
	header                   http.Header
	body                     string
}

// recordingUpstream answers every request 200 "ok" and records it.
func recordingUpstream(t *testing.T) (*httptest.Server, func() []seen) {
	var mu sync.Mutex
	var got []seen
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.RequestURI, r.Host, r.Header.Clone(), string(body)})
		mu.Unlock()
		w.Header().Set("ETag", `"abc"`)
		w.Header().Set("X-Amz-Request-Id", "upstream-1")
		w.Header().Set("Connection", "X-Upstream-Hop")
		w.Header().Set("X-Upstream-Hop", "drop me")
		w.WriteHeader(http.StatusPartialContent)
		io.WriteString(w, "ok "+r.Method)
	}))
	t.Cleanup(s.Close)
	return s, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), got...)
	}
}

func startProxy(t *testing.T, target string, c Config) *Proxy {
	t.Helper()
	p, err := Start(target, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p
}

// A request written byte by byte reaches the server with the same request
// target, Host and signed headers, without hop-by-hop headers and without
// anything added; the response comes back likewise. The path mixes escapes
// (%2F, lower-case hex) with raw characters that Go's URL type would escape
// ({, |, ^), so re-encoding the parsed path would rewrite all of it.
func TestForwardKeepsRequestAsSent(t *testing.T) {
	upstream, received := recordingUpstream(t)
	p := startProxy(t, upstream.URL, Config{})
	target := "/bucket/dir//a%2Fb%20c!*'()~%e2%82%ac+x{y}|z^?partNumber=1&uploadId=x%2By%3D&x-id=UploadPart"
	raw := "PUT " + target + " HTTP/1.1\r\n" +
		"Host: s3.example.test:9000\r\n" +
		"X-Amz-Date: 20260101T000000Z\r\n" +
		"X-Amz-Content-Sha256: 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=00\r\n" +
		"x-amz-meta-Mixed:  spaced value \r\n" +
		"Connection: keep-alive, X-Client-Hop\r\n" +
		"X-Client-Hop: drop me\r\n" +
		"Content-Length: 5\r\n" +
		"\r\n" +
		"hello"
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusPartialContent || string(body) != "ok PUT" ||
		resp.Header.Get("ETag") != `"abc"` || resp.Header.Get("X-Amz-Request-Id") != "upstream-1" {
		t.Errorf("response = %d %q %v, want the upstream's 206 \"ok PUT\" with its ETag and request ID", resp.StatusCode, body, resp.Header)
	}
	if v := resp.Header.Get("X-Upstream-Hop"); v != "" {
		t.Errorf("response kept the hop-by-hop header X-Upstream-Hop: %q", v)
	}

	got := received()
	if len(got) != 1 {
		t.Fatalf("upstream received %d requests, want 1", len(got))
	}
	r := got[0]
	if r.method != "PUT" || r.requestURI != target || r.host != "s3.example.test:9000" || r.body != "hello" {
		t.Errorf("upstream got %s %s Host %s body %q, want PUT %s Host s3.example.test:9000 body \"hello\"",
			r.method, r.requestURI, r.host, r.body, target)
	}
	for name, want := range map[string]string{
		"X-Amz-Date":           "20260101T000000Z",
		"X-Amz-Content-Sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
		"Authorization":        "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=00",
		// HTTP parsing trims the value's outer spaces; SigV4 trims them too.
		"X-Amz-Meta-Mixed": "spaced value",
	} {
		if v := r.header.Values(name); len(v) != 1 || v[0] != want {
			t.Errorf("upstream header %s = %q, want [%q]", name, v, want)
		}
	}
	for _, name := range []string{"X-Client-Hop", "X-Forwarded-For", "X-Forwarded-Host", "Forwarded", "Accept-Encoding", "Via"} {
		if v := r.header.Values(name); len(v) != 0 {
			t.Errorf("upstream got header %s = %q, want none", name, v)
		}
	}
}

// An upstream that cannot be reached gives a retryable 502 with an S3
// error body, not a hang or a bare connection error.
func TestForwardUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	p := startProxy(t, "http://"+addr, Config{})
	resp, err := http.Get(p.URL + "/b/k")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "<Code>BadGateway</Code>") ||
		!strings.Contains(string(body), addr) {
		t.Errorf("response = %d %s, want 502 BadGateway naming %s", resp.StatusCode, body, addr)
	}
}

func TestCloseStopsServing(t *testing.T) {
	upstream, _ := recordingUpstream(t)
	p, err := Start(upstream.URL, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if resp, err := http.Get(p.URL + "/b/k"); err == nil {
		resp.Body.Close()
		t.Fatalf("GET after Close answered %d, want a connection error", resp.StatusCode)
	}
}
