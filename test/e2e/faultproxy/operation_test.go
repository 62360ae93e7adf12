package faultproxy

import (
	"net/http/httptest"
	"testing"
)

func TestOperation(t *testing.T) {
	for _, c := range []struct {
		method, target, copySource, want string
	}{
		{"GET", "/", "", "ListBuckets"},
		{"PUT", "/b", "", "CreateBucket"},
		{"PUT", "/b/", "", "CreateBucket"},
		{"HEAD", "/b", "", "HeadBucket"},
		{"DELETE", "/b", "", "DeleteBucket"},
		{"GET", "/b?list-type=2&prefix=k%2F", "", "ListObjectsV2"},
		{"GET", "/b?prefix=k", "", "ListObjects"},
		{"GET", "/b?uploads&prefix=k", "", "ListMultipartUploads"},
		{"GET", "/b?location", "", "GetBucketLocation"},
		{"POST", "/b?delete", "", "DeleteObjects"},
		{"GET", "/b?policy", "", "GET bucket?policy"},
		{"PUT", "/b/k/1.json?x-id=PutObject", "", "PutObject"},
		{"PUT", "/b/k", "/b/other", "CopyObject"},
		{"GET", "/b/k?x-id=GetObject", "", "GetObject"},
		{"HEAD", "/b/k", "", "HeadObject"},
		{"DELETE", "/b/k?x-id=DeleteObject", "", "DeleteObject"},
		{"POST", "/b/k?uploads", "", "CreateMultipartUpload"},
		{"PUT", "/b/k?partNumber=2&uploadId=u1&x-id=UploadPart", "", "UploadPart"},
		{"PUT", "/b/k?partNumber=2&uploadId=u1", "/b/other", "UploadPartCopy"},
		{"POST", "/b/k?uploadId=u1", "", "CompleteMultipartUpload"},
		{"DELETE", "/b/k?uploadId=u1&x-id=AbortMultipartUpload", "", "AbortMultipartUpload"},
		{"GET", "/b/k?uploadId=u1&max-parts=100", "", "ListParts"},
		{"PUT", "/b/k?tagging", "", "PutObjectTagging"},
		{"GET", "/b/k?tagging", "", "GetObjectTagging"},
		{"PUT", "/b/k?retention", "", "PUT object?retention"},
		{"PUT", "/b/k?legal-hold&x-id=PutObjectLegalHold", "", "PutObjectLegalHold"},
	} {
		r := httptest.NewRequest(c.method, c.target, nil)
		if c.copySource != "" {
			r.Header.Set("X-Amz-Copy-Source", c.copySource)
		}
		if got := Operation(r); got != c.want {
			t.Errorf("Operation(%s %s) = %q, want %q", c.method, c.target, got, c.want)
		}
	}
}
