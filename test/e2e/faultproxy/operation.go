package faultproxy

import (
	"net/http"
	"net/url"
	"strings"
)

// Operation names the S3 operation of a path-style request from its method,
// path, query parameters and copy-source header, e.g. "PutObject",
// "UploadPart", "CompleteMultipartUpload", "ListObjectsV2". Requests it does
// not recognise are named by method, level and first query parameter, such
// as "GET bucket?policy".
func Operation(r *http.Request) string {
	q := r.URL.Query()
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	copying := r.Header.Get("X-Amz-Copy-Source") != ""
	switch {
	case bucket == "":
		if r.Method == http.MethodGet {
			return "ListBuckets"
		}
		return other(r.Method, "service", q)
	case key == "":
		if op := bucketOperation(r.Method, q); op != "" {
			return op
		}
		return other(r.Method, "bucket", q)
	}
	if op := objectOperation(r.Method, q, copying); op != "" {
		return op
	}
	return other(r.Method, "object", q)
}

func bucketOperation(method string, q url.Values) string {
	switch method {
	case http.MethodGet:
		switch {
		case q.Has("uploads"):
			return "ListMultipartUploads"
		case q.Has("versions"):
			return "ListObjectVersions"
		case q.Has("location"):
			return "GetBucketLocation"
		case q.Get("list-type") == "2":
			return "ListObjectsV2"
		case len(withoutSDKParams(q)) == 0 || q.Has("prefix") || q.Has("marker") || q.Has("delimiter") || q.Has("max-keys"):
			return "ListObjects"
		}
	case http.MethodPut:
		if len(withoutSDKParams(q)) == 0 {
			return "CreateBucket"
		}
	case http.MethodDelete:
		if len(withoutSDKParams(q)) == 0 {
			return "DeleteBucket"
		}
	case http.MethodHead:
		return "HeadBucket"
	case http.MethodPost:
		if q.Has("delete") {
			return "DeleteObjects"
		}
	}
	return ""
}

func objectOperation(method string, q url.Values, copying bool) string {
	multipart := q.Has("uploadId")
	switch method {
	case http.MethodPut:
		switch {
		case multipart && q.Has("partNumber") && copying:
			return "UploadPartCopy"
		case multipart && q.Has("partNumber"):
			return "UploadPart"
		case q.Has("tagging"):
			return "PutObjectTagging"
		case q.Has("acl"):
			return "PutObjectAcl"
		case len(withoutSDKParams(q)) > 0:
			return ""
		case copying:
			return "CopyObject"
		}
		return "PutObject"
	case http.MethodPost:
		switch {
		case q.Has("uploads"):
			return "CreateMultipartUpload"
		case multipart:
			return "CompleteMultipartUpload"
		}
	case http.MethodDelete:
		switch {
		case multipart:
			return "AbortMultipartUpload"
		case q.Has("tagging"):
			return "DeleteObjectTagging"
		case len(withoutSDKParams(q)) == 0 || q.Has("versionId"):
			return "DeleteObject"
		}
	case http.MethodGet:
		switch {
		case multipart:
			return "ListParts"
		case q.Has("tagging"):
			return "GetObjectTagging"
		case q.Has("acl"):
			return "GetObjectAcl"
		case q.Has("attributes"):
			return "GetObjectAttributes"
		}
		return "GetObject"
	case http.MethodHead:
		return "HeadObject"
	}
	return ""
}

// withoutSDKParams drops the x-id parameter that aws-sdk-go-v2 adds to
// name the operation, so that "PUT /b/k?x-id=PutObject" reads as a plain PUT.
func withoutSDKParams(q url.Values) url.Values {
	if !q.Has("x-id") {
		return q
	}
	rest := make(url.Values, len(q))
	for k, v := range q {
		if k != "x-id" {
			rest[k] = v
		}
	}
	return rest
}

// other names an unrecognised request: the SDK's own x-id when present,
// else method, level and first query parameter in sorted order.
func other(method, level string, q url.Values) string {
	if id := q.Get("x-id"); id != "" {
		return id
	}
	if enc := q.Encode(); enc != "" {
		name, _, _ := strings.Cut(enc, "=")
		name, _, _ = strings.Cut(name, "&")
		return method + " " + level + "?" + name
	}
	return method + " " + level
}
