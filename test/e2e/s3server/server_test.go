package s3server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
)

func storeFor(t *testing.T, s *Server, bucket string) *s3api.AWSStore {
	t.Helper()
	store, err := s.Store(bucket)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateBucket(context.Background()); err != nil {
		t.Fatalf("CreateBucket %s: %v", bucket, err)
	}
	return store
}

// The same contract the in-memory fake passes, against a real server, with
// the client set up as the plugin is for S3-compatible services.
func TestAcceptance(t *testing.T) {
	s := StartForTest(t)
	store := storeFor(t, s, "acceptance")
	s3api.RunAcceptance(t, func(*testing.T) s3api.Store { return store })
}

// versitygw also takes the SDK's default flexible checksums (CRC32 on
// every upload), so checksum_mode can be left at its default with it.
func TestAcceptanceWithSDKChecksums(t *testing.T) {
	s := StartForTest(t)
	store, err := s3api.NewAWS(context.Background(), s3api.AWSConfig{
		Bucket: "checksums", Region: s.Region, Endpoint: s.Endpoint, UsePathStyle: true,
		AccessKey: s.AccessKey, SecretKey: s.SecretKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	s3api.RunAcceptance(t, func(*testing.T) s3api.Store { return store })
}

func TestRestartKeepsObjectsAndAddress(t *testing.T) {
	ctx := context.Background()
	s := StartForTest(t)
	store := storeFor(t, s, "restart")
	if err := store.PutObject(ctx, "kept", []byte("before the outage"), s3api.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	id, err := store.CreateMultipartUpload(ctx, "open", s3api.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	err = store.PutObject(ctx, "lost", []byte("x"), s3api.PutOptions{})
	if err == nil || s3api.Classify(err) != s3api.Retryable {
		t.Fatalf("PutObject while stopped: %v (%v), want a retryable error", err, s3api.Classify(err))
	}
	endpoint := s.Endpoint
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if s.Endpoint != endpoint {
		t.Errorf("endpoint moved from %s to %s", endpoint, s.Endpoint)
	}
	body, _, err := store.GetObject(ctx, "kept")
	if err != nil || string(body) != "before the outage" {
		t.Errorf("object after restart = %q, %v", body, err)
	}
	uploads, err := store.ListMultipartUploads(ctx, "")
	if err != nil || len(uploads) != 1 || uploads[0].UploadID != id {
		t.Errorf("uploads after restart = %v, %v; want the open upload %s", uploads, err, id)
	}
}

func TestFreezeMakesRequestsTimeOut(t *testing.T) {
	ctx := context.Background()
	s := StartForTest(t)
	storeFor(t, s, "frozen")
	impatient, err := s3api.NewAWS(ctx, s3api.AWSConfig{
		Bucket: "frozen", Region: s.Region, Endpoint: s.Endpoint, UsePathStyle: true, ChecksumWhenRequired: true,
		AccessKey: s.AccessKey, SecretKey: s.SecretKey, HTTPTimeout: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Freeze(); err != nil {
		t.Fatalf("Freeze: %v", err)
	}
	err = impatient.PutObject(ctx, "k", []byte("v"), s3api.PutOptions{})
	if err == nil || s3api.Classify(err) != s3api.Retryable {
		t.Errorf("PutObject to a frozen server: %v (%v), want a retryable timeout", err, s3api.Classify(err))
	}
	if err := s.Thaw(); err != nil {
		t.Fatalf("Thaw: %v", err)
	}
	if err := impatient.PutObject(ctx, "k", []byte("v"), s3api.PutOptions{}); err != nil {
		t.Errorf("PutObject after Thaw: %v", err)
	}
}

func TestStopTwiceAndDeadServer(t *testing.T) {
	s, err := Start(t.TempDir() + "/s3")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if err := s.Freeze(); err == nil {
		t.Error("Freeze of a stopped server succeeded")
	}
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart after Stop: %v", err)
	}
	s.proc.cmd.Process.Kill() // dies behind the Server's back
	<-s.proc.done
	if err := s.Stop(); err == nil || !strings.Contains(err.Error(), "exited on its own") {
		t.Errorf("Stop of a server that died: %v, want it reported", err)
	}
}

func TestBinaryFromEnvironment(t *testing.T) {
	t.Setenv("VERSITYGW", "/nonexistent/versitygw")
	if _, err := Binary(); err == nil || !strings.Contains(err.Error(), "VERSITYGW") {
		t.Errorf("Binary with a missing $VERSITYGW: %v, want an error naming it", err)
	}
	if _, err := Start(t.TempDir()); err == nil {
		t.Error("Start succeeded without a binary")
	}
}
