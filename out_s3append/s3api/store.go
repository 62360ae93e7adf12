// Package s3api is the narrow object-store interface the upload engine talks
// to, with two implementations that honour the same contract: AWSStore (any
// S3-compatible service, through aws-sdk-go-v2) and Memory (an in-process fake
// that enforces the S3 rules the engine depends on). RunAcceptance checks an
// implementation against that contract.
//
// Every method makes exactly one attempt per request: the engine owns retries
// and backoff, and decides what to do with a failure through Classify and
// IsNoSuchUpload. A Store is safe for concurrent use.
package s3api

import (
	"context"
	"io"
	"time"
)

// Multipart limits that S3 enforces and that Memory enforces the same way.
const (
	MinPartSize   = 5 << 20 // every part but the last must be at least this long at Complete time
	MaxPartSize   = 5 << 30
	MinPartNumber = 1
	MaxPartNumber = 10000
)

// StandardStorageClass is the class objects have when none is requested.
const StandardStorageClass = "STANDARD"

// Part is one uploaded part of a multipart upload.
type Part struct {
	Number int32
	ETag   string // as the server returned it (S3 quotes it); compared without quotes
	Size   int64  // filled by ListParts; ignored by CompleteMultipartUpload
}

// Upload is an in-progress multipart upload.
type Upload struct {
	Key       string
	UploadID  string
	Initiated time.Time
}

// PutOptions are the object attributes fixed when an object (or a multipart
// upload) is created. Empty fields are not sent.
type PutOptions struct {
	ContentType     string
	ContentEncoding string
	StorageClass    string // e.g. STANDARD, STANDARD_IA, GLACIER_IR
	ACL             string // canned ACL, e.g. bucket-owner-full-control
	// ServerSideEncryption is AES256 (SSE-S3), aws:kms or aws:kms:dsse.
	ServerSideEncryption string
	SSEKMSKeyID          string // KMS key for aws:kms; empty means the account's default key
	Tagging              string // URL-query encoded tags, e.g. "team=sre&env=prod"
}

// ObjectInfo is one entry of ListObjects.
type ObjectInfo struct {
	Key  string
	Size int64
}

// ObjectMeta is what GetObject reports about a stored object.
type ObjectMeta struct {
	ContentType     string
	ContentEncoding string
	StorageClass    string // StandardStorageClass when the server names none
}

// ListRequest is one ListObjectsV2 request: the keys that start with
// Prefix and sort after StartAfter (and after the previous page, named by
// ContinuationToken), in key order. With a Delimiter, the keys that hold it
// after Prefix are rolled up into one CommonPrefixes entry each, up to and
// including the delimiter. MaxKeys bounds the entries (objects and common
// prefixes together) of the page; 0 leaves the service's 1000.
type ListRequest struct {
	Prefix            string
	Delimiter         string
	StartAfter        string
	ContinuationToken string
	MaxKeys           int32
}

// ListedObject is one object of a ListPage.
type ListedObject struct {
	Key  string
	Size int64
	ETag string // as the server returned it (S3 quotes it)
}

// ListResult is one page of a listing. NextContinuationToken is "" on the
// last page.
type ListResult struct {
	Objects               []ListedObject
	CommonPrefixes        []string
	NextContinuationToken string
}

// ObjectVersion says which content an OpenObject is reading.
type ObjectVersion struct {
	Size int64
	ETag string // as the server returned it (S3 quotes it)
}

// Store is the object-store contract. All keys are relative to the one
// bucket the Store was built for. Bodies are read during the call and not
// retained afterwards, so callers may reuse their buffers once a method has
// returned. Errors are reported as returned by the service (or as the same
// smithy API error codes, for Memory); use Classify, IsNoSuchUpload and
// IsNoSuchKey on them rather than comparing strings.
type Store interface {
	// PutObject stores body under key in one request, replacing any object
	// of that key.
	PutObject(ctx context.Context, key string, body []byte, o PutOptions) error

	// CreateMultipartUpload starts a multipart upload for key and returns
	// its ID. The object attributes are fixed here, not at Complete.
	CreateMultipartUpload(ctx context.Context, key string, o PutOptions) (uploadID string, err error)

	// UploadPart stores part number (MinPartNumber..MaxPartNumber) of an
	// upload and returns its ETag. Uploading a number again replaces that
	// part. Sizes are not checked here but at Complete. An unknown, completed
	// or aborted upload yields an error for which IsNoSuchUpload is true; a
	// number out of range yields a Permanent error.
	UploadPart(ctx context.Context, key, uploadID string, number int32, body []byte) (etag string, err error)

	// CompleteMultipartUpload assembles the listed parts, in part-number
	// order whatever the order of parts (the Store sorts them), into the
	// object key, replacing any object of that key. Only Number and ETag of
	// each Part are used.
	//
	// Errors, all Permanent: EntityTooSmall when a part other than the last
	// is shorter than MinPartSize; InvalidPart when a part was not uploaded
	// or its ETag differs; InvalidPartOrder for a repeated number (S3 and
	// Memory; versitygw says EntityTooSmall or InvalidPart); MalformedXML
	// for no parts; NoSuchUpload (IsNoSuchUpload) for an unknown or aborted
	// upload. After any of them but NoSuchUpload the upload stays open.
	//
	// Completing again an upload that has completed, as a retry after a
	// lost reply does, succeeds without changing the object on S3 (for a
	// while), versitygw and Memory; other services answer NoSuchUpload. So
	// after a NoSuchUpload from a retried Complete, look for the object
	// before redoing the upload.
	CompleteMultipartUpload(ctx context.Context, key, uploadID string, parts []Part) error

	// AbortMultipartUpload discards an upload and its parts. An unknown or
	// already finished upload yields an error for which IsNoSuchUpload is
	// true.
	AbortMultipartUpload(ctx context.Context, key, uploadID string) error

	// ListMultipartUploads returns every in-progress upload whose key starts
	// with prefix, following all pages, ordered by key and then by
	// initiation.
	ListMultipartUploads(ctx context.Context, prefix string) ([]Upload, error)

	// ListParts returns every uploaded part of an upload, following all
	// pages, ordered by part number. An unknown or finished upload yields an
	// error for which IsNoSuchUpload is true.
	ListParts(ctx context.Context, key, uploadID string) ([]Part, error)

	// ListObjects returns every object whose key starts with prefix,
	// following all pages, in key order. Meant for tests and tools.
	ListObjects(ctx context.Context, prefix string) ([]ObjectInfo, error)

	// GetObject returns an object's bytes exactly as stored (no transparent
	// decoding of ContentEncoding) and its attributes. A missing key yields
	// an error for which IsNoSuchKey is true. Meant for tests and tools.
	GetObject(ctx context.Context, key string) ([]byte, ObjectMeta, error)

	// ListPage makes one ListObjectsV2 request, so a caller that walks a
	// large listing holds one page at a time and can stop early. A
	// truncated page without a continuation token is an error.
	ListPage(ctx context.Context, r ListRequest) (ListResult, error)

	// OpenObject starts reading an object (a GetObject request) and returns
	// its body as a stream, never held whole in memory, with the size and
	// ETag of the content being read. The caller closes the body. A missing
	// key yields an error for which IsNoSuchKey is true; an error while
	// reading the body is Retryable unless it carries a service code.
	OpenObject(ctx context.Context, key string) (io.ReadCloser, ObjectVersion, error)

	// DeleteObject removes an object. Deleting a key that does not exist
	// succeeds, as on S3.
	DeleteObject(ctx context.Context, key string) error

	// GetObjectTagging returns an object's tags (empty when it has none).
	// A missing key yields an error for which IsNoSuchKey is true.
	GetObjectTagging(ctx context.Context, key string) (map[string]string, error)

	// PutObjectTagging replaces an object's whole tag set with tags: S3 has
	// no request that adds one tag, so callers that keep the others read
	// them first. A missing key yields an error for which IsNoSuchKey is
	// true.
	PutObjectTagging(ctx context.Context, key string, tags map[string]string) error

	// CreateBucket creates the Store's bucket; a bucket the caller already
	// owns is not an error.
	CreateBucket(ctx context.Context) error
}
