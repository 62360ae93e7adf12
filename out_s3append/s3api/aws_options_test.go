package s3api

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// accessOptions are the object attributes a serious deployment sets.
var accessOptions = PutOptions{
	ContentType: "application/x-ndjson", StorageClass: "STANDARD_IA",
	ACL: "bucket-owner-full-control", ServerSideEncryption: "aws:kms", SSEKMSKeyID: "arn:aws:kms:eu-west-1:1:key/k",
	Tagging: "team=sre&env=prod%20eu",
}

func checkAccessHeaders(t *testing.T, op string, h http.Header) {
	t.Helper()
	for name, want := range map[string]string{
		"X-Amz-Storage-Class":                         accessOptions.StorageClass,
		"X-Amz-Acl":                                   accessOptions.ACL,
		"X-Amz-Server-Side-Encryption":                accessOptions.ServerSideEncryption,
		"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": accessOptions.SSEKMSKeyID,
		"X-Amz-Tagging":                               accessOptions.Tagging,
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: header %s = %q, want %q", op, name, got, want)
		}
	}
}

// CreateMultipartUpload fixes the object's attributes: all of them travel
// with it, and UploadPart carries the MD5 of its own body.
func TestAWSMultipartSendsOptions(t *testing.T) {
	f := newFakeEndpoint(t, func(r recorded) reply {
		if r.method == http.MethodPost {
			return xmlReply(`<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key><UploadId>u-1</UploadId></InitiateMultipartUploadResult>`)
		}
		return reply{header: map[string]string{"ETag": `"p1"`}}
	})
	s := storeFor(t, f, func(c *AWSConfig) { c.ChecksumWhenRequired = true; c.SendContentMD5 = true })
	id, err := s.CreateMultipartUpload(context.Background(), "k", accessOptions)
	if err != nil || id != "u-1" {
		t.Fatalf("CreateMultipartUpload: %q, %v", id, err)
	}
	part := []byte("part body")
	if _, err := s.UploadPart(context.Background(), "k", id, 1, part); err != nil {
		t.Fatalf("UploadPart: %v", err)
	}
	reqs := f.recorded()
	if _, ok := reqs[0].query["uploads"]; !ok || reqs[0].method != http.MethodPost {
		t.Fatalf("first request %s %v is not CreateMultipartUpload", reqs[0].method, reqs[0].query)
	}
	checkAccessHeaders(t, "CreateMultipartUpload", reqs[0].header)
	if got := reqs[0].header.Get("Content-Type"); got != accessOptions.ContentType {
		t.Errorf("CreateMultipartUpload Content-Type = %q", got)
	}
	sum := md5.Sum(part)
	if got, want := reqs[1].header.Get("Content-Md5"), base64.StdEncoding.EncodeToString(sum[:]); got != want {
		t.Errorf("UploadPart Content-MD5 = %q, want %q", got, want)
	}
}

func TestAWSPutSendsAccessOptions(t *testing.T) {
	f := newFakeEndpoint(t, func(recorded) reply { return reply{header: map[string]string{"ETag": `"x"`}} })
	s := storeFor(t, f, func(c *AWSConfig) { c.SendContentMD5 = true })
	body := []byte("whole object")
	if err := s.PutObject(context.Background(), "k", body, accessOptions); err != nil {
		t.Fatal(err)
	}
	req := f.recorded()[0]
	checkAccessHeaders(t, "PutObject", req.header)
	sum := md5.Sum(body)
	if got, want := req.header.Get("Content-Md5"), base64.StdEncoding.EncodeToString(sum[:]); got != want {
		t.Errorf("PutObject Content-MD5 = %q, want %q (with flexible checksums on too)", got, want)
	}
	// Without the options nothing of them is sent: the bucket's defaults apply.
	if err := s.PutObject(context.Background(), "k", body, PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"X-Amz-Acl", "X-Amz-Server-Side-Encryption", "X-Amz-Tagging", "X-Amz-Storage-Class"} {
		if v := f.recorded()[1].header.Get(name); v != "" {
			t.Errorf("header %s = %q sent although unset", name, v)
		}
	}
}

// role_arn: the static credentials only sign the STS call; S3 requests are
// signed with the role's, and every credential is reported as a secret.
func TestAWSAssumesRole(t *testing.T) {
	var stsForm url.Values
	f := newFakeEndpoint(t, func(r recorded) reply {
		if r.method == http.MethodPost && r.path == "/sts/" {
			stsForm, _ = url.ParseQuery(string(r.body))
			return reply{header: map[string]string{"Content-Type": "text/xml"}, body: `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAROLEKEY0001</AccessKeyId><SecretAccessKey>role-secret-value</SecretAccessKey>
<SessionToken>role-session-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/writer/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`}
		}
		return reply{header: map[string]string{"ETag": `"x"`}}
	})
	var mu sync.Mutex
	var seen []string
	s := storeFor(t, f, func(c *AWSConfig) {
		c.RoleARN = "arn:aws:iam::123456789012:role/writer"
		c.ExternalID = "ext-42"
		c.STSEndpoint = f.URL + "/sts/"
		c.SecretSeen = func(secrets ...string) {
			mu.Lock()
			seen = append(seen, secrets...)
			mu.Unlock()
		}
	})
	if err := s.PutObject(context.Background(), "k", []byte("v"), PutOptions{}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if stsForm.Get("Action") != "AssumeRole" || stsForm.Get("RoleArn") != "arn:aws:iam::123456789012:role/writer" ||
		stsForm.Get("ExternalId") != "ext-42" {
		t.Errorf("STS call %v, want AssumeRole of the role with the external ID", stsForm)
	}
	reqs := f.recorded()
	put := reqs[len(reqs)-1]
	if auth := put.header.Get("Authorization"); !strings.Contains(auth, "Credential=ASIAROLEKEY0001/") {
		t.Errorf("PutObject signed with %q, want the role's key", auth)
	}
	if tok := put.header.Get("X-Amz-Security-Token"); tok != "role-session-token" {
		t.Errorf("PutObject session token %q, want the role's", tok)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{testAccessKey, testSecretKey, "ASIAROLEKEY0001", "role-secret-value", "role-session-token"} {
		if !slices.Contains(seen, want) {
			t.Errorf("SecretSeen never told of %q (got %q)", want, seen)
		}
	}
}

// profile picks the credentials of a shared-file profile.
func TestAWSProfile(t *testing.T) {
	f := newFakeEndpoint(t, func(recorded) reply { return reply{header: map[string]string{"ETag": `"x"`}} })
	isolateAWSEnv(t)
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	if err := os.WriteFile(creds, []byte("[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n\n[logs]\naws_access_key_id = AKIDPROFILELOGS\naws_secret_access_key = profile-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	s, err := NewAWS(context.Background(), AWSConfig{Bucket: "bkt", Endpoint: f.URL, UsePathStyle: true, Profile: "logs"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutObject(context.Background(), "k", []byte("v"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if auth := f.recorded()[0].header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIDPROFILELOGS/") {
		t.Errorf("signed with %q, want the key of profile logs", auth)
	}
	if _, err := NewAWS(context.Background(), AWSConfig{Bucket: "bkt", Endpoint: f.URL, Profile: "missing"}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("NewAWS with an unknown profile: %v, want an error naming it", err)
	}
}
