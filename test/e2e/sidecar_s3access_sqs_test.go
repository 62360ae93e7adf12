package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/e2e/sqsserver"
)

// s3Notification is the body S3 sends to a queue when key is created in
// bucket (or removed, with event ObjectRemoved:Delete): the documented
// event JSON, key URL-encoded as S3 writes it.
func s3Notification(event, bucket, key string, size int64, etag string) string {
	b, _ := json.Marshal(map[string]any{"Records": []any{map[string]any{
		"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
		"eventTime": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), "eventName": event,
		"userIdentity":      map[string]any{"principalId": "AWS:logging.s3.amazonaws.com"},
		"requestParameters": map[string]any{"sourceIPAddress": "192.0.2.1"},
		"responseElements":  map[string]any{"x-amz-request-id": "R", "x-amz-id-2": "H"},
		"s3": map[string]any{
			"s3SchemaVersion": "1.0", "configurationId": "access-logs",
			"bucket": map[string]any{"name": bucket, "ownerIdentity": map[string]any{"principalId": "O"}, "arn": "arn:aws:s3:::" + bucket},
			"object": map[string]any{"key": url.QueryEscape(key), "size": size, "eTag": etag, "sequencer": "0055AED6DCD90281E5"},
		},
	}}})
	return string(b)
}

// notifyCreated sends S3's notification of key, with its size and ETag as
// the bucket has them.
func notifyCreated(t *testing.T, q *sqsserver.Server, queueURL, bucket string, store s3api.Store, key string) {
	t.Helper()
	res, err := store.ListPage(context.Background(), s3api.ListRequest{Prefix: key})
	if err != nil || len(res.Objects) != 1 {
		t.Fatalf("listing %s: %v %v", key, res.Objects, err)
	}
	o := res.Objects[0]
	if err := q.Send(queueURL, s3Notification("ObjectCreated:Put", bucket, key, o.Size, strings.Trim(o.ETag, `"`))); err != nil {
		t.Fatal(err)
	}
}

// Discovery sqs against a local SQS server: S3 event notifications of 40
// access-log objects (both delivery layouts, some notified twice) reach
// the queue with S3's test event, events of another bucket, a deletion
// and a message that is no notification. The sidecar is killed with
// SIGKILL while it reads; the messages it held come back after their
// visibility timeout to the next run. Every line lands exactly once;
// every message is deleted but the one that is no notification; an
// object in the bucket that no message names is not read; after_read
// delete removes exactly the objects read.
func TestSidecarS3AccessLogsSQS(t *testing.T) {
	q := sqsserver.StartForTest(t)
	queueURL, err := q.CreateQueue("access-logs")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	srcBucket, srcStore := newBucket(t)
	bucket, store := newBucket(t)
	w := newAccessLogWriter(t, srcStore, 23)
	const objects, perObject = 40, 1000
	keys := map[string]string{}
	var sent []string
	for o := 0; o < objects; o++ {
		prefix := "logs/"
		if o%4 == 3 {
			prefix = fmt.Sprintf("logs/123456789012/us-east-1/%s/2024/05/0%d/", srcBucket, 1+o%7)
		}
		key, ids := w.putLines(prefix, perObject)
		keys[key] = ""
		sent = append(sent, ids...)
		notifyCreated(t, q, queueURL, srcBucket, srcStore, key)
		if o%10 == 0 {
			notifyCreated(t, q, queueURL, srcBucket, srcStore, key) // delivered twice
		}
	}
	unnotified, _ := w.putLines("logs/", 10)
	for _, body := range []string{
		`{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-05-01T10:00:00.000Z","Bucket":"` + srcBucket + `","RequestId":"R","HostId":"H"}`,
		s3Notification("ObjectCreated:Put", "another-bucket", "logs/2024-05-01-10-00-00-0000000000000001", 10, "e"),
		s3Notification("ObjectRemoved:Delete", srcBucket, "logs/2024-05-01-10-00-00-00000000000000FF", 0, ""),
		"not a notification",
	} {
		if err := q.Send(queueURL, body); err != nil {
			t.Fatal(err)
		}
	}

	sourceDir := filepath.Join(dir, "source")
	sourceYAML := fmt.Sprintf(`  - type: s3_access_logs
    bucket: %s
    prefix: logs/
    region: %s
    endpoint: %s
    use_path_style: true
    checksum: when_required
    store_dir: %s
    discovery: sqs
    queue_url: %s
    queue_endpoint: %s
    visibility_timeout: 3s
    after_read: delete
    batch_lines: 100
`, srcBucket, server.Region, server.Endpoint, sourceDir, queueURL, q.Endpoint())
	outputs := sidecarOutput("*", bucket, dir, map[string]string{
		"format": "parquet", "compression": "zstd", "parquet_schema": "s3_access_logs",
		"s3_key_format": "/access/$UUID.parquet",
	})
	const src = "s3_access_logs.0"
	p := startSidecar(t, dir, sourceYAML, outputs, src)
	waitFor(t, "some lines taken before the kill", func() bool { return sourceRecords(t, p, src) >= 5000 })
	p.Kill()
	log := p.Log()
	st, _ := readAccessState(t, sourceDir)
	if len(st.Taken) == objects {
		t.Errorf("every object was taken before the kill: the kill tested nothing")
	}

	p = startSidecar(t, dir, sourceYAML, outputs, src)
	waitFor(t, "every object taken", func() bool { return allTaken(t, sourceDir, keys) })
	waitFor(t, "every message deleted but the one that is no notification", func() bool {
		c, err := q.Count(queueURL)
		if err != nil {
			t.Fatal(err)
		}
		return c.Visible+c.InFlight == 1
	})
	stopSidecar(t, p)

	log += p.Log()
	for _, want := range []string{"S3's test event", "names s3://another-bucket/", "is not an S3 event notification"} {
		if !strings.Contains(log, want) {
			t.Errorf("log does not say %q:\n%s", want, tail(log, 40))
		}
	}
	if st, _ := readAccessState(t, sourceDir); len(st.Taken) != objects {
		t.Errorf("%d objects taken, want the %d notified", len(st.Taken), objects)
	}
	left, err := srcStore.ListObjects(context.Background(), "logs/")
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].Key != unnotified {
		var names []string
		for _, o := range left {
			names = append(names, o.Key)
		}
		t.Errorf("source bucket holds %v after after_read delete; want only the object no message named, %s", names, unnotified)
	}

	down := filepath.Join(dir, "landed")
	download(t, store, down)
	got, none := countRequestIDs(t, down, "")
	if none > 0 {
		t.Errorf("%d rows without a request_id", none)
	}
	eachOnce(t, got, sent)
	noOpenUploads(t, store)
}
