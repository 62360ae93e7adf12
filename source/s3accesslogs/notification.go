package s3accesslogs

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// notification is what one SQS message says, whichever way S3's event
// reached the queue.
type notification struct {
	// test is S3's s3:TestEvent, sent when a notification configuration
	// is saved: nothing to read.
	test bool
	// objects are the events' objects, in the message's order.
	objects []notifiedObject
}

// notifiedObject is one event of a notification.
type notifiedObject struct {
	created bool // an ObjectCreated event (Object Created in EventBridge)
	event   string
	bucket  string
	key     string // decoded
	etag    string // unquoted; may be empty
	size    int64
}

// parseNotification reads an SQS message body: an S3 event notification
// ({"Records": [...]}, keys URL-encoded as S3 writes them), the same
// inside an SNS envelope ({"Type": "Notification", "Message": "..."}), or
// an EventBridge event (detail-type "Object Created", keys as they are).
// Anything else is an error that says what the body is not.
func parseNotification(body []byte) (notification, error) {
	var probe struct {
		Records    json.RawMessage `json:"Records"`
		Event      string          `json:"Event"`
		Type       string          `json:"Type"`
		Message    *string         `json:"Message"`
		DetailType string          `json:"detail-type"`
		Source     string          `json:"source"`
		Detail     json.RawMessage `json:"detail"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return notification{}, fmt.Errorf("not JSON: %v", err)
	}
	switch {
	case probe.Records != nil:
		return parseRecords(probe.Records)
	case probe.Event == "s3:TestEvent":
		return notification{test: true}, nil
	case probe.Type == "Notification" && probe.Message != nil:
		n, err := parseNotification([]byte(*probe.Message))
		if err != nil {
			return notification{}, fmt.Errorf("an SNS notification whose Message is %w", err)
		}
		return n, nil
	case probe.Source == "aws.s3" && probe.Detail != nil:
		return parseEventBridge(probe.DetailType, probe.Detail)
	}
	return notification{}, errors.New("JSON, but neither an S3 event notification (Records), an SNS envelope of one, nor an EventBridge event from aws.s3")
}

func parseRecords(raw json.RawMessage) (notification, error) {
	var records []struct {
		EventSource string `json:"eventSource"`
		EventName   string `json:"eventName"`
		S3          *struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object struct {
				Key  string `json:"key"`
				Size int64  `json:"size"`
				ETag string `json:"eTag"`
			} `json:"object"`
		} `json:"s3"`
	}
	if err := json.Unmarshal(raw, &records); err != nil {
		return notification{}, fmt.Errorf("an S3 event notification whose Records do not read: %v", err)
	}
	var n notification
	for i, r := range records {
		if r.S3 == nil || r.S3.Bucket.Name == "" || r.S3.Object.Key == "" {
			return notification{}, fmt.Errorf("an S3 event notification whose record %d has no s3.bucket.name or s3.object.key", i)
		}
		// S3 writes keys as in a URL query: + for a space, %XX for the
		// rest of what is not plain.
		key, err := url.QueryUnescape(r.S3.Object.Key)
		if err != nil {
			return notification{}, fmt.Errorf("an S3 event notification whose record %d has a key that is not URL-encoded (%q): %v", i, r.S3.Object.Key, err)
		}
		n.objects = append(n.objects, notifiedObject{
			created: strings.HasPrefix(r.EventName, "ObjectCreated:"),
			event:   r.EventName,
			bucket:  r.S3.Bucket.Name,
			key:     key,
			etag:    strings.Trim(r.S3.Object.ETag, `"`),
			size:    r.S3.Object.Size,
		})
	}
	return n, nil
}

func parseEventBridge(detailType string, raw json.RawMessage) (notification, error) {
	var d struct {
		Bucket struct {
			Name string `json:"name"`
		} `json:"bucket"`
		Object struct {
			Key  string `json:"key"`
			Size int64  `json:"size"`
			ETag string `json:"etag"`
		} `json:"object"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return notification{}, fmt.Errorf("an EventBridge event whose detail does not read: %v", err)
	}
	if d.Bucket.Name == "" || d.Object.Key == "" {
		return notification{}, errors.New("an EventBridge event from aws.s3 with no detail.bucket.name or detail.object.key")
	}
	return notification{objects: []notifiedObject{{
		created: detailType == "Object Created",
		event:   detailType,
		bucket:  d.Bucket.Name,
		key:     d.Object.Key,
		etag:    strings.Trim(d.Object.ETag, `"`),
		size:    d.Object.Size,
	}}}, nil
}

// logKeyTime reads the key time of a key under prefix in either delivery
// layout: the simple prefixYYYY-mm-DD-HH-MM-SS-UniqueString, or the
// date-based prefix/SourceAccountId/SourceRegion/SourceBucket/YYYY/MM/DD/
// name. ok is false for any other key.
func logKeyTime(prefix, key string) (t time.Time, ok bool) {
	if t, ok := simpleKeyTime(prefix, key); ok {
		return t, true
	}
	if !strings.HasPrefix(key, prefix) {
		return time.Time{}, false
	}
	parts := strings.SplitN(key[len(prefix):], "/", 4)
	if len(parts) < 4 || !isAccount(parts[0]) || parts[1] == "" || parts[2] == "" {
		return time.Time{}, false
	}
	root := prefix + parts[0] + "/" + parts[1] + "/" + parts[2] + "/"
	return datedKeyTime(root, key)
}
