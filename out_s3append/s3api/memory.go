package s3api

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"sort"
	"strings"
	"sync"
)

// Operation names passed to fault functions, one per Store method.
const (
	OpPutObject               = "PutObject"
	OpCreateMultipartUpload   = "CreateMultipartUpload"
	OpUploadPart              = "UploadPart"
	OpCompleteMultipartUpload = "CompleteMultipartUpload"
	OpAbortMultipartUpload    = "AbortMultipartUpload"
	OpListMultipartUploads    = "ListMultipartUploads"
	OpListParts               = "ListParts"
	OpListObjects             = "ListObjects" // also ListPage: the same request
	OpGetObject               = "GetObject"   // also OpenObject: the same request
	OpDeleteObject            = "DeleteObject"
	OpGetObjectTagging        = "GetObjectTagging"
	OpPutObjectTagging        = "PutObjectTagging"
	OpCreateBucket            = "CreateBucket"
)

// Fault decides whether an operation on key fails, by returning the error
// to report (nil lets it pass). For list operations key is the prefix, for
// CreateBucket it is "".
type Fault func(op, key string) error

// Memory is an in-memory Store that enforces the S3 rules the engine relies
// on (part numbers, minimum part size at Complete, ETag checks, NoSuchUpload
// after Complete or Abort, overwrite on Complete) and reports violations
// with the same error codes as S3, so Classify treats them alike. Its bucket
// exists from the start. It is safe for concurrent use.
type Memory struct {
	mu      sync.Mutex
	objects map[string]memObject
	uploads map[string]*memUpload
	// completed remembers each completed upload's completionOf, to answer
	// a retried Complete as S3 does.
	completed map[string]string
	seq       uint64
	before    Fault
	after     Fault
}

// memObject is a stored object. Its body is never changed once stored (a
// new version replaces the whole memObject), so readers may share it.
type memObject struct {
	body []byte
	meta ObjectMeta
	etag string
	tags map[string]string
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty Memory.
func NewMemory() *Memory {
	return &Memory{objects: map[string]memObject{}, uploads: map[string]*memUpload{}, completed: map[string]string{}}
}

// SetFault installs f to be asked before every operation; when it returns
// an error the operation fails with it and has no effect. nil removes it.
// Return errors shaped like the service's (for example
// &smithy.GenericAPIError{Code: "SlowDown"}) or plain network-like errors.
func (m *Memory) SetFault(f Fault) {
	m.mu.Lock()
	m.before = f
	m.mu.Unlock()
}

// SetFaultAfter installs f to be asked after every operation that
// succeeded; when it returns an error the operation keeps its effect but the
// caller sees the error, as when a reply is lost on the way back. nil
// removes it.
func (m *Memory) SetFaultAfter(f Fault) {
	m.mu.Lock()
	m.after = f
	m.mu.Unlock()
}

// run performs one operation between the two fault hooks. The hooks are
// called without the lock so that they may use the Memory themselves.
func (m *Memory) run(ctx context.Context, op, key string, do func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	before, after := m.before, m.after
	m.mu.Unlock()
	if before != nil {
		if err := before(op, key); err != nil {
			return err
		}
	}
	m.mu.Lock()
	err := do()
	m.mu.Unlock()
	if err == nil && after != nil {
		err = after(op, key)
	}
	return err
}

// PutObject implements Store.
func (m *Memory) PutObject(ctx context.Context, key string, body []byte, o PutOptions) error {
	return m.run(ctx, OpPutObject, key, func() error {
		if err := checkKey(key); err != nil {
			return err
		}
		tags, err := parseTagging(o.Tagging)
		if err != nil {
			return err
		}
		m.objects[key] = memObject{body: append([]byte(nil), body...), meta: metaOf(o), etag: etagOf(body), tags: tags}
		return nil
	})
}

// GetObject implements Store.
func (m *Memory) GetObject(ctx context.Context, key string) ([]byte, ObjectMeta, error) {
	var obj memObject
	err := m.run(ctx, OpGetObject, key, func() error {
		var ok bool
		if obj, ok = m.objects[key]; !ok {
			return apiError(CodeNoSuchKey, "The specified key does not exist: "+key)
		}
		return nil
	})
	if err != nil {
		return nil, ObjectMeta{}, err
	}
	return append([]byte(nil), obj.body...), obj.meta, nil
}

// ListObjects implements Store.
func (m *Memory) ListObjects(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	var objects []ObjectInfo
	err := m.run(ctx, OpListObjects, prefix, func() error {
		for key, obj := range m.objects {
			if strings.HasPrefix(key, prefix) {
				objects = append(objects, ObjectInfo{Key: key, Size: int64(len(obj.body))})
			}
		}
		return nil
	})
	sort.Slice(objects, func(i, j int) bool { return objects[i].Key < objects[j].Key })
	return objects, err
}

// CreateBucket implements Store; Memory's bucket always exists.
func (m *Memory) CreateBucket(ctx context.Context) error {
	return m.run(ctx, OpCreateBucket, "", func() error { return nil })
}

func metaOf(o PutOptions) ObjectMeta {
	meta := ObjectMeta{ContentType: o.ContentType, ContentEncoding: o.ContentEncoding, StorageClass: o.StorageClass}
	if meta.ContentType == "" {
		meta.ContentType = "binary/octet-stream" // what S3 reports when none was given
	}
	if meta.StorageClass == "" {
		meta.StorageClass = StandardStorageClass
	}
	return meta
}

func checkKey(key string) error {
	if key == "" {
		return apiError(CodeInvalidArgument, "object key is empty")
	}
	if len(key) > 1024 {
		return apiError("KeyTooLongError", "object key is longer than 1024 bytes")
	}
	return nil
}

// etagOf returns the quoted MD5 hex digest S3 uses as a part's ETag.
func etagOf(body []byte) string {
	sum := md5.Sum(body)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}
