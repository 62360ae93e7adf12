package e2e

import (
	"encoding/base64"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3append/s3append/test/e2e/faultproxy"
)

// headerLog keeps the headers of every request, by S3 operation.
type headerLog struct {
	mu   sync.Mutex
	byOp map[string][]http.Header
}

func (l *headerLog) record(op string, h http.Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byOp[op] = append(l.byOp[op], h)
}

func (l *headerLog) get(op string) []http.Header {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.byOp[op]
}

// The real .so with encryption, ACL, tags, storage class and Content-MD5
// set: each request carries what S3 needs of it, seen on the wire by a
// proxy in front of versitygw (which itself ignores most of it), and every
// record still reads back.
func TestS3OptionsOnTheWire(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	proxy, err := faultproxy.Start(server.Endpoint, faultproxy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	seen := &headerLog{byOp: map[string][]http.Header{}}
	proxy.Observe(seen.record)

	cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket": bucket, "endpoint": proxy.URL, "compression": "none", "upload_chunk_size": "5M",
		"s3_key_format": "/opts/$TAG/%Y%m%d/$UUID.json",
		"sse":           "aws:kms", "sse_kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/e2e",
		"canned_acl": "bucket-owner-full-control", "tags": "team=sre,env=prod eu",
		"storage_class": "STANDARD_IA", "send_content_md5": "true",
	}})
	// "big" makes an object of several parts, "small" one PutObject.
	entries := makeEntries(40, 1000, 10*time.Millisecond, "big")
	entries = append(entries, entry{tag: "small", first: 40 * 1000, n: 50, step: time.Second})
	runOK(t, dir, cfg, entries, 1)

	want := map[string]string{
		"X-Amz-Server-Side-Encryption":                "aws:kms",
		"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": "arn:aws:kms:us-east-1:123456789012:key/e2e",
		"X-Amz-Acl":           "bucket-owner-full-control",
		"X-Amz-Tagging":       "team=sre&env=prod%20eu",
		"X-Amz-Storage-Class": "STANDARD_IA",
	}
	for _, op := range []string{"PutObject", "CreateMultipartUpload"} {
		reqs := seen.get(op)
		if len(reqs) == 0 {
			t.Fatalf("no %s request reached the server", op)
		}
		for i, h := range reqs {
			for name, v := range want {
				if got := h.Get(name); got != v {
					t.Errorf("%s #%d: %s = %q, want %q", op, i, name, got, v)
				}
			}
		}
	}
	checkMD5Header(t, "PutObject", seen.get("PutObject"))
	parts := seen.get("UploadPart")
	if len(parts) < 2 {
		t.Fatalf("%d UploadPart requests, want a multipart object", len(parts))
	}
	checkMD5Header(t, "UploadPart", parts)
	for i, h := range parts {
		// S3 takes these from CreateMultipartUpload and rejects them here.
		for name := range want {
			if v := h.Get(name); v != "" {
				t.Errorf("UploadPart #%d carries %s: %q", i, name, v)
			}
		}
	}

	down := filepath.Join(dir, "down")
	keys := download(t, store, down)
	if len(keys) != 2 {
		t.Fatalf("%d objects, want 2: %v", len(keys), keys)
	}
	checkRecords(t, readBack(t, down+"/**/*.json", "uncompressed"), wantIDs(entries), nil)
	noOpenUploads(t, store)
}

// checkMD5Header checks every request carries a Content-MD5: 16 bytes in
// base64.
func checkMD5Header(t *testing.T, op string, reqs []http.Header) {
	t.Helper()
	for i, h := range reqs {
		v := h.Get("Content-Md5")
		if sum, err := base64.StdEncoding.DecodeString(v); err != nil || len(sum) != 16 {
			t.Errorf("%s #%d: Content-MD5 %q is not an MD5 in base64", op, i, v)
		}
	}
}

// The credentials of the environment never show in the host's log, even
// with debug lines on and every request refused (versitygw refuses the
// session token it did not issue).
func TestS3OptionsSecretStaysOutOfLog(t *testing.T) {
	dir := t.TempDir()
	bucket, _ := newBucket(t)
	cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket": bucket, "shutdown_timeout": "1s", "upload_timeout": "1s",
	}})
	t.Setenv("S3APPEND_DEBUG", "1")
	t.Setenv("AWS_SESSION_TOKEN", "e2e-session-token-not-for-logs")
	code, log, _ := runHost(t, dir, cfg, makeEntries(2, 10, time.Second, "app"))
	if code != 0 {
		t.Fatalf("host exit %d\n%s", code, log)
	}
	if !strings.Contains(log, "InvalidToken") {
		t.Fatalf("no refused upload was logged; the test proves nothing:\n%s", log)
	}
	for _, s := range []string{server.AccessKey, server.SecretKey, "e2e-session-token-not-for-logs"} {
		if strings.Contains(log, s) {
			t.Errorf("log carries %q:\n%s", s, log)
		}
	}
}
