package s3api

import (
	"context"
	"testing"
)

func TestProbeVGW(t *testing.T) {
	ctx := context.Background()
	s, _ := NewAWS(ctx, AWSConfig{Bucket: "scratch", Endpoint: "http://127.0.0.1:17070", UsePathStyle: true, ChecksumWhenRequired: true, SendContentMD5: true, AccessKey: "AK", SecretKey: "SKSKSKSK"})
	for _, o := range []PutOptions{
		{StorageClass: "STANDARD_IA"}, {StorageClass: "GLACIER_IR"}, {StorageClass: "BOGUS"},
		{ACL: "bucket-owner-full-control"}, {ACL: "private"},
		{ServerSideEncryption: "AES256"}, {ServerSideEncryption: "aws:kms", SSEKMSKeyID: "k"},
		{Tagging: "team=sre&env=prod"},
	} {
		err := s.PutObject(ctx, "probe", []byte("x"), o)
		_, meta, gerr := s.GetObject(ctx, "probe")
		t.Logf("put %+v: err=%v class=%v | get meta=%+v err=%v", o, err, Classify(err), meta, gerr)
		id, err := s.CreateMultipartUpload(ctx, "probe-mp", o)
		t.Logf("   create mp: err=%v", err)
		if err == nil {
			s.AbortMultipartUpload(ctx, "probe-mp", id)
		}
	}
	bad, _ := NewAWS(ctx, AWSConfig{Bucket: "scratch", Endpoint: "http://127.0.0.1:17070", UsePathStyle: true, AccessKey: "AK", SecretKey: "wrong"})
	err := bad.PutObject(ctx, "p", []byte("x"), PutOptions{})
	t.Logf("bad secret: %v class=%v", err, Classify(err))
	bad, _ = NewAWS(ctx, AWSConfig{Bucket: "scratch", Endpoint: "http://127.0.0.1:17070", UsePathStyle: true, AccessKey: "nope", SecretKey: "wrong"})
	err = bad.PutObject(ctx, "p", []byte("x"), PutOptions{})
	t.Logf("bad key: %v class=%v", err, Classify(err))
	nb, _ := NewAWS(ctx, AWSConfig{Bucket: "nobucket", Endpoint: "http://127.0.0.1:17070", UsePathStyle: true, AccessKey: "AK", SecretKey: "SKSKSKSK"})
	err = nb.PutObject(ctx, "p", []byte("x"), PutOptions{})
	t.Logf("no bucket: %v class=%v", err, Classify(err))
	_, err = nb.CreateMultipartUpload(ctx, "p", PutOptions{})
	t.Logf("no bucket mp: %v class=%v", err, Classify(err))
	ib, _ := NewAWS(ctx, AWSConfig{Bucket: "Bad_Bucket", Endpoint: "http://127.0.0.1:17070", UsePathStyle: true, AccessKey: "AK", SecretKey: "SKSKSKSK"})
	err = ib.CreateBucket(ctx)
	t.Logf("invalid bucket: %v class=%v", err, Classify(err))
	down, _ := NewAWS(ctx, AWSConfig{Bucket: "scratch", Endpoint: "http://127.0.0.1:1", UsePathStyle: true, AccessKey: "AK", SecretKey: "SKSKSKSK"})
	err = down.PutObject(ctx, "p", []byte("x"), PutOptions{})
	t.Logf("down: %v class=%v", err, Classify(err))
	id, _ := s.CreateMultipartUpload(ctx, "e", PutOptions{})
	err = s.CompleteMultipartUpload(ctx, "e", id, nil)
	t.Logf("empty complete: %v class=%v", err, Classify(err))
	p1, _ := s.UploadPart(ctx, "e", id, 1, []byte("a"))
	err = s.CompleteMultipartUpload(ctx, "e", id, []Part{{Number: 1, ETag: p1}, {Number: 1, ETag: p1}})
	t.Logf("dup complete: %v class=%v", err, Classify(err))
	err = s.CompleteMultipartUpload(ctx, "e", "made-up-id", []Part{{Number: 1, ETag: p1}})
	t.Logf("made-up id: %v class=%v nsu=%v", err, Classify(err), IsNoSuchUpload(err))
	_, err = s.ListParts(ctx, "e", "made-up-id")
	t.Logf("made-up id listparts: %v class=%v nsu=%v", err, Classify(err), IsNoSuchUpload(err))
	s.AbortMultipartUpload(ctx, "e", id)
}
