package out_s3append

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/out_s3append/s3api"
)

// serviceChunk is a chunk of n records of one service, with ids from first.
func serviceChunk(service string, first, n int) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		b = format.AppendEvent(b, t0.Add(time.Duration(i)*time.Millisecond), nil, map[string]any{
			"service": service,
			"id":      int64(first + i),
			"log":     fmt.Sprintf("line %d of %s", first+i, service),
		})
	}
	return b
}

// countObjects counts the objects under prefix.
func countObjects(t testing.TB, s3 s3api.Store, prefix string) int {
	t.Helper()
	objs, err := s3.ListObjects(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	return len(objs)
}

// One object whose every request fails must not hold the upload workers:
// while it backs off, the objects of the other services land.
func TestStuckObjectHoldsNoWorker(t *testing.T) {
	s3 := s3api.NewMemory()
	s3.SetFault(func(op, key string) error {
		if strings.Contains(key, "svc=stuck/") {
			return &smithy.GenericAPIError{Code: "InternalError", Message: "injected"}
		}
		return nil
	})
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{
		"s3_key_format":    "/hol/svc=$RECORD['service']/$UUID.json.gz",
		"upload_timeout":   "1s",
		"upload_workers":   "2",
		"shutdown_timeout": "1s", // the stuck object stays buffered anyway
	}), s3)
	if r := in.Flush("app", serviceChunk("stuck", 0, 3)); r != OK {
		t.Fatal(r)
	}
	waitFor(t, "the stuck object to fail twice", func() bool {
		return in.Stats().UploadErrors[s3api.Retryable].Load() >= 2
	})
	for i := 0; i < 10; i++ {
		if r := in.Flush("app", serviceChunk(fmt.Sprintf("ok%d", i), 100+i, 1)); r != OK {
			t.Fatal(r)
		}
	}
	waitFor(t, "the ten other objects to land while one object retries", func() bool {
		return countObjects(t, s3, "hol/") == 10
	})
	if in.Stats().ObjectsFailed.Load() != 0 {
		t.Fatal("the stuck object was given up under upload_retry_limit no_limits")
	}
	in.Close()
	s3.SetFault(nil)
	if n := countObjects(t, s3, "hol/svc=stuck/"); n != 0 {
		t.Fatalf("%d objects of the failing key landed", n)
	}
}

// A key the store refuses for good sends the object's records to the dead
// letters, with the reason, and the output goes on.
func TestRefusedKeyGoesToDeadLetters(t *testing.T) {
	s3 := s3api.NewMemory()
	long := strings.Repeat("x", 300)
	s3.SetFault(func(op, key string) error {
		if strings.Contains(key, "svc="+long) {
			return &smithy.GenericAPIError{Code: "XMinioInvalidObjectName", Message: "Object name contains unsupported characters."}
		}
		return nil
	})
	dir := t.TempDir()
	in, logs := startInstance(t, testConfig(t, dir, map[string]string{
		"s3_key_format":  "/hol/svc=$RECORD['service']/$UUID.json.gz",
		"upload_timeout": "1s",
	}), s3)
	if r := in.Flush("app", serviceChunk(long, 0, 3)); r != OK {
		t.Fatal(r)
	}
	if r := in.Flush("app", serviceChunk("ok", 3, 5)); r != OK {
		t.Fatal(r)
	}
	waitFor(t, "the refused object's records in the dead letters", func() bool {
		return in.Stats().RecordsRejected[RejectKeyRefused].Load() == 3
	})
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, offsetIDs(landed(t, s3, "hol/"), 3), 5)
	dead := deadLetters(t, s3)
	if len(dead) != 3 {
		t.Fatalf("%d dead letters, want 3", len(dead))
	}
	for _, d := range dead {
		if !strings.Contains(d.Reason, "refuses the object key") || !strings.Contains(d.Reason, "XMinioInvalidObjectName") {
			t.Fatalf("dead letter reason %q does not say the key was refused and why", d.Reason)
		}
	}
	if !strings.Contains(logs.String(), "[error]") || !strings.Contains(logs.String(), "dead-letter prefix") {
		t.Fatalf("no error line for the refused key:\n%s", logs.String())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "logs", "objects", "*")); len(left) != 0 {
		t.Fatalf("objects left in the buffer: %v", left)
	}
}

// offsetIDs shifts the ids of every key down by n.
func offsetIDs(byKey map[string][]int64, n int64) map[string][]int64 {
	for k, ids := range byKey {
		for i := range ids {
			ids[i] -= n
		}
		byKey[k] = ids
	}
	return byKey
}

// Many objects sealed during an S3 outage and at exit, while the workers
// are busy: each is finished exactly once (one completing request per
// key), every record lands once, and no error line is written.
func TestManyObjectsFinishOnceAfterOutage(t *testing.T) {
	for _, fmtName := range []string{"json_lines", "parquet"} {
		t.Run(fmtName, func(t *testing.T) {
			const services = 1000
			s3 := s3api.NewMemory()
			var mu sync.Mutex
			down := true
			finished := map[string]int{}
			s3.SetFault(func(op, key string) error {
				mu.Lock()
				defer mu.Unlock()
				if down {
					return &smithy.GenericAPIError{Code: "SlowDown", Message: "injected"}
				}
				return nil
			})
			s3.SetFaultAfter(func(op, key string) error {
				if op == s3api.OpPutObject || op == s3api.OpCompleteMultipartUpload {
					mu.Lock()
					finished[key]++
					mu.Unlock()
				}
				return nil
			})
			backoffBase[s3api.Throttled] = 20 * time.Millisecond
			defer func() { backoffBase[s3api.Throttled] = time.Second }()
			in, logs := startInstance(t, testConfig(t, t.TempDir(), map[string]string{
				"format":         fmtName,
				"s3_key_format":  "/many/svc=$RECORD['service']/$UUID",
				"upload_timeout": "1s",
			}), s3)
			for i := 0; i < services; i++ {
				if r := in.Flush("app", serviceChunk(fmt.Sprintf("s%d", i), i, 1)); r != OK {
					t.Fatal(r)
				}
			}
			waitFor(t, "every object to be sealed and to fail during the outage", func() bool {
				return in.Stats().UploadErrors[s3api.Throttled].Load() >= services
			})
			mu.Lock()
			down = false
			mu.Unlock()
			// More records while the backlog drains: new objects, sealed at exit.
			for i := 0; i < services; i++ {
				if r := in.Flush("app", serviceChunk(fmt.Sprintf("s%d", i), services+i, 1)); r != OK {
					t.Fatal(r)
				}
			}
			if err := in.Close(); err != nil {
				t.Fatal(err)
			}
			s3.SetFault(nil)
			s3.SetFaultAfter(nil)
			if len(finished) < services {
				t.Fatalf("%d objects finished, want at least %d", len(finished), services)
			}
			for key, n := range finished {
				if n != 1 {
					t.Fatalf("object %s was finished %d times", key, n)
				}
			}
			if got := countObjects(t, s3, "many/"); got != len(finished) {
				t.Fatalf("%d objects in the bucket, %d finished", got, len(finished))
			}
			if fmtName == "parquet" {
				n := 0
				for _, rows := range parquetRows(t, s3, "many/") {
					n += len(rows)
				}
				if n != 2*services {
					t.Fatalf("%d rows landed, want %d", n, 2*services)
				}
			}
			if n := in.Stats().RecordsUploaded.Load(); n != 2*services {
				t.Fatalf("%d records uploaded, want %d", n, 2*services)
			}
			if strings.Contains(logs.String(), "[error]") {
				t.Fatalf("error lines after an outage and a clean exit:\n%s", errorLines(logs.String()))
			}
		})
	}
}

func errorLines(log string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "[error]") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// A full buffer answers Retry without opening new objects on disk.
func TestFullBufferOpensNoObjects(t *testing.T) {
	s3 := s3api.NewMemory()
	s3.SetFault(func(op, key string) error { return &smithy.GenericAPIError{Code: "SlowDown"} })
	dir := t.TempDir()
	in, _ := startInstance(t, testConfig(t, dir, map[string]string{
		"s3_key_format":        "/full/svc=$RECORD['service']/$UUID",
		"store_dir_limit_size": "64K",
		"shutdown_timeout":     "0s",
	}), s3)
	defer in.Close()
	full := false
	for i := 0; i < 1000 && !full; i++ {
		full = in.Flush("app", serviceChunk("first", i*100, 100)) == Retry
	}
	if !full {
		t.Fatal("the buffer never filled up")
	}
	before, _ := os.ReadDir(filepath.Join(dir, "logs", "objects"))
	for i := 0; i < 20; i++ {
		if r := in.Flush("app", serviceChunk(fmt.Sprintf("new%d", i), 0, 100)); r != Retry {
			t.Fatalf("flush into a full buffer: %v", r)
		}
	}
	after, _ := os.ReadDir(filepath.Join(dir, "logs", "objects"))
	if len(after) != len(before) {
		t.Fatalf("a full buffer opened %d new objects", len(after)-len(before))
	}
}

// An error only a person can fix (no such bucket) is said loudly, naming
// the option, and retried until it is fixed; nothing is lost meanwhile.
func TestPermanentErrorNamesTheOptionAndIsRetried(t *testing.T) {
	s3 := s3api.NewMemory()
	var mu sync.Mutex
	missing := true
	s3.SetFault(func(op, key string) error {
		mu.Lock()
		defer mu.Unlock()
		if missing {
			return &smithy.GenericAPIError{Code: s3api.CodeNoSuchBucket, Message: "The specified bucket does not exist"}
		}
		return nil
	})
	backoffBase[s3api.Permanent] = 5 * time.Millisecond
	defer func() { backoffBase[s3api.Permanent] = 5 * time.Second }()
	start := time.Now()
	in, logs := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"upload_timeout": "1s"}), s3)
	if r := in.Flush("app", chunk(0, 50, t0, time.Millisecond, 10)); r != OK {
		t.Fatal(r)
	}
	waitFor(t, "repeated attempts", func() bool {
		return in.Stats().UploadErrors[s3api.Permanent].Load() >= 3
	})
	log := logs.String()
	if !strings.Contains(log, "[error]") || !strings.Contains(log, "NoSuchBucket") || !strings.Contains(log, "check the bucket") {
		t.Fatalf("no error line naming the cause and the option:\n%s", log)
	}
	// Said once, then held back per repeatWindow, however often retried.
	if n, most := strings.Count(log, "does not exist at this endpoint"), 1+int(time.Since(start)/repeatWindow); n > most {
		t.Fatalf("the same cause was logged %d times, more than once per %v:\n%s", n, repeatWindow, errorLines(log))
	}
	mu.Lock()
	missing = false
	mu.Unlock()
	in.Close()
	exactlyOnce(t, landed(t, s3, ""), 50)
}
