package s3api

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"testing"
)

func acceptCreateBucketTwice(t *testing.T, a *acceptance) {
	if err := a.s.CreateBucket(a.ctx); err != nil {
		t.Fatalf("second CreateBucket: %v", err)
	}
}

func acceptPutGet(t *testing.T, a *acceptance) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	fmt.Fprintln(w, `{"msg":"hello"}`)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	key := a.key("hello.json.gz")
	o := PutOptions{ContentType: "application/x-ndjson", ContentEncoding: "gzip", StorageClass: StandardStorageClass}
	if err := a.s.PutObject(a.ctx, key, gz.Bytes(), o); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	// The bytes must come back still compressed: nothing may decode them.
	meta := a.expectBody(t, key, gz.Bytes())
	want := ObjectMeta{ContentType: "application/x-ndjson", ContentEncoding: "gzip", StorageClass: StandardStorageClass}
	if meta != want {
		t.Errorf("GetObject meta = %+v, want %+v", meta, want)
	}
}

func acceptPutOverwrites(t *testing.T, a *acceptance) {
	key := a.key("object")
	for i, body := range [][]byte{[]byte("first version"), []byte("second")} {
		if err := a.s.PutObject(a.ctx, key, body, PutOptions{}); err != nil {
			t.Fatalf("PutObject #%d: %v", i+1, err)
		}
	}
	a.expectBody(t, key, []byte("second"))
}

func acceptEmptyObject(t *testing.T, a *acceptance) {
	key := a.key("empty")
	if err := a.s.PutObject(a.ctx, key, nil, PutOptions{}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	a.expectBody(t, key, nil)
}

func acceptGetMissing(t *testing.T, a *acceptance) {
	_, _, err := a.s.GetObject(a.ctx, a.key("missing"))
	expectCode(t, "GetObject of a missing key", err, Permanent, CodeNoSuchKey)
	if !IsNoSuchKey(err) {
		t.Errorf("IsNoSuchKey(%v) = false", err)
	}
}

func acceptListObjectsPages(t *testing.T, a *acceptance) {
	var want []ObjectInfo
	for i := range 5 {
		key := a.key(fmt.Sprintf("list/%02d", i))
		body := pattern(byte(i), 10+i)
		if err := a.s.PutObject(a.ctx, key, body, PutOptions{}); err != nil {
			t.Fatalf("PutObject %s: %v", key, err)
		}
		want = append(want, ObjectInfo{Key: key, Size: int64(len(body))})
	}
	// A sibling whose key shares the prefix string but not the "directory".
	if err := a.s.PutObject(a.ctx, a.key("listed-not"), []byte("x"), PutOptions{}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	got, err := a.s.ListObjects(withPageSize(a.ctx, 2), a.key("list/"))
	if err != nil {
		t.Fatalf("ListObjects: %v", err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ListObjects with 2 per page =\n%v\nwant\n%v", got, want)
	}
	all, err := a.s.ListObjects(a.ctx, a.prefix)
	if err != nil {
		t.Fatalf("ListObjects: %v", err)
	}
	if len(all) != 6 {
		t.Errorf("ListObjects(%q) returned %d objects, want 6: %v", a.prefix, len(all), all)
	}
}

func acceptCanceledContext(t *testing.T, a *acceptance) {
	ctx, cancel := context.WithCancel(a.ctx)
	cancel()
	err := a.s.PutObject(ctx, a.key("never"), []byte("x"), PutOptions{})
	if err == nil {
		t.Fatal("PutObject with a cancelled context succeeded")
	}
	if Classify(err) != Retryable {
		t.Errorf("Classify(%v) = %v, want retryable", err, Classify(err))
	}
	if _, _, err := a.s.GetObject(a.ctx, a.key("never")); !IsNoSuchKey(err) {
		t.Errorf("object written despite the cancelled context: GetObject error %v", err)
	}
}
