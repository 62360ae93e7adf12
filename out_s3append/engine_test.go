package out_s3append

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/tinylib/msgp/msgp"
)

var t0 = time.Date(2026, 11, 22, 9, 59, 0, 0, time.UTC)

func TestRecordsRouteByEventTime(t *testing.T) {
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{
		"s3_key_format": "/logs/$TAG/%Y/%m/%d/%H/$UUID.json.gz",
	}), s3)
	// 240 records, one every 30 s from 09:59: they span 09:xx and 10:xx.
	if r := in.Flush("app.web", chunk(0, 240, t0, 30*time.Second, 10)); r != OK {
		t.Fatalf("flush: %v", r)
	}
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	got := landed(t, s3, "")
	if len(got) != 3 {
		t.Fatalf("want objects for hours 09, 10 and 11, got %v keys", keysOf(got))
	}
	for key := range got {
		if !strings.HasPrefix(key, "logs/app.web/2026/11/22/") || !strings.HasSuffix(key, ".json.gz") {
			t.Fatalf("key %q not as templated", key)
		}
	}
	for _, h := range []string{"/09/", "/10/", "/11/"} {
		found := false
		for key := range got {
			found = found || strings.Contains(key, h)
		}
		if !found {
			t.Fatalf("no object for hour %s: %v", h, keysOf(got))
		}
	}
	exactlyOnce(t, got, 240)
}

func keysOf(m map[string][]int64) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestSmallObjectIsOnePut(t *testing.T) {
	s3 := s3api.NewMemory()
	in, logs := startInstance(t, testConfig(t, t.TempDir(), nil), s3)
	for i := 0; i < 10; i++ {
		if r := in.Flush("app", chunk(i*100, 100, t0, time.Millisecond, 50)); r != OK {
			t.Fatalf("flush %d: %v", i, r)
		}
	}
	in.Close()
	got := landed(t, s3, "")
	if len(got) != 1 {
		t.Fatalf("%d objects, want 1", len(got))
	}
	if n := in.Stats().PartsUploaded.Load(); n != 0 {
		t.Fatalf("a small object went up in %d parts", n)
	}
	if !strings.Contains(logs.String(), "bytes in one PutObject") {
		t.Errorf("the completion line does not say the object went up in one PutObject:\n%s", logs.String())
	}
	for key := range got {
		if !strings.HasPrefix(key, "fluent-bit-logs/app/2026/11/22/") || !strings.HasSuffix(key, ".json.gz") {
			t.Fatalf("default key %q", key)
		}
	}
	exactlyOnce(t, got, 1000)
}

// With compression none the part sizes are predictable: 5 MiB parts while
// the object is open, and the rest as the last part at the end.
func TestLargeObjectGoesUpInParts(t *testing.T) {
	s3 := s3api.NewMemory()
	in, logs := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"compression": "none"}), s3)
	const perChunk, chunks = 2000, 30 // ~ 30 x 2000 x 300 B = 18 MB of JSON
	for i := 0; i < chunks; i++ {
		if r := in.Flush("big", chunk(i*perChunk, perChunk, t0, time.Millisecond, 250)); r != OK {
			t.Fatalf("flush %d: %v", i, r)
		}
	}
	// Parts are uploaded while the object is still open.
	waitFor(t, "parts uploaded before close", func() bool { return in.Stats().PartsUploaded.Load() >= 2 })
	in.Close()
	got := landed(t, s3, "")
	if len(got) != 1 {
		t.Fatalf("%d objects: %v\n%s", len(got), keysOf(got), logs.String())
	}
	uploads, _ := s3.ListMultipartUploads(context.Background(), "")
	if len(uploads) != 0 {
		t.Fatalf("%d multipart uploads left open", len(uploads))
	}
	exactlyOnce(t, got, perChunk*chunks)
}

func TestStoreLimitRetriesAndNeverDrops(t *testing.T) {
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"store_dir_limit_size": "64K", "upload_timeout": "1s"}), s3)
	sent := 0
	retried := 0
	for i := 0; i < 20; i++ {
		c := chunk(sent, 50, t0, time.Millisecond, 200) // ~ 12 KB a chunk
		for in.Flush("app", c) != OK {
			retried++
			waitFor(t, "buffer to drain", func() bool { return in.store.Used() < 32<<10 })
		}
		sent += 50
	}
	if retried == 0 {
		t.Fatal("store_dir_limit_size never caused a retry")
	}
	in.Close()
	exactlyOnce(t, landed(t, s3, ""), sent)
}

func TestRestartUploadsUnderTheSameKey(t *testing.T) {
	dir := t.TempDir()
	s3 := s3api.NewMemory()
	// shutdown_timeout 0: everything stays in the buffer at exit.
	cfg := testConfig(t, dir, map[string]string{"shutdown_timeout": "0s"})
	s3.SetFault(func(op, key string) error { return &smithy.GenericAPIError{Code: "InternalError"} })
	in, _ := startInstance(t, cfg, s3)
	if r := in.Flush("app", chunk(0, 500, t0, time.Millisecond, 20)); r != OK {
		t.Fatal(r)
	}
	key := ""
	for o := range in.all {
		key = o.key
	}
	in.Close()
	s3.SetFault(nil)

	in2, logs := startInstance(t, testConfig(t, dir, nil), s3)
	in2.Close()
	got := landed(t, s3, "")
	if _, ok := got[key]; !ok || len(got) != 1 {
		t.Fatalf("after restart objects %v, want the key fixed before: %s", keysOf(got), key)
	}
	exactlyOnce(t, got, 500)
	if !strings.Contains(logs.String(), "from an earlier run") {
		t.Fatalf("no recovery log line:\n%s", logs.String())
	}
}

func TestConcurrentFlushes(t *testing.T) {
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"s3_key_format": "/$TAG/%H/$UUID"}), s3)
	var wg sync.WaitGroup
	const workers, per, n = 8, 20, 100
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				first := (w*per + i) * n
				if r := in.Flush([]string{"a", "b"}[w%2], chunk(first, n, t0, time.Second, 30)); r != OK {
					t.Errorf("flush: %v", r)
				}
			}
		}(w)
	}
	wg.Wait()
	in.Close()
	exactlyOnce(t, landed(t, s3, ""), workers*per*n)
}

func TestMalformedChunkKeepsGoodRecords(t *testing.T) {
	s3 := s3api.NewMemory()
	in, logs := startInstance(t, testConfig(t, t.TempDir(), nil), s3)
	good := chunk(0, 10, t0, time.Second, 5)
	bad := append(append([]byte{}, good...), 0x92, 0xc1) // an array whose first element is an invalid byte
	if r := in.Flush("app", bad); r != OK {
		t.Fatal(r)
	}
	in.Close()
	exactlyOnce(t, landed(t, s3, ""), 10)
	if !strings.Contains(logs.String(), `tag "app"`) || !strings.Contains(logs.String(), "offset") {
		t.Fatalf("no log line naming the tag and offset:\n%s", logs.String())
	}
	dl := deadLetters(t, s3)
	if len(dl) != 1 || dl[0].Tag != "app" || !bytes.Equal(dl[0].Raw, bad[len(good):]) || !strings.Contains(dl[0].Reason, "offset") {
		t.Fatalf("dead letters %+v, want the chunk's unreadable rest", dl)
	}
}

// Records that cannot be read (not a map) or encoded (no log_key field)
// go to the dead-letter prefix with their raw bytes; the others land.
func TestUnfitRecordsGoToDeadLetters(t *testing.T) {
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"log_key": "log"}), s3)
	var c []byte
	c = format.AppendEvent(c, t0, nil, map[string]any{"log": "kept 1"})
	c = format.AppendEvent(c, t0, nil, map[string]any{"msg": "no log key"})
	c = append(c, notMapEvent()...)
	c = format.AppendEvent(c, t0, nil, map[string]any{"log": "kept 2"})
	if r := in.Flush("app", c); r != OK {
		t.Fatal(r)
	}
	in.Close()
	objs, _ := s3.ListObjects(context.Background(), "fluent-bit-logs/")
	if len(objs) != 1 {
		t.Fatalf("%d objects", len(objs))
	}
	body, meta, _ := s3.GetObject(context.Background(), objs[0].Key)
	if got := string(bytes.Join(decodeLines(t, body, meta.ContentEncoding), []byte("|"))); got != "kept 1|kept 2" {
		t.Fatalf("object lines %q", got)
	}
	dl := deadLetters(t, s3)
	if len(dl) != 2 {
		t.Fatalf("%d dead letters, want 2: %+v", len(dl), dl)
	}
	reasons := dl[0].Reason + " / " + dl[1].Reason
	if !strings.Contains(reasons, "log_key") || !strings.Contains(reasons, "map") {
		t.Fatalf("dead-letter reasons %q", reasons)
	}
	for _, d := range dl {
		if len(d.Raw) == 0 || d.Tag != "app" {
			t.Fatalf("dead letter without its raw record: %+v", d)
		}
	}
	st := in.Stats()
	if u, e, d := st.RecordsRejected[RejectUnreadable].Load(), st.RecordsRejected[RejectUnencodable].Load(), st.DeadLetterRecords.Load(); u != 1 || e != 1 || d != 2 {
		t.Errorf("rejected: %d unreadable, %d unencodable, %d dead letters; want 1, 1, 2", u, e, d)
	}
}

func TestThrottlingAndErrorsStillLandOnce(t *testing.T) {
	s3 := s3api.NewMemory()
	var mu sync.Mutex
	calls := 0
	s3.SetFault(func(op, key string) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		switch calls % 3 {
		case 1:
			return &smithy.GenericAPIError{Code: "SlowDown", Message: "Please reduce your request rate."}
		case 2:
			return &smithy.GenericAPIError{Code: "InternalError"}
		}
		return nil
	})
	// A lost reply after the operation took effect must not duplicate data.
	lost := 0
	s3.SetFaultAfter(func(op, key string) error {
		mu.Lock()
		defer mu.Unlock()
		if op == s3api.OpUploadPart && lost < 2 {
			lost++
			return &smithy.GenericAPIError{Code: "InternalError"}
		}
		return nil
	})
	backoffBase[s3api.Throttled], backoffBase[s3api.Retryable] = time.Millisecond, time.Millisecond
	defer func() { backoffBase[s3api.Throttled], backoffBase[s3api.Retryable] = time.Second, 200*time.Millisecond }()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"compression": "none", "shutdown_timeout": "60s"}), s3)
	for i := 0; i < 20; i++ {
		if r := in.Flush("app", chunk(i*2000, 2000, t0, time.Millisecond, 250)); r != OK {
			t.Fatal(r)
		}
	}
	in.Close()
	s3.SetFault(nil)
	s3.SetFaultAfter(nil)
	exactlyOnce(t, landed(t, s3, ""), 40000)
	if st := in.Stats(); st.UploadErrors[0].Load()+st.UploadErrors[1].Load()+st.UploadErrors[2].Load() == 0 {
		t.Fatal("faults were not seen")
	}
}

func TestUploadTimeoutCompletesWithoutExit(t *testing.T) {
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"upload_timeout": "1s"}), s3)
	defer in.Close()
	if r := in.Flush("app", chunk(0, 10, t0, time.Millisecond, 5)); r != OK {
		t.Fatal(r)
	}
	waitFor(t, "object completed by upload_timeout", func() bool {
		objs, _ := s3.ListObjects(context.Background(), "")
		return len(objs) == 1
	})
	exactlyOnce(t, landed(t, s3, ""), 10)
	// The next record opens a new object.
	if r := in.Flush("app", chunk(10, 1, t0, time.Millisecond, 5)); r != OK {
		t.Fatal(r)
	}
	in.mu.Lock()
	open := len(in.open)
	in.mu.Unlock()
	if open != 1 {
		t.Fatalf("%d open objects after the timeout, want 1 new one", open)
	}
}

func TestUnfinishedUploadIsResumedAtStart(t *testing.T) {
	dir := t.TempDir()
	s3 := s3api.NewMemory()
	cfg := testConfig(t, dir, map[string]string{"compression": "none", "shutdown_timeout": "0s"})
	// Parts go up, then every Complete and Abort fails: the upload stays
	// open, as after a crash.
	s3.SetFault(func(op, key string) error {
		if op == s3api.OpCompleteMultipartUpload || op == s3api.OpAbortMultipartUpload {
			return &smithy.GenericAPIError{Code: "InternalError"}
		}
		return nil
	})
	in, _ := startInstance(t, cfg, s3)
	for i := 0; i < 30; i++ {
		in.Flush("app", chunk(i*2000, 2000, t0, time.Millisecond, 250))
	}
	waitFor(t, "a part", func() bool { return in.Stats().PartsUploaded.Load() >= 1 })
	in.Close()
	ups, _ := s3.ListMultipartUploads(context.Background(), "")
	if len(ups) == 0 {
		t.Fatal("test setup: no multipart upload in progress")
	}
	partsBefore := in.Stats().PartsUploaded.Load()
	s3.SetFault(nil)
	in2, logs := startInstance(t, testConfig(t, dir, map[string]string{"compression": "none"}), s3)
	in2.Close()
	ups, _ = s3.ListMultipartUploads(context.Background(), "")
	if len(ups) != 0 {
		t.Fatalf("%d uploads left after restart", len(ups))
	}
	if !strings.Contains(logs.String(), "resuming multipart upload") {
		t.Fatalf("upload not resumed:\n%s", logs.String())
	}
	// ~18 MB is 3 or 4 parts of 5 MiB: the parts of the first run are kept.
	if after := in2.Stats().PartsUploaded.Load(); partsBefore+after > 4 {
		t.Fatalf("first run uploaded %d parts, the second %d more: parts were redone", partsBefore, after)
	}
	exactlyOnce(t, landed(t, s3, ""), 60000)
	// The recovery is counted, and the second run counts as uploaded only
	// the records of its own parts.
	st := in2.Stats()
	if a, r := st.Recovery[RecoveryObjectAdopted].Load(), st.Recovery[RecoveryUploadResumed].Load(); a != 1 || r != 1 {
		t.Errorf("recovery: %d objects adopted, %d uploads resumed; want 1 and 1", a, r)
	}
	if n := st.RecordsUploaded.Load(); n <= 0 || n >= 60000 {
		t.Errorf("records uploaded by the second run = %d, want those of its own parts only (0 < n < 60000)", n)
	}
	if n := st.ObjectsUploaded.Load(); n != 1 {
		t.Errorf("objects uploaded = %d, want 1", n)
	}
}

// An upload whose CreateMultipartUpload reply was lost is an orphan the
// plugin cannot know by ID; it is found by the object's key and aborted.
func TestOrphanedUploadIsAborted(t *testing.T) {
	s3 := s3api.NewMemory()
	lost := false
	var mu sync.Mutex
	s3.SetFaultAfter(func(op, key string) error {
		mu.Lock()
		defer mu.Unlock()
		if op == s3api.OpCreateMultipartUpload && !lost {
			lost = true
			return &smithy.GenericAPIError{Code: "InternalError"}
		}
		return nil
	})
	backoffBase[s3api.Retryable] = time.Millisecond
	defer func() { backoffBase[s3api.Retryable] = 200 * time.Millisecond }()
	in, logs := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"compression": "none"}), s3)
	for i := 0; i < 30; i++ {
		in.Flush("app", chunk(i*2000, 2000, t0, time.Millisecond, 250))
	}
	in.Close()
	if !lost {
		t.Fatal("test setup: no reply was lost")
	}
	ups, _ := s3.ListMultipartUploads(context.Background(), "")
	if len(ups) != 0 {
		t.Fatalf("%d uploads left open\n%s", len(ups), logs.String())
	}
	if !strings.Contains(logs.String(), "aborted orphaned multipart upload") {
		t.Fatalf("orphan abort not logged:\n%s", logs.String())
	}
	if n := in.Stats().UploadsAborted.Load(); n != 1 {
		t.Errorf("uploads aborted = %d, want the 1 orphan", n)
	}
	exactlyOnce(t, landed(t, s3, ""), 60000)
}

// notMapEvent is [[EventTime, {}], "text"]: a well-framed event whose
// record is not a map.
func notMapEvent() []byte {
	b := msgp.AppendArrayHeader(nil, 2)
	b = msgp.AppendArrayHeader(b, 2)
	b, err := msgp.AppendExtension(b, &eventTime{t0})
	if err != nil {
		panic(err)
	}
	b = msgp.AppendMapHeader(b, 0)
	return msgp.AppendString(b, "a string, not a map")
}

type eventTime struct{ t time.Time }

func (e *eventTime) ExtensionType() int8 { return 0 }
func (e *eventTime) Len() int            { return 8 }
func (e *eventTime) MarshalBinaryTo(b []byte) error {
	binary.BigEndian.PutUint32(b[0:4], uint32(e.t.Unix()))
	binary.BigEndian.PutUint32(b[4:8], uint32(e.t.Nanosecond()))
	return nil
}
func (e *eventTime) UnmarshalBinary(b []byte) error { return nil }

// An upload that cannot complete before shutdown_timeout is aborted at
// exit, not abandoned; its records stay buffered and land after a restart.
func TestShutdownAbortsUnfinishedUpload(t *testing.T) {
	dir := t.TempDir()
	s3 := s3api.NewMemory()
	s3.SetFault(func(op, key string) error {
		if op == s3api.OpCompleteMultipartUpload {
			return &smithy.GenericAPIError{Code: "InternalError"}
		}
		return nil
	})
	in, logs := startInstance(t, testConfig(t, dir, map[string]string{"compression": "none", "shutdown_timeout": "1s"}), s3)
	for i := 0; i < 30; i++ {
		in.Flush("app", chunk(i*2000, 2000, t0, time.Millisecond, 250))
	}
	waitFor(t, "a part", func() bool { return in.Stats().PartsUploaded.Load() >= 1 })
	in.Close()
	ups, _ := s3.ListMultipartUploads(context.Background(), "")
	if len(ups) != 0 {
		t.Fatalf("%d multipart uploads left open at exit\n%s", len(ups), logs.String())
	}
	if objs, _ := s3.ListObjects(context.Background(), ""); len(objs) != 0 {
		t.Fatalf("test setup: the object completed")
	}
	if n := in.Stats().UploadsAborted.Load(); n != 1 {
		t.Errorf("uploads aborted at exit = %d, want 1", n)
	}
	s3.SetFault(nil)
	in2, _ := startInstance(t, testConfig(t, dir, map[string]string{"compression": "none"}), s3)
	in2.Close()
	exactlyOnce(t, landed(t, s3, ""), 60000)
}

// S3 refusing the parts at completion (EntityTooSmall, InvalidPart) is not
// retried forever: the upload is aborted and the object redone.
func TestRejectedCompletionIsRedone(t *testing.T) {
	s3 := s3api.NewMemory()
	var mu sync.Mutex
	rejected := false
	s3.SetFault(func(op, key string) error {
		mu.Lock()
		defer mu.Unlock()
		if op == s3api.OpCompleteMultipartUpload && !rejected {
			rejected = true
			return &smithy.GenericAPIError{Code: "InvalidPart"}
		}
		return nil
	})
	in, logs := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"compression": "none", "shutdown_timeout": "60s"}), s3)
	for i := 0; i < 30; i++ {
		in.Flush("app", chunk(i*2000, 2000, t0, time.Millisecond, 250))
	}
	in.Close()
	if !rejected {
		t.Fatal("test setup: no completion was rejected")
	}
	if !strings.Contains(logs.String(), "aborted multipart upload") {
		t.Fatalf("no abort logged:\n%s", logs.String())
	}
	ups, _ := s3.ListMultipartUploads(context.Background(), "")
	if len(ups) != 0 {
		t.Fatalf("%d uploads left open", len(ups))
	}
	exactlyOnce(t, landed(t, s3, ""), 60000)
}

// total_file_size completes an object once its uploaded size reaches it,
// and the next records open a new object.
func TestTotalFileSizeCompletesObjects(t *testing.T) {
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{
		"compression": "none", "total_file_size": "10M", "upload_chunk_size": "5M"}), s3)
	for i := 0; i < 30; i++ { // ~18 MB of JSON
		if r := in.Flush("app", chunk(i*2000, 2000, t0, time.Millisecond, 250)); r != OK {
			t.Fatal(r)
		}
	}
	in.Close()
	got := landed(t, s3, "")
	if len(got) < 2 {
		t.Fatalf("%d objects for ~18 MB with total_file_size 10M", len(got))
	}
	objs, _ := s3.ListObjects(context.Background(), "")
	for _, o := range objs {
		if o.Size > 10<<20+6<<20 {
			t.Fatalf("object %s is %d bytes, far past total_file_size", o.Key, o.Size)
		}
	}
	exactlyOnce(t, got, 60000)
}

// At the part limit an object is completed and a new one opened.
func TestPartLimitCompletesObjects(t *testing.T) {
	maxParts = 3
	defer func() { maxParts = 10000 }()
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"compression": "none", "total_file_size": "1G"}), s3)
	for i := 0; i < 40; i++ { // ~24 MB: more than one object of 3 parts
		if r := in.Flush("app", chunk(i*2000, 2000, t0, time.Millisecond, 250)); r != OK {
			t.Fatal(r)
		}
	}
	in.Close()
	got := landed(t, s3, "")
	if len(got) < 2 {
		t.Fatalf("%d objects: the part limit did not complete an object", len(got))
	}
	exactlyOnce(t, got, 80000)
}

// sync interval acknowledges without an fsync and fsyncs within
// sync_interval.
func TestSyncInterval(t *testing.T) {
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"sync": "interval", "sync_interval": "100ms"}), s3)
	if r := in.Flush("app", chunk(0, 100, t0, time.Millisecond, 10)); r != OK {
		t.Fatal(r)
	}
	var o *object
	in.mu.Lock()
	for x := range in.all {
		o = x
	}
	in.mu.Unlock()
	if !o.dirty.Load() {
		t.Fatal("flush under sync interval left nothing to fsync")
	}
	waitFor(t, "the interval fsync", func() bool { return !o.dirty.Load() })
	in.Close()
	exactlyOnce(t, landed(t, s3, ""), 100)
}

// Past upload_retry_limit failed attempts an object is given up: moved to
// failed/ with its records, never deleted, and the instance goes on.
func TestUploadRetryLimitMovesObjectToFailed(t *testing.T) {
	dir := t.TempDir()
	s3 := s3api.NewMemory()
	s3.SetFault(func(op, key string) error {
		if op == s3api.OpPutObject {
			return &smithy.GenericAPIError{Code: "InternalError"}
		}
		return nil
	})
	backoffBase[s3api.Retryable] = time.Millisecond
	defer func() { backoffBase[s3api.Retryable] = 200 * time.Millisecond }()
	in, logs := startInstance(t, testConfig(t, dir, map[string]string{"upload_retry_limit": "3", "upload_timeout": "1s"}), s3)
	if r := in.Flush("app", chunk(0, 100, t0, time.Millisecond, 10)); r != OK {
		t.Fatal(r)
	}
	waitFor(t, "the object to be given up", func() bool { return in.Stats().ObjectsFailed.Load() == 1 })
	in.Close()
	failed, err := filepath.Glob(filepath.Join(dir, "logs", "failed", "*", "data.seg"))
	if err != nil || len(failed) != 1 {
		t.Fatalf("failed/ holds %v (%v)", failed, err)
	}
	if !strings.Contains(logs.String(), "given up") || !strings.Contains(logs.String(), "failed/") && !strings.Contains(logs.String(), "failed") {
		t.Fatalf("no log line for the given-up object:\n%s", logs.String())
	}
	if in.store.Used() != 0 {
		t.Fatalf("a failed object still counts %d bytes against the limit", in.store.Used())
	}
}

// A tag that would climb out of its key segment is defused and reported.
func TestHostileTagStaysInItsSegment(t *testing.T) {
	s3 := s3api.NewMemory()
	in, logs := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"s3_key_format": "/logs/$TAG/$TAG[1]/$UUID"}), s3)
	for _, tag := range []string{"../../etc", "a.\x01b", ".."} {
		if r := in.Flush(tag, chunk(0, 1, t0, time.Second, 1)); r != OK {
			t.Fatal(r)
		}
	}
	in.Close()
	objs, _ := s3.ListObjects(context.Background(), "")
	if len(objs) != 3 {
		t.Fatalf("%d objects", len(objs))
	}
	for _, o := range objs {
		segs := strings.Split(o.Key, "/")
		if segs[0] != "logs" || len(segs) != 4 {
			t.Fatalf("key %q left its shape logs/<tag>/<tag part>/<id>", o.Key)
		}
		for _, s := range segs {
			if s == ".." || s == "." || strings.ContainsAny(s, "\x00\x01") {
				t.Fatalf("key %q has segment %q", o.Key, s)
			}
		}
	}
	if !strings.Contains(logs.String(), "replaced by _") {
		t.Fatalf("no log line about the replaced characters:\n%s", logs.String())
	}
}

// A 64-level nested record and a record larger than a part are kept.
func TestDeepAndHugeRecords(t *testing.T) {
	s3 := s3api.NewMemory()
	in, logs := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"compression": "none"}), s3)
	deep := map[string]any{"leaf": "x"}
	for i := 0; i < 64; i++ {
		deep = map[string]any{"n": deep}
	}
	var c []byte
	c = format.AppendEvent(c, t0, nil, map[string]any{"id": int64(0), "deep": deep})
	c = format.AppendEvent(c, t0, nil, map[string]any{"id": int64(1), "log": strings.Repeat("y", 6<<20)})
	if r := in.Flush("app", c); r != OK {
		t.Fatal(r)
	}
	in.Close()
	exactlyOnce(t, landed(t, s3, ""), 2)
	if !strings.Contains(logs.String(), "larger than upload_chunk_size") {
		t.Fatalf("no log line about the huge record:\n%s", logs.String())
	}
	if dl := deadLetters(t, s3); len(dl) != 0 {
		t.Fatalf("dead letters for fit records: %+v", dl)
	}
}

// Invalid UTF-8 is written as U+FFFD, the record kept and the fact logged.
func TestInvalidUTF8IsReplacedAndReported(t *testing.T) {
	s3 := s3api.NewMemory()
	in, logs := startInstance(t, testConfig(t, t.TempDir(), nil), s3)
	c := format.AppendEvent(nil, t0, nil, map[string]any{"id": int64(0), "log": []byte("bad \xff byte")})
	if r := in.Flush("app", c); r != OK {
		t.Fatal(r)
	}
	in.Close()
	exactlyOnce(t, landed(t, s3, ""), 1)
	if !strings.Contains(logs.String(), "invalid UTF-8") {
		t.Fatalf("no log line about invalid UTF-8:\n%s", logs.String())
	}
}

// Chunks Fluent Bit's s3 output left in the same store_dir are reported
// at start with their number; the buffer's own entries are not.
func TestLeftoversOfTheS3OutputAreReported(t *testing.T) {
	dir := t.TempDir()
	stream := filepath.Join(dir, "logs", "2026-11-30T10:00:00")
	if err := os.MkdirAll(stream, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"a.flb", "b.flb"} {
		if err := os.WriteFile(filepath.Join(stream, f), []byte("chunk"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs", "multipart_upload_metadata"), 0o700); err != nil {
		t.Fatal(err)
	}
	in, logs := startInstance(t, testConfig(t, dir, nil), s3api.NewMemory())
	in.Close()
	log := logs.String()
	if !strings.Contains(log, "holds 2 chunks of Fluent Bit's s3 output not yet uploaded (in 2026-11-30T10:00:00, multipart_upload_metadata)") {
		t.Fatalf("no warning about the s3 output's chunks:\n%s", log)
	}
	if strings.Contains(log, "did not make") {
		t.Fatalf("the buffer's own entries were reported as foreign:\n%s", log)
	}
	// A second start, with the buffer's entries in place, says the same.
	in2, logs2 := startInstance(t, testConfig(t, dir, nil), s3api.NewMemory())
	in2.Close()
	if !strings.Contains(logs2.String(), "holds 2 chunks") || strings.Contains(logs2.String(), "did not make") {
		t.Fatalf("second start:\n%s", logs2.String())
	}
}
