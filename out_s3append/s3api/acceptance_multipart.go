package s3api

import (
	"fmt"
	"testing"
)

func acceptMultipart(t *testing.T, a *acceptance) {
	key := a.key("big.json.zst")
	o := PutOptions{ContentType: "application/x-ndjson", ContentEncoding: "zstd"}
	id := a.create(t, key, o)
	a.abortLater(t, key, id)
	bodies := [][]byte{pattern(1, MinPartSize), pattern(2, MinPartSize), pattern(3, 1234)}
	var parts []Part
	for i, b := range bodies {
		parts = append(parts, a.part(t, key, id, int32(i+1), b))
	}
	// Listed backwards: the Store sorts parts by number.
	a.complete(t, key, id, parts[2], parts[1], parts[0])

	meta := a.expectBody(t, key, concat(bodies...))
	if meta.ContentType != o.ContentType || meta.ContentEncoding != o.ContentEncoding {
		t.Errorf("GetObject meta = %+v, want the attributes given at CreateMultipartUpload %+v", meta, o)
	}
	objects, err := a.s.ListObjects(a.ctx, key)
	if err != nil {
		t.Fatalf("ListObjects: %v", err)
	}
	if want := int64(2*MinPartSize + 1234); len(objects) != 1 || objects[0].Size != want {
		t.Errorf("ListObjects(%q) = %v, want one object of %d bytes", key, objects, want)
	}
	uploads, err := a.s.ListMultipartUploads(a.ctx, a.prefix)
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if len(uploads) != 0 {
		t.Errorf("completed upload still listed: %v", uploads)
	}
	_, err = a.s.UploadPart(a.ctx, key, id, 4, []byte("late"))
	expectCode(t, "UploadPart after Complete", err, Permanent, CodeNoSuchUpload)
	// A retried Complete (its first reply lost) either succeeds or says
	// NoSuchUpload; the object stays as it was.
	if err := a.s.CompleteMultipartUpload(a.ctx, key, id, parts); err != nil {
		expectCode(t, "second CompleteMultipartUpload", err, Permanent, CodeNoSuchUpload)
	}
	a.expectBody(t, key, concat(bodies...))
}

func acceptSinglePartUpload(t *testing.T, a *acceptance) {
	key := a.key("small")
	id := a.create(t, key, PutOptions{})
	a.abortLater(t, key, id)
	a.complete(t, key, id, a.part(t, key, id, 1, []byte("only part, any size")))
	a.expectBody(t, key, []byte("only part, any size"))
}

func acceptTooSmallPart(t *testing.T, a *acceptance) {
	key := a.key("too-small")
	id := a.create(t, key, PutOptions{})
	a.abortLater(t, key, id)
	p1 := a.part(t, key, id, 1, pattern(1, 1024))
	p2 := a.part(t, key, id, 2, pattern(2, 1024))
	err := a.s.CompleteMultipartUpload(a.ctx, key, id, []Part{p1, p2})
	expectCode(t, "Complete with a 1 KiB first part", err, Permanent, CodeEntityTooSmall)
	if IsNoSuchUpload(err) {
		t.Errorf("IsNoSuchUpload(%v) = true", err)
	}
	// The upload survives the refusal, so it can still be aborted.
	if err := a.s.AbortMultipartUpload(a.ctx, key, id); err != nil {
		t.Errorf("AbortMultipartUpload after EntityTooSmall: %v", err)
	}
}

func acceptWrongETag(t *testing.T, a *acceptance) {
	key := a.key("wrong-etag")
	id := a.create(t, key, PutOptions{})
	a.abortLater(t, key, id)
	p := a.part(t, key, id, 1, []byte("part one"))
	bad := Part{Number: 1, ETag: `"00000000000000000000000000000000"`}
	err := a.s.CompleteMultipartUpload(a.ctx, key, id, []Part{bad})
	expectCode(t, "Complete with a wrong ETag", err, Permanent, CodeInvalidPart)
	missing := Part{Number: 2, ETag: p.ETag}
	err = a.s.CompleteMultipartUpload(a.ctx, key, id, []Part{missing})
	expectCode(t, "Complete with a part never uploaded", err, Permanent, CodeInvalidPart)
	a.complete(t, key, id, p) // the failed attempts left the upload usable
	a.expectBody(t, key, []byte("part one"))
}

func acceptPartNumberRange(t *testing.T, a *acceptance) {
	key := a.key("numbers")
	id := a.create(t, key, PutOptions{})
	a.abortLater(t, key, id)
	for _, n := range []int32{0, MaxPartNumber + 1} {
		_, err := a.s.UploadPart(a.ctx, key, id, n, []byte("x"))
		expectCode(t, fmt.Sprintf("UploadPart #%d", n), err, Permanent, CodeInvalidArgument)
	}
	a.part(t, key, id, MaxPartNumber, []byte("the last number is allowed"))
}

func acceptReuploadedPart(t *testing.T, a *acceptance) {
	key := a.key("reupload")
	id := a.create(t, key, PutOptions{})
	a.abortLater(t, key, id)
	a.part(t, key, id, 1, pattern(1, MinPartSize))
	first := a.part(t, key, id, 1, pattern(9, MinPartSize))
	last := a.part(t, key, id, 2, []byte("tail"))
	a.complete(t, key, id, first, last)
	a.expectBody(t, key, concat(pattern(9, MinPartSize), []byte("tail")))
}

func acceptAbort(t *testing.T, a *acceptance) {
	key := a.key("aborted")
	id := a.create(t, key, PutOptions{})
	p := a.part(t, key, id, 1, []byte("discarded"))
	if err := a.s.AbortMultipartUpload(a.ctx, key, id); err != nil {
		t.Fatalf("AbortMultipartUpload: %v", err)
	}
	uploads, err := a.s.ListMultipartUploads(a.ctx, a.prefix)
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if len(uploads) != 0 {
		t.Errorf("aborted upload still listed: %v", uploads)
	}
	_, err = a.s.UploadPart(a.ctx, key, id, 2, []byte("late"))
	expectCode(t, "UploadPart after Abort", err, Permanent, CodeNoSuchUpload)
	_, err = a.s.ListParts(a.ctx, key, id)
	expectCode(t, "ListParts after Abort", err, Permanent, CodeNoSuchUpload)
	err = a.s.CompleteMultipartUpload(a.ctx, key, id, []Part{p})
	expectCode(t, "Complete after Abort", err, Permanent, CodeNoSuchUpload)
	if _, _, err := a.s.GetObject(a.ctx, key); !IsNoSuchKey(err) {
		t.Errorf("GetObject after Abort: error %v, want NoSuchKey", err)
	}
}

func acceptUnknownUpload(t *testing.T, a *acceptance) {
	key := a.key("unknown")
	// A well-formed ID that the service never issued: take a real one and
	// abort it.
	id := a.create(t, key, PutOptions{})
	if err := a.s.AbortMultipartUpload(a.ctx, key, id); err != nil {
		t.Fatalf("AbortMultipartUpload: %v", err)
	}
	err := a.s.AbortMultipartUpload(a.ctx, key, id)
	expectCode(t, "second AbortMultipartUpload", err, Permanent, CodeNoSuchUpload)
	if !IsNoSuchUpload(err) {
		t.Errorf("IsNoSuchUpload(%v) = false", err)
	}
	other := a.key("other")
	otherID := a.create(t, other, PutOptions{})
	a.abortLater(t, other, otherID)
	_, err = a.s.UploadPart(a.ctx, key, otherID, 1, []byte("x"))
	expectCode(t, "UploadPart naming another key's upload", err, Permanent, CodeNoSuchUpload)
}

func acceptListParts(t *testing.T, a *acceptance) {
	key := a.key("parts")
	id := a.create(t, key, PutOptions{})
	a.abortLater(t, key, id)
	want := make([]Part, 3)
	for _, n := range []int32{3, 1, 2} {
		want[n-1] = a.part(t, key, id, n, pattern(byte(n), 100*int(n)))
	}
	got, err := a.s.ListParts(withPageSize(a.ctx, 2), key, id)
	if err != nil {
		t.Fatalf("ListParts: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("ListParts with 2 per page = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].Number != want[i].Number || got[i].Size != want[i].Size ||
			unquote(got[i].ETag) != unquote(want[i].ETag) {
			t.Errorf("ListParts[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func acceptListUploads(t *testing.T, a *acceptance) {
	keys := []string{a.key("a/x"), a.key("a/x"), a.key("a/y"), a.key("b/z")}
	ids := make([]string, len(keys))
	for i, key := range keys {
		ids[i] = a.create(t, key, PutOptions{})
		a.abortLater(t, key, ids[i])
	}
	got, err := a.s.ListMultipartUploads(withPageSize(a.ctx, 2), a.key("a/"))
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if len(got) != 3 {
		t.Fatalf("ListMultipartUploads(%q) with 2 per page = %v, want the 3 uploads under it", a.key("a/"), got)
	}
	seen := map[string]bool{}
	for i, u := range got {
		if i > 0 && u.Key < got[i-1].Key {
			t.Errorf("uploads not ordered by key: %v", got)
		}
		if u.Initiated.IsZero() {
			t.Errorf("upload %s has no initiation time", u.UploadID)
		}
		seen[u.Key+" "+u.UploadID] = true
	}
	for i := range 3 {
		if !seen[keys[i]+" "+ids[i]] {
			t.Errorf("upload %s of %s missing from %v", ids[i], keys[i], got)
		}
	}
	all, err := a.s.ListMultipartUploads(a.ctx, a.prefix)
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if len(all) != 4 {
		t.Errorf("ListMultipartUploads(%q) = %v, want 4 uploads", a.prefix, all)
	}
}

func acceptCompleteOverwrites(t *testing.T, a *acceptance) {
	key := a.key("overwritten")
	if err := a.s.PutObject(a.ctx, key, []byte("put first"), PutOptions{}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	for i, body := range [][]byte{[]byte("first upload"), []byte("second upload")} {
		id := a.create(t, key, PutOptions{ContentType: fmt.Sprintf("text/v%d", i+1)})
		a.abortLater(t, key, id)
		a.complete(t, key, id, a.part(t, key, id, 1, body))
	}
	meta := a.expectBody(t, key, []byte("second upload"))
	if meta.ContentType != "text/v2" {
		t.Errorf("ContentType = %q, want the second upload's text/v2", meta.ContentType)
	}
}

// Two uploads of the same key are independent: the engine may restart an
// object while an older upload of it is still open.
func acceptConcurrentUploadsOfOneKey(t *testing.T, a *acceptance) {
	key := a.key("twice")
	old := a.create(t, key, PutOptions{})
	a.abortLater(t, key, old)
	a.part(t, key, old, 1, []byte("old"))
	fresh := a.create(t, key, PutOptions{})
	a.abortLater(t, key, fresh)
	a.complete(t, key, fresh, a.part(t, key, fresh, 1, []byte("fresh")))
	parts, err := a.s.ListParts(a.ctx, key, old)
	if err != nil {
		t.Fatalf("ListParts of the older upload: %v", err)
	}
	if len(parts) != 1 || parts[0].Size != 3 {
		t.Errorf("older upload's parts = %v, want one 3-byte part", parts)
	}
	if err := a.s.AbortMultipartUpload(a.ctx, key, old); err != nil {
		t.Fatalf("AbortMultipartUpload of the older upload: %v", err)
	}
	a.expectBody(t, key, []byte("fresh"))
}
