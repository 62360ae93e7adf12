package s3accesslogs

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// s3Event is an S3 event notification body, as S3 sends it to a queue.
func s3Event(event, bucket, key, etag string, size int64) string {
	rec := map[string]any{
		"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
		"eventTime": "2024-05-01T10:00:00.000Z", "eventName": event,
		"s3": map[string]any{
			"s3SchemaVersion": "1.0", "configurationId": "access-logs",
			"bucket": map[string]any{"name": bucket, "arn": "arn:aws:s3:::" + bucket},
			"object": map[string]any{"key": url.QueryEscape(key), "size": size, "eTag": etag, "sequencer": "0A1B2C"},
		},
	}
	b, _ := json.Marshal(map[string]any{"Records": []any{rec}})
	return string(b)
}

// snsWrapped is body inside an SNS envelope, as a topic delivers it.
func snsWrapped(body string) string {
	b, _ := json.Marshal(map[string]any{"Type": "Notification", "MessageId": "x", "TopicArn": "arn:aws:sns:us-east-1:1:t", "Message": body})
	return string(b)
}

// eventBridge is an EventBridge "Object Created" event for key.
func eventBridge(bucket, key string) string {
	b, _ := json.Marshal(map[string]any{
		"version": "0", "detail-type": "Object Created", "source": "aws.s3",
		"detail": map[string]any{"bucket": map[string]any{"name": bucket}, "object": map[string]any{"key": key, "size": 1, "etag": "e"}},
	})
	return string(b)
}

const testEvent = `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-05-01T10:00:00.000Z","Bucket":"logs","RequestId":"R","HostId":"H"}`

// sqsWorld is a world whose source discovers through q.
func sqsWorld(t *testing.T) (*world, *fakeQueue) {
	w := newWorld(t)
	w.cfg.discovery = discoverSQS
	w.cfg.queueURL = "https://sqs.us-east-1.amazonaws.com/123456789012/access-logs"
	w.cfg.visibility = 300 * time.Millisecond
	w.cfg.dedupe = time.Hour
	return w, newFakeQueue()
}

func (w *world) startSQS(q *fakeQueue) *src {
	w.t.Helper()
	return w.startWith(func(s *src) { s.queue = q })
}

// notify sends S3's notification of key.
func (w *world) notify(q *fakeQueue, key string) string {
	return q.send(s3Event("ObjectCreated:Put", "logs", key, etagOf(w.t, w, key), 10))
}

// waitQueue waits until the messages not deleted are exactly want.
func waitQueue(t *testing.T, w *world, q *fakeQueue, want ...string) {
	t.Helper()
	slices.Sort(want)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		left := q.left()
		slices.Sort(left)
		if slices.Equal(left, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("messages left %v, want %v\nlog:\n%s", left, want, w.log)
		}
	}
}

// Every object notified is read once, whichever way the notification
// came (plain, through SNS, EventBridge) and however often; a message
// about anything else is deleted with a log line, S3's test event too;
// one that is not a notification at all stays on the queue.
func TestSQSReadsEachNotifiedObjectOnce(t *testing.T) {
	w, q := sqsWorld(t)
	lines := genLines(11, 12)
	keys := []string{
		simpleKey("logs/", t0, "A"),
		datedKey("logs/", "123456789012", "us-east-1", "src", t0.Add(time.Second), "B"),
		simpleKey("logs/", t0.Add(2*time.Second), "C"),
	}
	for i, k := range keys {
		w.put(k, lines[i*4:i*4+4]...)
	}
	w.put("logs/not-a-log.txt", "hello")
	w.notify(q, keys[0])
	w.notify(q, keys[0]) // S3 or SQS delivering twice
	q.send(snsWrapped(s3Event("ObjectCreated:CompleteMultipartUpload", "logs", keys[1], etagOf(t, w, keys[1]), 10)))
	q.send(eventBridge("logs", keys[2]))
	q.send(testEvent)
	q.send(s3Event("ObjectCreated:Put", "other-bucket", keys[0], "e", 10))
	q.send(s3Event("ObjectRemoved:Delete", "logs", keys[2], "", 0))
	q.send(s3Event("ObjectCreated:Put", "logs", "logs/not-a-log.txt", "e", 5))
	bad := q.send("this is not JSON")

	s := w.startSQS(q)
	w.waitDone(s, keys...)
	waitQueue(t, w, q, bad)
	w.stop(s)

	expectExactlyOnce(t, w.sink, lines)
	log := w.log.String()
	for _, want := range []string{
		"is S3's test event", "names s3://other-bucket/", "not in bucket logs",
		"s3://logs/logs/not-a-log.txt, which is not named as S3 names access log objects",
		"is not an S3 event notification (not JSON", "left on the queue",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log does not say %q:\n%s", want, log)
		}
	}
	rejects := map[string]int64{}
	reasons, counts := w.stats.Rejects()
	for i, r := range reasons {
		rejects[r] = counts[i]
	}
	if rejects["bad_message"] < 1 || rejects["other_bucket"] != 1 || rejects["not_a_log_key"] != 1 {
		t.Errorf("rejects %v", rejects)
	}
}

// The process dies at every call of the engine; the messages received
// come back after their visibility timeout to a new run, which reads each
// object once and deletes every message.
func TestSQSExactlyOnceAcrossCrashAtEveryStep(t *testing.T) {
	const calls = 12 // 9 batches, 3 forgets
	for _, how := range []crash{crashBefore, crashAfter} {
		for n := range calls {
			t.Run(fmt.Sprintf("%s at call %d", map[crash]string{crashBefore: "before", crashAfter: "after"}[how], n), func(t *testing.T) {
				w, keys, lines, bad := crashWorld(t)
				w.cfg.discovery = discoverSQS
				w.cfg.queueURL = "https://sqs.us-east-1.amazonaws.com/123456789012/access-logs"
				w.cfg.visibility = time.Hour // nothing comes back unless the test says so
				w.cfg.dedupe = 2 * time.Hour
				q := newFakeQueue()
				for _, k := range keys {
					w.notify(q, k)
				}
				w.startSQSCrashing(q, n, how)
				q.expireAll() // the time passes: the messages held come back
				s := w.startSQS(q)
				w.waitDone(s, keys...)
				waitQueue(t, w, q)
				w.stop(s)
				expectExactlyOnce(t, w.sink, lines, bad)
			})
		}
	}
}

// startSQSCrashing is runCrashing for discovery sqs.
func (w *world) startSQSCrashing(q *fakeQueue, n int, how crash) {
	w.t.Helper()
	w.sink.crashAt, w.sink.crashHow = n, how
	w.sink.crashed = make(chan struct{})
	w.sink.calls = 0
	s := w.startWith(func(s *src) {
		s.queue = q
		w.sink.mu.Lock()
		w.sink.onCrash = func() { s.keep.kill() }
		w.sink.mu.Unlock()
	})
	for deadline := time.Now().Add(10 * time.Second); !w.sink.isCrashed(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			w.t.Fatalf("no crash at call %d: %d calls\n%s", n, w.sink.calls, w.log)
		}
	}
	s.Stop(deadlineCtx(w.t))
	w.sink.mu.Lock()
	w.sink.crashAt = -1
	w.sink.crashed = make(chan struct{})
	w.sink.onCrash = nil
	w.sink.mu.Unlock()
}

// A delete that fails leaves the message to come back; the object is
// taken already, so it is not read again and the message goes.
func TestSQSFailedDeleteComesBackAsADuplicate(t *testing.T) {
	w, q := sqsWorld(t)
	w.cfg.visibility = time.Hour
	lines := genLines(12, 5)
	key := simpleKey("logs/", t0, "A")
	w.put(key, lines...)
	id := w.notify(q, key)
	q.mu.Lock()
	q.removeErr = errors.New("service unavailable")
	q.mu.Unlock()
	s := w.startSQS(q)
	w.waitDone(s, key)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(w.log.String(), "deleting 1 message(s)"); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no failed delete logged:\n%s", w.log)
		}
	}
	q.mu.Lock()
	q.removeErr = nil
	q.mu.Unlock()
	q.expireAll()
	waitQueue(t, w, q)
	w.stop(s)
	if got := q.receiveCount(id); got != 2 {
		t.Errorf("message received %d times, want 2 (once, then again after the failed delete)", got)
	}
	expectExactlyOnce(t, w.sink, lines)
}

// While an object is read the message naming it stays hidden: the source
// extends its visibility, so it is received once however long the read.
func TestSQSExtendsVisibilityWhileReading(t *testing.T) {
	w, q := sqsWorld(t)
	w.cfg.visibility = 150 * time.Millisecond // extended every 50ms
	lines := genLines(13, 6)
	key := simpleKey("logs/", t0, "A")
	w.put(key, lines...)
	id := w.notify(q, key)
	release := make(chan struct{})
	w.sink.beforeCommit = func(string) {
		// Hold the first batch until the message has been extended
		// several times over its visibility timeout (or has come back,
		// which the test then reports).
		select {
		case <-release:
		default:
			for q.extendCount() < 5 && q.receiveCount(id) < 2 {
				time.Sleep(time.Millisecond)
			}
			close(release)
		}
	}
	s := w.startSQS(q)
	w.waitDone(s, key)
	waitQueue(t, w, q)
	w.stop(s)
	if got := q.receiveCount(id); got != 1 {
		t.Errorf("message received %d times while its object was read, want 1", got)
	}
	expectExactlyOnce(t, w.sink, lines)
}

// Taken objects are forgotten dedupe_window after they were taken, but
// not before the run itself is that old.
func TestSQSPruneTaken(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	s := &src{cfg: config{dedupe: time.Hour}}
	st := &state{Taken: map[string]takenObject{
		"old":   {At: now.Add(-2 * time.Hour)},
		"fresh": {At: now.Add(-time.Minute)},
		"list":  {}, // taken by discovery list: no At
	}}
	s.started = now.Add(-30 * time.Minute)
	s.pruneTaken(st, now)
	if len(st.Taken) != 3 {
		t.Errorf("a run 30m old pruned: %v", st.Taken)
	}
	s.started = now.Add(-2 * time.Hour)
	s.pruneTaken(st, now)
	if _, ok := st.Taken["fresh"]; len(st.Taken) != 1 || !ok {
		t.Errorf("after pruning %v, want fresh only", st.Taken)
	}
}

func TestParseNotification(t *testing.T) {
	key := "logs/2024-05-01-10-00-00-ABC DEF+1"
	for _, c := range []struct {
		name, body string
		test       bool
		want       []notifiedObject
		err        string
	}{
		{name: "S3", body: s3Event("ObjectCreated:Put", "b", key, `"e1"`, 7),
			want: []notifiedObject{{created: true, event: "ObjectCreated:Put", bucket: "b", key: key, etag: "e1", size: 7}}},
		{name: "SNS", body: snsWrapped(s3Event("ObjectRemoved:Delete", "b", key, "", 0)),
			want: []notifiedObject{{event: "ObjectRemoved:Delete", bucket: "b", key: key}}},
		{name: "EventBridge", body: eventBridge("b", key),
			want: []notifiedObject{{created: true, event: "Object Created", bucket: "b", key: key, etag: "e", size: 1}}},
		{name: "test event", body: testEvent, test: true},
		{name: "not JSON", body: "{", err: "not JSON"},
		{name: "other JSON", body: `{"hello":1}`, err: "neither an S3 event notification"},
		{name: "record without key", body: `{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{}}}]}`, err: "record 0 has no"},
		{name: "bad escape", body: `{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"a%zz"}}}]}`, err: "not URL-encoded"},
		{name: "SNS of junk", body: snsWrapped("junk"), err: "an SNS notification whose Message is not JSON"},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, err := parseNotification([]byte(c.body))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one saying %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.test != c.test || !slices.Equal(n.objects, c.want) {
				t.Errorf("got %+v, want test=%v %+v", n, c.test, c.want)
			}
		})
	}
}

func TestLogKeyTime(t *testing.T) {
	want := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for key, ok := range map[string]bool{
		"logs/2024-05-01-10-00-00-ABC":                                       true,
		"logs/123456789012/us-east-1/src/2024/05/01/2024-05-01-10-00-00-ABC": true,
		"logs/12345678901/us-east-1/src/2024/05/01/2024-05-01-10-00-00-ABC":  false, // 11-digit account
		"logs/123456789012/us-east-1/src/2024-05-01-10-00-00-ABC":            false, // no date folders
		"other/2024-05-01-10-00-00-ABC":                                      false,
		"logs/x/2024-05-01-10-00-00-ABC":                                     false,
	} {
		got, gotOK := logKeyTime("logs/", key)
		if gotOK != ok || (ok && !got.Equal(want)) {
			t.Errorf("%s: %v %v, want ok=%v", key, got, gotOK, ok)
		}
	}
}

// Whatever the body, parseNotification answers without panicking, and
// every object it returns names a bucket and a key.
func FuzzNotification(f *testing.F) {
	f.Add(s3Event("ObjectCreated:Put", "b", "logs/2024-05-01-10-00-00-A", "e", 1))
	f.Add(snsWrapped(s3Event("ObjectCreated:Put", "b", "k", "e", 1)))
	f.Add(eventBridge("b", "k"))
	f.Add(testEvent)
	f.Add(`{"Type":"Notification","Message":"{\"Type\":\"Notification\",\"Message\":\"{}\"}"}`)
	f.Fuzz(func(t *testing.T, body string) {
		n, err := parseNotification([]byte(body))
		if err != nil {
			return
		}
		for _, o := range n.objects {
			if o.bucket == "" || o.key == "" {
				t.Errorf("object without bucket or key: %+v", o)
			}
		}
	})
}
