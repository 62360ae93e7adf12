package faultproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/e2e/s3server"
)

// behindProxy starts versitygw, a proxy in front of it with c, and returns
// the proxy, a client of bucket through the proxy (set up as the plugin is
// for S3-compatible services) and a direct client of the same bucket, for
// looking at what really landed.
func behindProxy(t *testing.T, bucket string, c Config) (*Proxy, *s3api.AWSStore, *s3api.AWSStore) {
	t.Helper()
	server := s3server.StartForTest(t)
	direct, err := server.Store(bucket)
	if err != nil {
		t.Fatal(err)
	}
	if err := direct.CreateBucket(context.Background()); err != nil {
		t.Fatalf("CreateBucket %s: %v", bucket, err)
	}
	p := startProxy(t, server.Endpoint, c)
	client, err := s3api.NewAWS(context.Background(), s3api.AWSConfig{
		Bucket:               bucket,
		Region:               server.Region,
		Endpoint:             p.URL,
		UsePathStyle:         true,
		ChecksumWhenRequired: true,
		AccessKey:            server.AccessKey,
		SecretKey:            server.SecretKey,
		HTTPTimeout:          10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, client, direct
}

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// With no faults the proxy is invisible: signed requests of every kind the
// plugin makes, keys that need escaping included, pass and take effect.
func TestS3PassThrough(t *testing.T) {
	ctx := context.Background()
	p, client, direct := behindProxy(t, "pass", Config{})
	key := "logs/app=a b+c/2026-11-22/ü€!*'()~;,=@$&.json"
	small := []byte("{\"msg\":\"hello\"}\n")
	if err := client.PutObject(ctx, key, small, s3api.PutOptions{ContentType: "application/json", Tagging: "team=sre&env=test"}); err != nil {
		t.Fatalf("PutObject through the proxy: %v", err)
	}
	if got, meta, err := client.GetObject(ctx, key); err != nil || !bytes.Equal(got, small) || meta.ContentType != "application/json" {
		t.Fatalf("GetObject through the proxy = %q %+v, %v; want what was put", got, meta, err)
	}

	mpKey := "multi/part object.json.gz"
	id, err := client.CreateMultipartUpload(ctx, mpKey, s3api.PutOptions{ContentEncoding: "gzip"})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	first := bytes.Repeat([]byte("0123456789abcdef"), s3api.MinPartSize/16)
	last := []byte("tail")
	var parts []s3api.Part
	for i, body := range [][]byte{first, last} {
		etag, err := client.UploadPart(ctx, mpKey, id, int32(i+1), body)
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		parts = append(parts, s3api.Part{Number: int32(i + 1), ETag: etag})
	}
	if listed, err := client.ListParts(ctx, mpKey, id); err != nil || len(listed) != 2 || listed[0].Size != int64(len(first)) {
		t.Fatalf("ListParts = %+v, %v; want the 2 parts", listed, err)
	}
	if uploads, err := client.ListMultipartUploads(ctx, "multi/"); err != nil || len(uploads) != 1 || uploads[0].UploadID != id {
		t.Fatalf("ListMultipartUploads = %+v, %v; want upload %s", uploads, err, id)
	}
	if err := client.CompleteMultipartUpload(ctx, mpKey, id, parts); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	got, _, err := direct.GetObject(ctx, mpKey)
	if err != nil || !bytes.Equal(got, append(append([]byte(nil), first...), last...)) {
		t.Fatalf("multipart object read directly: %d bytes, %v; want %d", len(got), err, len(first)+len(last))
	}
	aborted, err := client.CreateMultipartUpload(ctx, "multi/aborted", s3api.PutOptions{})
	if err == nil {
		err = client.AbortMultipartUpload(ctx, "multi/aborted", aborted)
	}
	if err != nil {
		t.Fatalf("create and abort: %v", err)
	}
	objects, err := client.ListObjects(ctx, "")
	if err != nil || len(objects) != 2 {
		t.Fatalf("ListObjects = %+v, %v; want the 2 objects", objects, err)
	}

	s := p.Stats()
	if s.Faults() != 0 || s.Spared != 0 || s.Requests != s.Forwarded {
		t.Errorf("stats with no faults = %+v, want every request forwarded", s.Counts)
	}
	for op, n := range map[string]int64{
		"PutObject": 1, "GetObject": 1, "CreateMultipartUpload": 2, "UploadPart": 2, "ListParts": 1,
		"ListMultipartUploads": 1, "CompleteMultipartUpload": 1, "AbortMultipartUpload": 1, "ListObjectsV2": 1,
	} {
		if got := s.ByOperation[op].Requests; got != n {
			t.Errorf("%s requests = %d, want %d (all: %+v)", op, got, n, s.ByOperation)
		}
	}
}

func TestS3SlowDownIsThrottled(t *testing.T) {
	ctx := context.Background()
	p, client, direct := behindProxy(t, "slowdown", Config{SlowDown: 1})
	err := client.PutObject(ctx, "k", []byte("data"), s3api.PutOptions{})
	if err == nil || s3api.Classify(err) != s3api.Throttled || errorCode(err) != "SlowDown" {
		t.Fatalf("PutObject under SlowDown = %v (%v), want a Throttled SlowDown error", err, s3api.Classify(err))
	}
	if _, _, err := direct.GetObject(ctx, "k"); !s3api.IsNoSuchKey(err) {
		t.Errorf("object after SlowDown: %v, want NoSuchKey (the request must not reach the server)", err)
	}
	// A part large enough for the SDK to send Expect: 100-continue still
	// gets the 503 itself, not a broken connection.
	p.SetConfig(Config{})
	id, err := client.CreateMultipartUpload(ctx, "big", s3api.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.SetConfig(Config{SlowDown: 1})
	_, err = client.UploadPart(ctx, "big", id, 1, bytes.Repeat([]byte{'x'}, s3api.MinPartSize+1))
	if err == nil || s3api.Classify(err) != s3api.Throttled || errorCode(err) != "SlowDown" {
		t.Fatalf("UploadPart of %d bytes under SlowDown = %v (%v), want a Throttled SlowDown error", s3api.MinPartSize+1, err, s3api.Classify(err))
	}
	if s := p.Stats(); s.SlowDown != 2 || s.Forwarded != 1 {
		t.Errorf("stats = %+v, want 2 SlowDown and only CreateMultipartUpload forwarded", s.Counts)
	}
}

func TestS3ServerErrorIsRetryable(t *testing.T) {
	ctx := context.Background()
	p, client, direct := behindProxy(t, "servererror", Config{ServerError: 1})
	_, err := client.CreateMultipartUpload(ctx, "k", s3api.PutOptions{})
	if err == nil || s3api.Classify(err) != s3api.Retryable || errorCode(err) != "InternalError" {
		t.Fatalf("CreateMultipartUpload under ServerError = %v (%v), want a Retryable InternalError", err, s3api.Classify(err))
	}
	if uploads, err := direct.ListMultipartUploads(ctx, ""); err != nil || len(uploads) != 0 {
		t.Errorf("uploads after ServerError = %+v, %v; want none", uploads, err)
	}
	if s := p.Stats(); s.ServerError != 1 || s.ByOperation["CreateMultipartUpload"].ServerError != 1 {
		t.Errorf("stats = %+v, want 1 ServerError on CreateMultipartUpload", s)
	}
}

// A lost reply: the client sees a failure, but the write happened.
func TestS3LostReplyTookEffect(t *testing.T) {
	ctx := context.Background()
	p, client, direct := behindProxy(t, "lostreply", Config{LostReply: 1})
	err := client.PutObject(ctx, "k", []byte("landed anyway"), s3api.PutOptions{})
	if err == nil || s3api.Classify(err) != s3api.Retryable {
		t.Fatalf("PutObject under LostReply = %v (%v), want a Retryable error", err, s3api.Classify(err))
	}
	if got, _, err := direct.GetObject(ctx, "k"); err != nil || string(got) != "landed anyway" {
		t.Errorf("object after LostReply = %q, %v; want it stored", got, err)
	}
	if s := p.Stats(); s.LostReply != 1 || s.Forwarded != 1 {
		t.Errorf("stats = %+v, want 1 LostReply, forwarded", s.Counts)
	}
}

// Resets reach the client as network errors, which are Retryable; those
// reset after forwarding took effect, those reset before did not.
func TestS3ResetIsNetworkError(t *testing.T) {
	ctx := context.Background()
	p, client, direct := behindProxy(t, "reset", Config{Seed: 7, Reset: 1})
	const n = 8
	for i := range n {
		err := client.PutObject(ctx, fmt.Sprintf("k%d", i), []byte("x"), s3api.PutOptions{})
		var sendErr *smithyhttp.RequestSendError
		if err == nil || !errors.As(err, &sendErr) || errorCode(err) != "" || s3api.Classify(err) != s3api.Retryable {
			t.Fatalf("PutObject %d under Reset = %v (%v), want a Retryable network error without a service code",
				i, err, s3api.Classify(err))
		}
	}
	s := p.Stats()
	if s.ResetBefore+s.ResetAfter != n || s.ResetBefore == 0 || s.ResetAfter == 0 {
		t.Fatalf("stats = %+v, want %d resets, some before and some after forwarding", s.Counts, n)
	}
	objects, err := direct.ListObjects(ctx, "")
	if err != nil || int64(len(objects)) != s.ResetAfter {
		t.Errorf("objects stored = %d (%v), want the %d reset after forwarding", len(objects), err, s.ResetAfter)
	}
}

// A client that retries gets through even when every draw says SlowDown:
// on attempt MaxConsecutiveFaults+1 at the latest.
func TestS3RetryLoopMakesProgress(t *testing.T) {
	ctx := context.Background()
	p, client, direct := behindProxy(t, "retry", Config{SlowDown: 1})
	attempts := 0
	var err error
	for attempts < 10 {
		attempts++
		if err = client.PutObject(ctx, "k", []byte("eventually"), s3api.PutOptions{}); err == nil {
			break
		}
		if s3api.Classify(err) != s3api.Throttled {
			t.Fatalf("attempt %d: %v, want Throttled", attempts, err)
		}
	}
	if err != nil || attempts != MaxConsecutiveFaults+1 {
		t.Fatalf("after %d attempts: %v; want success on attempt %d", attempts, err, MaxConsecutiveFaults+1)
	}
	if got, _, err := direct.GetObject(ctx, "k"); err != nil || string(got) != "eventually" {
		t.Errorf("object = %q, %v; want it stored", got, err)
	}
	if c := p.Stats().ByOperation["PutObject"]; c.Requests != 6 || c.SlowDown != 5 || c.Spared != 1 || c.Forwarded != 1 {
		t.Errorf("PutObject stats = %+v, want 6 requests: 5 SlowDown, 1 spared and forwarded", c)
	}

	// Faults turned off at run time: the next call passes at once.
	p.SetConfig(Config{})
	if err := client.PutObject(ctx, "k2", []byte("x"), s3api.PutOptions{}); err != nil {
		t.Errorf("PutObject with faults off: %v", err)
	}
}
