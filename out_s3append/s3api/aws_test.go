package s3api

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAWSMakesOneAttempt(t *testing.T) {
	for _, c := range []struct {
		status int
		code   string
		want   Class
	}{
		{500, "InternalError", Retryable},
		{503, "SlowDown", Throttled},
		{403, "AccessDenied", Permanent},
		{404, "NoSuchBucket", Permanent},
	} {
		f := newFakeEndpoint(t, func(recorded) reply { return errorReply(c.status, c.code) })
		s := storeFor(t, f, nil)
		err := s.PutObject(context.Background(), "k", []byte("v"), PutOptions{})
		if got := Classify(err); err == nil || got != c.want {
			t.Errorf("%d %s: PutObject error %v classified %v, want %v", c.status, c.code, err, got, c.want)
		}
		if n := len(f.recorded()); n != 1 {
			t.Errorf("%d %s: %d requests sent, want 1 (the engine owns retries)", c.status, c.code, n)
		}
	}
}

func TestAWSPutSendsOptions(t *testing.T) {
	f := newFakeEndpoint(t, func(recorded) reply { return reply{header: map[string]string{"ETag": `"x"`}} })
	s := storeFor(t, f, func(c *AWSConfig) {
		c.Region = "eu-west-3"
		c.ChecksumWhenRequired = true
		c.SendContentMD5 = true
	})
	body := []byte(`{"a":1}` + "\n")
	o := PutOptions{ContentType: "application/x-ndjson", ContentEncoding: "gzip", StorageClass: "STANDARD_IA",
		ACL: "bucket-owner-full-control", ServerSideEncryption: "aws:kms", SSEKMSKeyID: "key-1", Tagging: "team=sre&env=prod"}
	if err := s.PutObject(context.Background(), "dir/obj.json.gz", body, o); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	req := f.recorded()[0]
	if req.method != http.MethodPut || req.path != "/bkt/dir/obj.json.gz" {
		t.Errorf("request %s %s, want PUT /bkt/dir/obj.json.gz (path style)", req.method, req.path)
	}
	sum := md5.Sum(body)
	for name, want := range map[string]string{
		"Content-Type":                 o.ContentType,
		"Content-Encoding":             o.ContentEncoding,
		"X-Amz-Storage-Class":          o.StorageClass,
		"X-Amz-Acl":                    o.ACL,
		"X-Amz-Server-Side-Encryption": o.ServerSideEncryption,
		"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": o.SSEKMSKeyID,
		"X-Amz-Tagging": o.Tagging,
		"Content-Md5":   base64.StdEncoding.EncodeToString(sum[:]),
	} {
		if got := req.header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if string(req.body) != string(body) {
		t.Errorf("body on the wire = %q, want the object itself %q", req.body, body)
	}
	auth := req.header.Get("Authorization")
	if !strings.Contains(auth, "Credential="+testAccessKey+"/") || !strings.Contains(auth, "/eu-west-3/s3/") {
		t.Errorf("Authorization %q does not sign with the static key in eu-west-3", auth)
	}
	for name, values := range req.header {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-amz-checksum-") || lower == "x-amz-sdk-checksum-algorithm" || lower == "x-amz-trailer" {
			t.Errorf("checksum header %s: %v sent although ChecksumWhenRequired is set", name, values)
		}
		if strings.Contains(strings.Join(values, " "), testSecretKey) {
			t.Errorf("header %s carries the secret key", name)
		}
	}
}

func TestAWSDefaultChecksums(t *testing.T) {
	f := newFakeEndpoint(t, func(recorded) reply { return reply{header: map[string]string{"ETag": `"x"`}} })
	s := storeFor(t, f, nil)
	if _, err := s.UploadPart(context.Background(), "k", "u1", 1, []byte("part")); err != nil {
		t.Fatalf("UploadPart: %v", err)
	}
	req := f.recorded()[0]
	if req.header.Get("X-Amz-Sdk-Checksum-Algorithm") == "" && req.header.Get("X-Amz-Trailer") == "" &&
		req.header.Get("X-Amz-Checksum-Crc32") == "" {
		t.Errorf("no flexible checksum sent by default; headers %v", req.header)
	}
	if got := req.query["partNumber"]; len(got) != 1 || got[0] != "1" {
		t.Errorf("partNumber query = %v, want [1]", got)
	}
}

func TestAWSCompleteSortsParts(t *testing.T) {
	f := newFakeEndpoint(t, func(recorded) reply {
		return xmlReply(`<CompleteMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key><ETag>"e-3"</ETag></CompleteMultipartUploadResult>`)
	})
	s := storeFor(t, f, func(c *AWSConfig) { c.ChecksumWhenRequired = true })
	parts := []Part{{Number: 3, ETag: `"c"`}, {Number: 1, ETag: `"a"`}, {Number: 2, ETag: `"b"`}}
	if err := s.CompleteMultipartUpload(context.Background(), "k", "u1", parts); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	var sent struct {
		Parts []struct {
			PartNumber int32
			ETag       string
		} `xml:"Part"`
	}
	if err := xml.Unmarshal(f.recorded()[0].body, &sent); err != nil {
		t.Fatalf("request body %q: %v", f.recorded()[0].body, err)
	}
	var order []int32
	for _, p := range sent.Parts {
		order = append(order, p.PartNumber)
	}
	if len(order) != 3 || order[0] != 1 || order[1] != 2 || order[2] != 3 || sent.Parts[0].ETag != `"a"` {
		t.Errorf("parts sent %+v, want numbers 1, 2, 3 with their ETags", sent.Parts)
	}
	if parts[0].Number != 3 {
		t.Errorf("caller's slice reordered: %v", parts)
	}
}

func TestAWSCreateBucket(t *testing.T) {
	f := newFakeEndpoint(t, func(recorded) reply { return errorReply(409, "BucketAlreadyOwnedByYou") })
	if err := storeFor(t, f, nil).CreateBucket(context.Background()); err != nil {
		t.Errorf("CreateBucket of an owned bucket: %v, want nil", err)
	}
	f = newFakeEndpoint(t, func(recorded) reply { return errorReply(409, "BucketAlreadyExists") })
	err := storeFor(t, f, nil).CreateBucket(context.Background())
	if err == nil || Classify(err) != Permanent {
		t.Errorf("CreateBucket of someone else's bucket: %v (%v), want a permanent error", err, Classify(err))
	}
	f = newFakeEndpoint(t, func(recorded) reply { return reply{} })
	if err := storeFor(t, f, func(c *AWSConfig) { c.Region = "eu-west-1" }).CreateBucket(context.Background()); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if body := string(f.recorded()[0].body); !strings.Contains(body, "<LocationConstraint>eu-west-1</LocationConstraint>") {
		t.Errorf("CreateBucket body %q lacks the eu-west-1 location constraint", body)
	}
}

func TestNewAWSConfigErrors(t *testing.T) {
	isolateAWSEnv(t)
	ctx := context.Background()
	if _, err := NewAWS(ctx, AWSConfig{Region: "us-east-1"}); err == nil || !strings.Contains(err.Error(), "bucket") {
		t.Errorf("NewAWS without bucket: %v, want an error naming the bucket", err)
	}
	if _, err := NewAWS(ctx, AWSConfig{Bucket: "b"}); err == nil || !strings.Contains(err.Error(), "region") {
		t.Errorf("NewAWS without region or endpoint: %v, want an error naming the region", err)
	}
	s, err := NewAWS(ctx, AWSConfig{Bucket: "b", Endpoint: "http://127.0.0.1:1"})
	if err != nil || s.client.Options().Region != "us-east-1" {
		t.Errorf("NewAWS with an endpoint and no region: %v, region %q; want us-east-1", err, s.client.Options().Region)
	}
}

func TestAWSHTTPTimeout(t *testing.T) {
	// The endpoint answers nothing until the test ends.
	silent := make(chan struct{})
	f := newFakeEndpoint(t, func(recorded) reply {
		<-silent
		return reply{}
	})
	t.Cleanup(func() { close(silent) }) // runs before the server's Close
	s := storeFor(t, f, func(c *AWSConfig) { c.HTTPTimeout = 200 * time.Millisecond })
	start := time.Now()
	err := s.PutObject(context.Background(), "k", []byte("v"), PutOptions{})
	if err == nil || Classify(err) != Retryable {
		t.Fatalf("PutObject to a silent server: %v (%v), want a retryable error", err, Classify(err))
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("PutObject took %v despite HTTPTimeout 200ms", elapsed)
	}
}
