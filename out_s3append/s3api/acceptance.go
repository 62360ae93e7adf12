package s3api

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"
)

// RunAcceptance checks a Store against the contract documented on Store. It
// is run against Memory in this package and against a real S3-compatible
// server in test/e2e/s3server, so both are held to the same behaviour.
// newStore is called once per subtest; its Store must reach a bucket that
// exists (RunAcceptance also calls CreateBucket) and may be shared between
// calls: every subtest works under its own key prefix.
func RunAcceptance(t *testing.T, newStore func(t *testing.T) Store) {
	run := fmt.Sprintf("acceptance-%d/", time.Now().UnixNano())
	for _, c := range acceptanceCases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			s := newStore(t)
			if err := s.CreateBucket(ctx); err != nil {
				t.Fatalf("CreateBucket: %v", err)
			}
			c.run(t, &acceptance{ctx: ctx, s: s, prefix: run + c.name + "/"})
		})
	}
}

// acceptance carries one subtest's store and key prefix.
type acceptance struct {
	ctx    context.Context
	s      Store
	prefix string
}

type acceptanceCase struct {
	name string
	run  func(t *testing.T, a *acceptance)
}

var acceptanceCases = []acceptanceCase{
	{"CreateBucketTwice", acceptCreateBucketTwice},
	{"PutGet", acceptPutGet},
	{"PutOverwrites", acceptPutOverwrites},
	{"EmptyObject", acceptEmptyObject},
	{"GetMissing", acceptGetMissing},
	{"ListObjectsPages", acceptListObjectsPages},
	{"ListPage", acceptListPage},
	{"OpenObject", acceptOpenObject},
	{"DeleteObject", acceptDeleteObject},
	{"ObjectTagging", acceptObjectTagging},
	{"CanceledContext", acceptCanceledContext},
	{"Multipart", acceptMultipart},
	{"SinglePartUpload", acceptSinglePartUpload},
	{"TooSmallPart", acceptTooSmallPart},
	{"WrongETag", acceptWrongETag},
	{"PartNumberRange", acceptPartNumberRange},
	{"ReuploadedPart", acceptReuploadedPart},
	{"Abort", acceptAbort},
	{"UnknownUpload", acceptUnknownUpload},
	{"ListParts", acceptListParts},
	{"ListUploads", acceptListUploads},
	{"CompleteOverwrites", acceptCompleteOverwrites},
	{"ConcurrentUploadsOfOneKey", acceptConcurrentUploadsOfOneKey},
}

func (a *acceptance) key(name string) string { return a.prefix + name }

func (a *acceptance) create(t *testing.T, key string, o PutOptions) string {
	t.Helper()
	id, err := a.s.CreateMultipartUpload(a.ctx, key, o)
	if err != nil {
		t.Fatalf("CreateMultipartUpload %s: %v", key, err)
	}
	if id == "" {
		t.Fatalf("CreateMultipartUpload %s: empty upload ID", key)
	}
	return id
}

func (a *acceptance) part(t *testing.T, key, id string, n int32, body []byte) Part {
	t.Helper()
	etag, err := a.s.UploadPart(a.ctx, key, id, n, body)
	if err != nil {
		t.Fatalf("UploadPart %s #%d: %v", key, n, err)
	}
	if etag == "" {
		t.Fatalf("UploadPart %s #%d: empty ETag", key, n)
	}
	return Part{Number: n, ETag: etag, Size: int64(len(body))}
}

func (a *acceptance) complete(t *testing.T, key, id string, parts ...Part) {
	t.Helper()
	if err := a.s.CompleteMultipartUpload(a.ctx, key, id, parts); err != nil {
		t.Fatalf("CompleteMultipartUpload %s: %v", key, err)
	}
}

// abortLater aborts the upload when the subtest ends, whatever happened.
func (a *acceptance) abortLater(t *testing.T, key, id string) {
	t.Cleanup(func() {
		err := a.s.AbortMultipartUpload(context.Background(), key, id)
		if err != nil && !IsNoSuchUpload(err) {
			t.Errorf("cleanup: AbortMultipartUpload %s: %v", key, err)
		}
	})
}

func (a *acceptance) get(t *testing.T, key string) ([]byte, ObjectMeta) {
	t.Helper()
	body, meta, err := a.s.GetObject(a.ctx, key)
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	return body, meta
}

// expectBody fails unless key holds want; it reports sizes, not megabytes.
func (a *acceptance) expectBody(t *testing.T, key string, want []byte) ObjectMeta {
	t.Helper()
	got, meta := a.get(t, key)
	if !bytes.Equal(got, want) {
		t.Fatalf("GetObject %s: got %d bytes (first difference at %d), want %d bytes",
			key, len(got), firstDifference(got, want), len(want))
	}
	return meta
}

// expectCode fails unless err is an API error with one of codes and
// classifies as class.
func expectCode(t *testing.T, what string, err error, class Class, codes ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %v", what, codes)
	}
	if got := Classify(err); got != class {
		t.Errorf("%s: Classify = %v, want %v (error: %v)", what, got, class, err)
	}
	code := errorCode(err)
	for _, c := range codes {
		if code == c {
			return
		}
	}
	t.Errorf("%s: error code %q, want one of %v (error: %v)", what, code, codes, err)
}

// pattern returns n bytes that differ from any other seed's, so that a
// part written to the wrong place shows up.
func pattern(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i%251)
	}
	return b
}

func firstDifference(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
