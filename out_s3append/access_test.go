package out_s3append

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
)

// attrStore records the attributes every object was created with.
type attrStore struct {
	s3api.Store
	mu    sync.Mutex
	attrs map[string]s3api.PutOptions // by key
}

func (s *attrStore) record(key string, o s3api.PutOptions) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attrs[key] = o
}

func (s *attrStore) PutObject(ctx context.Context, key string, body []byte, o s3api.PutOptions) error {
	s.record(key, o)
	return s.Store.PutObject(ctx, key, body, o)
}

func (s *attrStore) CreateMultipartUpload(ctx context.Context, key string, o s3api.PutOptions) (string, error) {
	s.record(key, o)
	return s.Store.CreateMultipartUpload(ctx, key, o)
}

// Encryption, ACL, tags and storage class go on every object the output
// writes, its dead letters included.
func TestAccessAttributesOnEveryObject(t *testing.T) {
	s3 := &attrStore{Store: s3api.NewMemory(), attrs: map[string]s3api.PutOptions{}}
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{
		"sse": "aws:kms", "sse_kms_key_id": "alias/logs", "canned_acl": "bucket-owner-full-control",
		"tags": "team=sre, env=prod eu", "storage_class": "standard_ia",
	}), s3)
	c := chunk(0, 10, t0, time.Millisecond, 5)
	c = append(c, notMapEvent()...)
	if r := in.Flush("app", c); r != OK {
		t.Fatal(r)
	}
	in.Close()
	want := s3api.PutOptions{StorageClass: "STANDARD_IA", ACL: "bucket-owner-full-control",
		ServerSideEncryption: "aws:kms", SSEKMSKeyID: "alias/logs", Tagging: "team=sre&env=prod%20eu"}
	var dead, own int
	for key, got := range s3.attrs {
		if strings.HasPrefix(key, "s3append-dead-letter/") {
			dead++
		} else {
			own++
		}
		got.ContentType, got.ContentEncoding = "", ""
		if got != want {
			t.Errorf("object %s created with %+v, want %+v", key, got, want)
		}
	}
	if dead != 1 || own != 1 {
		t.Fatalf("%d dead-letter and %d other objects, want one of each: %v", dead, own, s3.attrs)
	}
}

// Credentials never reach the log, not even when the server echoes them in
// its error message and debug lines are on.
func TestCredentialsNeverLogged(t *testing.T) {
	const (
		keyID  = "AKIAEXAMPLEKEYID0001"
		secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
		token  = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789"
	)
	for name, value := range map[string]string{
		"AWS_ACCESS_KEY_ID": keyID, "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": token,
		"AWS_PROFILE": "", "AWS_REGION": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "",
		"AWS_CONFIG_FILE": t.TempDir() + "/none", "AWS_SHARED_CREDENTIALS_FILE": t.TempDir() + "/none",
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(name, value)
	}
	// A broken gateway that quotes what it was sent, and the secret too.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg strings.Builder
		xml.EscapeText(&msg, []byte("you sent "+r.Header.Get("Authorization")+" token "+
			r.Header.Get("X-Amz-Security-Token")+" and we know "+secret))
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidAccessKeyId</Code><Message>` +
			msg.String() + `</Message></Error>`))
	}))
	defer srv.Close()

	cfg := testConfig(t, t.TempDir(), map[string]string{
		"endpoint": srv.URL, "use_path_style": "on", "upload_timeout": "1s", "shutdown_timeout": "0s",
	})
	logs := &syncBuffer{}
	log := NewLogger(logs, "s3append.0")
	log.SetLevel(LevelDebug) // debug lines must not leak a secret either
	in, err := Start("s3append.0", cfg, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := in.Flush("app", chunk(0, 10, t0, time.Millisecond, 5)); r != OK {
		t.Fatal(r)
	}
	waitFor(t, "a logged upload failure", func() bool { return strings.Contains(logs.String(), "you sent") })
	in.Close()
	out := logs.String()
	for what, s := range map[string]string{"access key ID": keyID, "secret key": secret, "session token": token} {
		if strings.Contains(out, s) {
			t.Errorf("the %s appears in the log:\n%s", what, out)
		}
	}
	if !strings.Contains(out, "[redacted]") {
		t.Errorf("the echoed credentials were not replaced by [redacted]:\n%s", out)
	}
}

func TestLoggerRedact(t *testing.T) {
	var b syncBuffer
	l := NewLogger(&b, "x")
	l.Redact("short", "", "secret-value", "secret-value-longer")
	l.Infof("a secret-value-longer b secret-value c short")
	got := b.String()
	if !strings.Contains(got, "a [redacted] b [redacted] c short") {
		t.Errorf("line %q: want both secrets hidden whole and the short word kept", got)
	}
}

// Skipping certificate checks is said loudly at every start.
func TestInsecureTLSWarnsAtStart(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDWARNTEST0001")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "warn-test-secret")
	cfg := testConfig(t, t.TempDir(), map[string]string{
		"endpoint": "https://127.0.0.1:1", "tls_insecure_skip_verify": "on", "shutdown_timeout": "0s",
	})
	logs := &syncBuffer{}
	log := NewLogger(logs, "s3append.0")
	log.SetLevel(LevelDebug) // debug lines must not leak a secret either
	in, err := Start("s3append.0", cfg, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	in.Close()
	if out := logs.String(); !strings.Contains(out, "[ warn]") || !strings.Contains(out, "tls_insecure_skip_verify is on") ||
		!strings.Contains(out, "https://127.0.0.1:1") {
		t.Errorf("no warning naming the option and the endpoint:\n%s", out)
	}
}
