package s3api

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/smithy-go"
)

func TestMemoryAcceptance(t *testing.T) {
	RunAcceptance(t, func(*testing.T) Store { return NewMemory() })
}

func TestMemoryFaultBeforeHasNoEffect(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	slowDown := &smithy.GenericAPIError{Code: "SlowDown", Fault: smithy.FaultServer}
	var seen []string
	m.SetFault(func(op, key string) error {
		seen = append(seen, op+" "+key)
		if op == OpPutObject {
			return slowDown
		}
		return nil
	})
	err := m.PutObject(ctx, "k", []byte("v"), PutOptions{})
	if !errors.Is(err, slowDown) || Classify(err) != Throttled {
		t.Fatalf("PutObject error = %v (%v), want the injected SlowDown, throttled", err, Classify(err))
	}
	if _, _, err := m.GetObject(ctx, "k"); !IsNoSuchKey(err) {
		t.Errorf("object stored despite the fault: GetObject error %v", err)
	}
	want := fmt.Sprint([]string{"PutObject k", "GetObject k"})
	if fmt.Sprint(seen) != want {
		t.Errorf("fault saw %v, want %v", seen, want)
	}
	m.SetFault(nil)
	if err := m.PutObject(ctx, "k", []byte("v"), PutOptions{}); err != nil {
		t.Errorf("PutObject after SetFault(nil): %v", err)
	}
}

// A Complete whose reply is lost has happened; its retry must succeed and
// leave the object alone, as on S3.
func TestMemoryLostCompleteReply(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	lost := errors.New("connection reset by peer")
	m.SetFaultAfter(func(op, _ string) error {
		if op == OpCompleteMultipartUpload {
			return lost
		}
		return nil
	})
	id, err := m.CreateMultipartUpload(ctx, "k", PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	etag, err := m.UploadPart(ctx, "k", id, 1, []byte("data"))
	if err != nil {
		t.Fatal(err)
	}
	parts := []Part{{Number: 1, ETag: etag}}
	if err := m.CompleteMultipartUpload(ctx, "k", id, parts); !errors.Is(err, lost) {
		t.Fatalf("Complete error = %v, want the injected one", err)
	}
	m.SetFaultAfter(nil)
	if body, _, err := m.GetObject(ctx, "k"); err != nil || string(body) != "data" {
		t.Fatalf("object after the lost reply = %q, %v; want it complete", body, err)
	}
	if err := m.CompleteMultipartUpload(ctx, "k", id, parts); err != nil {
		t.Errorf("retried Complete with the same parts: %v", err)
	}
	other := []Part{{Number: 1, ETag: `"0123"`}}
	if err := m.CompleteMultipartUpload(ctx, "k", id, other); !IsNoSuchUpload(err) {
		t.Errorf("Complete of a finished upload with other parts: %v, want NoSuchUpload", err)
	}
	if err := m.AbortMultipartUpload(ctx, "k", id); !IsNoSuchUpload(err) {
		t.Errorf("Abort of a finished upload: %v, want NoSuchUpload", err)
	}
}

func TestMemoryCompleteRules(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	id, _ := m.CreateMultipartUpload(ctx, "k", PutOptions{})
	etag, _ := m.UploadPart(ctx, "k", id, 1, []byte("x"))
	p := Part{Number: 1, ETag: etag}
	err := m.CompleteMultipartUpload(ctx, "k", id, nil)
	expectCode(t, "Complete with no parts", err, Permanent, CodeMalformedXML)
	err = m.CompleteMultipartUpload(ctx, "k", id, []Part{p, p})
	expectCode(t, "Complete listing a part twice", err, Permanent, CodeInvalidPartOrder)
	// ETags match with or without S3's quotes.
	if err := m.CompleteMultipartUpload(ctx, "k", id, []Part{{Number: 1, ETag: unquote(etag)}}); err != nil {
		t.Errorf("Complete with an unquoted ETag: %v", err)
	}
	_, err = m.CreateMultipartUpload(ctx, "", PutOptions{})
	expectCode(t, "CreateMultipartUpload of an empty key", err, Permanent, CodeInvalidArgument)
}

func TestMemoryKeepsStorageClass(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	if err := m.PutObject(ctx, "k", nil, PutOptions{StorageClass: "STANDARD_IA"}); err != nil {
		t.Fatal(err)
	}
	if _, meta, _ := m.GetObject(ctx, "k"); meta.StorageClass != "STANDARD_IA" {
		t.Errorf("StorageClass = %q, want STANDARD_IA", meta.StorageClass)
	}
}

func TestMemoryCopiesBodies(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	buf := []byte("original")
	if err := m.PutObject(ctx, "k", buf, PutOptions{}); err != nil {
		t.Fatal(err)
	}
	copy(buf, "OVERWRIT") // the caller reuses its buffer
	got, _, _ := m.GetObject(ctx, "k")
	if string(got) != "original" {
		t.Errorf("stored body = %q after the caller reused its buffer", got)
	}
	got[0] = 'X'
	if again, _, _ := m.GetObject(ctx, "k"); string(again) != "original" {
		t.Errorf("stored body = %q after the reader changed its copy", again)
	}
}

func TestMemoryConcurrentUploads(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			key := fmt.Sprintf("k%02d", i)
			id, err := m.CreateMultipartUpload(ctx, key, PutOptions{})
			if err != nil {
				errs <- err
				return
			}
			etag, err := m.UploadPart(ctx, key, id, 1, []byte(key))
			if err == nil {
				err = m.CompleteMultipartUpload(ctx, key, id, []Part{{Number: 1, ETag: etag}})
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	objects, err := m.ListObjects(ctx, "")
	if err != nil || len(objects) != 16 {
		t.Errorf("ListObjects = %d objects, %v; want 16", len(objects), err)
	}
}

func TestMemoryHonoursCanceledContext(t *testing.T) {
	m := NewMemory()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.ListObjects(ctx, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("ListObjects with a cancelled context: %v", err)
	}
}
