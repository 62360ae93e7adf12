package sqsserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
)

// patience bounds every wait of these tests: a failure bound, not a
// schedule. What is waited for comes within a few seconds on an idle
// machine; a loaded one must not fail the test.
const patience = 2 * time.Minute

// newSDKClient is a client of s built as a product would build one: the
// SDK's own constructor, static credentials, the adapter as base endpoint.
// Message checksum validation stays on.
func newSDKClient(s *Server) *sqs.Client {
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	}
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(s.Endpoint()) })
}

// s3Event is an S3 event notification as S3 posts it to SQS. Message 7's
// is indented with tabs and CRLF line ends and its key holds characters
// that XML must escape, so that the body's MD5 checks the round trip.
func s3Event(i int) string {
	key := fmt.Sprintf("logs/2026-11-22-09-40-%02d-%016X", i, 1000+i)
	if i == 7 {
		key = `odd key/ü 🙂 <&> "q" 'a' ]]>`
	}
	event := map[string]any{"Records": []any{map[string]any{
		"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
		"eventTime": "2026-11-22T09:40:00.000Z", "eventName": "ObjectCreated:Put",
		"s3": map[string]any{
			"bucket": map[string]any{"name": "access-logs", "arn": "arn:aws:s3:::access-logs"},
			"object": map[string]any{"key": key, "size": 1024 + i, "sequencer": fmt.Sprintf("%016X", i)},
		},
	}}}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if i == 7 {
		enc.SetIndent("", "\t")
	}
	enc.Encode(event)
	body := strings.TrimSuffix(buf.String(), "\n")
	if i == 7 {
		body = strings.ReplaceAll(body, "\n", "\r\n")
	}
	return body
}

// receive makes one ReceiveMessage call: up to 10 messages, hidden for
// visibility seconds, waiting up to a second, with every attribute.
func receive(t *testing.T, c *sqs.Client, queueURL string, visibility int32) []types.Message {
	t.Helper()
	out, err := c.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(queueURL),
		MaxNumberOfMessages:         10,
		VisibilityTimeout:           visibility,
		WaitTimeSeconds:             1,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
	})
	if err != nil {
		t.Fatalf("ReceiveMessage: %v", err)
	}
	if len(out.Messages) > 10 {
		t.Fatalf("ReceiveMessage returned %d messages, asked for at most 10", len(out.Messages))
	}
	return out.Messages
}

func attr(m types.Message, name types.MessageSystemAttributeName) string {
	return m.Attributes[string(name)]
}

func receiveCount(t *testing.T, m types.Message) int {
	t.Helper()
	n, err := strconv.Atoi(attr(m, types.MessageSystemAttributeNameApproximateReceiveCount))
	if err != nil {
		t.Fatalf("message %s: ApproximateReceiveCount: %v (attributes %v)", aws.ToString(m.MessageId), err, m.Attributes)
	}
	return n
}

func expectCounts(t *testing.T, s *Server, queueURL string, want Counts) {
	t.Helper()
	got, err := s.Count(queueURL)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("counts = %+v, want %+v", got, want)
	}
}

// A queue's life as discovery sqs will live it: 25 notifications
// received in batches with a visibility timeout, some deleted in a batch,
// some kept hidden longer, the rest coming back when their timeout
// passes, and the queue drained at the end.
func TestVisibilityLifecycle(t *testing.T) {
	ctx := t.Context()
	s := StartForTest(t)
	c := newSDKClient(s)

	// The queue's own timeout is long, so that every reappearance below is
	// the doing of a receive's or a change's timeout.
	created, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  aws.String("notifications"),
		Attributes: map[string]string{string(types.QueueAttributeNameVisibilityTimeout): "600"},
	})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	queueURL := aws.ToString(created.QueueUrl)
	if want := s.Endpoint() + "/" + AccountID + "/notifications"; queueURL != want {
		t.Errorf("queue URL = %s, want %s", queueURL, want)
	}
	found, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("notifications")})
	if err != nil || aws.ToString(found.QueueUrl) != queueURL {
		t.Errorf("GetQueueUrl = %v, %v; want %s", found, err, queueURL)
	}
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(queueURL), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameVisibilityTimeout},
	})
	if err != nil || len(attrs.Attributes) != 1 || attrs.Attributes["VisibilityTimeout"] != "600" {
		t.Fatalf("GetQueueAttributes VisibilityTimeout = %v, %v; want only VisibilityTimeout 600", attrs, err)
	}

	bodies := map[string]string{} // by message id
	sendStart := time.Now()
	for i := range 25 {
		body := s3Event(i)
		out, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String(body)})
		if err != nil {
			t.Fatalf("SendMessage %d: %v", i, err) // includes the SDK's MD5 check of the body sent
		}
		bodies[aws.ToString(out.MessageId)] = body
	}
	sendEnd := time.Now()
	if len(bodies) != 25 {
		t.Fatalf("25 sends gave %d distinct message ids", len(bodies))
	}
	expectCounts(t, s, queueURL, Counts{Visible: 25})

	// Round 1: everything, hidden for 600 s.
	first := map[string]types.Message{}
	deadline := time.Now().Add(patience)
	for len(first) < 25 {
		for _, m := range receive(t, c, queueURL, 600) {
			id := aws.ToString(m.MessageId)
			if _, again := first[id]; again {
				t.Fatalf("message %s received twice within its visibility timeout", id)
			}
			if got, want := aws.ToString(m.Body), bodies[id]; got != want {
				t.Fatalf("message %s body = %q, want %q", id, got, want)
			}
			if n := receiveCount(t, m); n != 1 {
				t.Errorf("message %s: ApproximateReceiveCount = %d on its first receive", id, n)
			}
			sent, err := strconv.ParseInt(attr(m, types.MessageSystemAttributeNameSentTimestamp), 10, 64)
			if err != nil || sent < sendStart.UnixMilli() || sent > sendEnd.UnixMilli() {
				t.Errorf("message %s: SentTimestamp %d (%v), want within the sends [%d, %d]", id, sent, err, sendStart.UnixMilli(), sendEnd.UnixMilli())
			}
			first[id] = m
		}
		if time.Now().After(deadline) {
			t.Fatalf("received %d of 25 messages within %v", len(first), patience)
		}
	}
	expectCounts(t, s, queueURL, Counts{InFlight: 25})

	ids := make([]string, 0, len(first))
	for id := range first {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	deleted, kept, expiring := ids[:10], ids[10:15], ids[15:]

	// Keep five hidden for long, and check a handle that is not in flight
	// fails alone.
	keep := []types.ChangeMessageVisibilityBatchRequestEntry{}
	for i, id := range kept {
		keep = append(keep, types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(fmt.Sprint("keep-", i)), ReceiptHandle: first[id].ReceiptHandle, VisibilityTimeout: 600})
	}
	keep = append(keep, types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String("bogus"), ReceiptHandle: aws.String("no-such-handle"), VisibilityTimeout: 600})
	changed, err := c.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(queueURL), Entries: keep})
	if err != nil {
		t.Fatalf("ChangeMessageVisibilityBatch (keep): %v", err)
	}
	if len(changed.Successful) != 5 || len(changed.Failed) != 1 || aws.ToString(changed.Failed[0].Id) != "bogus" ||
		!changed.Failed[0].SenderFault || aws.ToString(changed.Failed[0].Code) != "MessageNotInflight" {
		t.Fatalf("ChangeMessageVisibilityBatch (keep) = %d successful, failed %s; want 5, and bogus failed with MessageNotInflight", len(changed.Successful), describeFailures(changed.Failed))
	}
	// Let ten come back in a second.
	expire := []types.ChangeMessageVisibilityBatchRequestEntry{}
	for i, id := range expiring {
		expire = append(expire, types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(fmt.Sprint("expire-", i)), ReceiptHandle: first[id].ReceiptHandle, VisibilityTimeout: 1})
	}
	changed, err = c.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(queueURL), Entries: expire})
	if err != nil || len(changed.Successful) != 10 || len(changed.Failed) != 0 {
		t.Fatalf("ChangeMessageVisibilityBatch (expire) = %v, %v; want 10 successful", changed, err)
	}

	// Delete nine in a batch beside a bogus handle, and the tenth alone.
	del := []types.DeleteMessageBatchRequestEntry{}
	for i, id := range deleted[:9] {
		del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint("del-", i)), ReceiptHandle: first[id].ReceiptHandle})
	}
	del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String("bogus"), ReceiptHandle: aws.String("no-such-handle")})
	removed, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(queueURL), Entries: del})
	if err != nil {
		t.Fatalf("DeleteMessageBatch: %v", err)
	}
	if len(removed.Successful) != 9 || len(removed.Failed) != 1 || aws.ToString(removed.Failed[0].Id) != "bogus" ||
		!removed.Failed[0].SenderFault || aws.ToString(removed.Failed[0].Code) != "ReceiptHandleIsInvalid" {
		t.Fatalf("DeleteMessageBatch = %d successful, failed %s; want 9, and bogus failed with ReceiptHandleIsInvalid", len(removed.Successful), describeFailures(removed.Failed))
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: first[deleted[9]].ReceiptHandle}); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
	if got, err := s.Count(queueURL); err != nil || got.Visible+got.InFlight != 15 {
		t.Fatalf("counts after deleting 10 of 25 = %+v, %v; want 15 in all", got, err)
	}

	// Round 2: the ten whose timeout was cut come back, and only they,
	// under new handles; they are hidden for 2 s this time, and five of
	// them are at once hidden for 600 s instead.
	second := map[string]types.Message{} // latest receive
	extendable, returning := expiring[:5], expiring[5:]
	extended := map[string]string{} // receipt handle by message id
	deadline = time.Now().Add(patience)
	for len(second) < len(expiring) || len(extended) < len(extendable) {
		var extend []types.ChangeMessageVisibilityBatchRequestEntry
		var extendIDs []string // message ids of extend's entries
		for _, m := range receive(t, c, queueURL, 2) {
			id := aws.ToString(m.MessageId)
			if !slices.Contains(expiring, id) {
				t.Fatalf("message %s came back though it was deleted or kept hidden", id)
			}
			was := first[id]
			switch {
			case aws.ToString(m.Body) != bodies[id]:
				t.Fatalf("message %s came back with body %q", id, aws.ToString(m.Body))
			case aws.ToString(m.ReceiptHandle) == aws.ToString(was.ReceiptHandle):
				t.Errorf("message %s came back under its old receipt handle", id)
			case receiveCount(t, m) < 2:
				t.Errorf("message %s: ApproximateReceiveCount = %d on its second receive", id, receiveCount(t, m))
			}
			for _, a := range []types.MessageSystemAttributeName{types.MessageSystemAttributeNameSentTimestamp, types.MessageSystemAttributeNameApproximateFirstReceiveTimestamp} {
				if attr(m, a) != attr(was, a) {
					t.Errorf("message %s: %s went from %s to %s", id, a, attr(was, a), attr(m, a))
				}
			}
			second[id] = m
			if slices.Contains(extendable, id) {
				extend = append(extend, types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(len(extend))), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 600})
				extendIDs = append(extendIDs, id)
			}
		}
		if len(extend) > 0 {
			out, err := c.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(queueURL), Entries: extend})
			if err != nil {
				t.Fatalf("ChangeMessageVisibilityBatch (extend): %v", err)
			}
			for _, f := range out.Failed {
				// Only a machine too slow to change a visibility within 2 s
				// of the receive gets here; the message comes back and is
				// extended then.
				if aws.ToString(f.Code) != "MessageNotInflight" {
					t.Fatalf("ChangeMessageVisibilityBatch (extend) failed %s", describeFailures(out.Failed))
				}
			}
			for _, ok := range out.Successful {
				i, _ := strconv.Atoi(aws.ToString(ok.Id))
				extended[extendIDs[i]] = aws.ToString(extend[i].ReceiptHandle)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d messages came back and %d of %d were extended within %v", len(second), len(expiring), len(extended), len(extendable), patience)
		}
	}

	// Round 3: the five not extended come back again, after the receive's
	// 2 s and not the queue's 600 s; the extended ones stay hidden. Now
	// hidden for 600 s, for the final delete.
	third := map[string]types.Message{}
	deadline = time.Now().Add(patience)
	for len(third) < len(returning) {
		for _, m := range receive(t, c, queueURL, 600) {
			id := aws.ToString(m.MessageId)
			if !slices.Contains(returning, id) {
				t.Fatalf("message %s came back though it was deleted or kept hidden (extended: %v)", id, extended[id] != "")
			}
			if _, again := third[id]; again {
				t.Fatalf("message %s received twice within its visibility timeout", id)
			}
			if n, before := receiveCount(t, m), receiveCount(t, second[id]); n <= before {
				t.Errorf("message %s: ApproximateReceiveCount = %d, was %d on an earlier receive", id, n, before)
			}
			third[id] = m
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d messages came back after the receive's visibility timeout within %v (the queue's is 600 s)", len(third), len(returning), patience)
		}
	}

	// Drain, each message under the handle of its receive still in flight.
	var last []types.DeleteMessageBatchRequestEntry
	handles := map[string]string{}
	for _, id := range kept {
		handles[id] = aws.ToString(first[id].ReceiptHandle)
	}
	maps.Copy(handles, extended)
	for _, id := range returning {
		handles[id] = aws.ToString(third[id].ReceiptHandle)
	}
	for _, h := range handles {
		last = append(last, types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint("d", len(last))), ReceiptHandle: aws.String(h)})
	}
	if len(last) != 15 {
		t.Fatalf("%d messages left to delete, want 15", len(last))
	}
	for _, batch := range [][]types.DeleteMessageBatchRequestEntry{last[:10], last[10:]} {
		out, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(queueURL), Entries: batch})
		if err != nil || len(out.Successful) != len(batch) || len(out.Failed) != 0 {
			t.Fatalf("final DeleteMessageBatch = %v, %v; want all %d successful", out, err, len(batch))
		}
	}
	expectCounts(t, s, queueURL, Counts{})
	if got := receive(t, c, queueURL, 600); len(got) != 0 {
		t.Errorf("drained queue returned %d messages", len(got))
	}
}

func describeFailures(failed []types.BatchResultErrorEntry) string {
	var parts []string
	for _, f := range failed {
		parts = append(parts, fmt.Sprintf("%s: %s %s (sender %v)", aws.ToString(f.Id), aws.ToString(f.Code), aws.ToString(f.Message), f.SenderFault))
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// The errors the SDK gets are SQS's: typed, with the legacy codes.
func TestErrors(t *testing.T) {
	ctx := t.Context()
	s := StartForTest(t)
	c := newSDKClient(s)
	queueURL, err := s.CreateQueue("errors")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(queueURL, "stays"); err != nil {
		t.Fatal(err)
	}
	missing := s.Endpoint() + "/" + AccountID + "/missing"

	expect := func(what string, err error, target any, code string) {
		t.Helper()
		var ae smithy.APIError
		switch {
		case err == nil:
			t.Errorf("%s succeeded, want %T", what, target)
		case !errors.As(err, target):
			t.Errorf("%s: %v, want %T", what, err, target)
		case !errors.As(err, &ae) || ae.ErrorCode() != code:
			t.Errorf("%s: error code %q, want %q (%v)", what, ae.ErrorCode(), code, err)
		}
	}
	_, err = c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("missing")})
	expect("GetQueueUrl of a missing queue", err, new(*types.QueueDoesNotExist), "AWS.SimpleQueueService.NonExistentQueue")
	_, err = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(missing)})
	expect("ReceiveMessage from a missing queue", err, new(*types.QueueDoesNotExist), "AWS.SimpleQueueService.NonExistentQueue")
	_, err = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(missing), ReceiptHandle: aws.String("h")})
	expect("DeleteMessage in a missing queue", err, new(*types.QueueDoesNotExist), "AWS.SimpleQueueService.NonExistentQueue")
	_, err = c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(missing), Entries: []types.DeleteMessageBatchRequestEntry{{Id: aws.String("a"), ReceiptHandle: aws.String("h")}}})
	expect("DeleteMessageBatch in a missing queue", err, new(*types.QueueDoesNotExist), "AWS.SimpleQueueService.NonExistentQueue")
	_, err = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: aws.String("no-such-handle")})
	expect("DeleteMessage with a bogus handle", err, new(*types.ReceiptHandleIsInvalid), "ReceiptHandleIsInvalid")
	// goaws would take an empty handle for any visible message.
	_, err = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: aws.String("")})
	expect("DeleteMessage with an empty handle", err, new(*types.ReceiptHandleIsInvalid), "ReceiptHandleIsInvalid")
	_, err = c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(queueURL), ReceiptHandle: aws.String("no-such-handle"), VisibilityTimeout: 5})
	expect("ChangeMessageVisibility with a bogus handle", err, new(*types.MessageNotInflight), "AWS.SimpleQueueService.MessageNotInflight")
	entries := make([]types.DeleteMessageBatchRequestEntry, 11)
	for i := range entries {
		entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String("h")}
	}
	_, err = c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(queueURL), Entries: entries})
	expect("DeleteMessageBatch of 11", err, new(*types.TooManyEntriesInBatchRequest), "AWS.SimpleQueueService.TooManyEntriesInBatchRequest")
	_, err = c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(queueURL), Entries: []types.DeleteMessageBatchRequestEntry{entries[0], entries[0]}})
	expect("DeleteMessageBatch with a repeated id", err, new(*types.BatchEntryIdsNotDistinct), "AWS.SimpleQueueService.BatchEntryIdsNotDistinct")
	_, err = c.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(queueURL), Entries: []types.ChangeMessageVisibilityBatchRequestEntry{}})
	expect("ChangeMessageVisibilityBatch of none", err, new(*types.EmptyBatchRequest), "AWS.SimpleQueueService.EmptyBatchRequest")
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String("nul \x00 byte")})
	expect("SendMessage with a NUL", err, new(*types.InvalidMessageContents), "InvalidMessageContents")
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String("b"),
		MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("String"), StringValue: aws.String("v")}}})
	expect("SendMessage with a message attribute", err, new(*types.UnsupportedOperation), "AWS.SimpleQueueService.UnsupportedOperation")
	_, err = c.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(queueURL)})
	expect("ListQueueTags", err, new(*types.UnsupportedOperation), "AWS.SimpleQueueService.UnsupportedOperation")

	_, err = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 11})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameterValue" || ae.ErrorFault() != smithy.FaultClient {
		t.Errorf("ReceiveMessage of 11: %v, want a client error InvalidParameterValue", err)
	}
	// The message sent at the start survived all of the above.
	expectCounts(t, s, queueURL, Counts{Visible: 1})
}

// The helpers, listing, purging and deleting a queue.
func TestHelpersPurgeAndDeleteQueue(t *testing.T) {
	ctx := t.Context()
	s := StartForTest(t)
	c := newSDKClient(s)
	queueURL, err := s.CreateQueue("helpers")
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.CreateQueue("helpers")
	if err != nil || again != queueURL {
		t.Errorf("second CreateQueue = %s, %v; want the same URL %s", again, err, queueURL)
	}
	for i := range 3 {
		if err := s.Send(queueURL, s3Event(i)); err != nil {
			t.Fatal(err)
		}
	}
	expectCounts(t, s, queueURL, Counts{Visible: 3})
	if got := receive(t, c, queueURL, 600); len(got) < 1 {
		t.Fatal("received nothing from a queue of 3")
	} else {
		expectCounts(t, s, queueURL, Counts{Visible: 3 - len(got), InFlight: len(got)})
	}

	listed, err := c.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("help")})
	if err != nil || !slices.Equal(listed.QueueUrls, []string{queueURL}) {
		t.Errorf("ListQueues = %v, %v; want [%s]", listed, err, queueURL)
	}
	if _, err := c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(queueURL)}); err != nil {
		t.Fatalf("PurgeQueue: %v", err)
	}
	expectCounts(t, s, queueURL, Counts{})

	if _, err := c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(queueURL)}); err != nil {
		t.Fatalf("DeleteQueue: %v", err)
	}
	var gone *types.QueueDoesNotExist
	if _, err := s.Count(queueURL); !errors.As(err, &gone) {
		t.Errorf("Count of a deleted queue: %v, want QueueDoesNotExist", err)
	}
	if _, err := c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(queueURL)}); !errors.As(err, &gone) {
		t.Errorf("DeleteQueue of a deleted queue: %v, want QueueDoesNotExist", err)
	}
}

// A queue URL is found by its path, whatever host it names.
func TestQueueURLByPath(t *testing.T) {
	s := StartForTest(t)
	if _, err := s.CreateQueue("by-path"); err != nil {
		t.Fatal(err)
	}
	if err := s.Send("https://sqs.us-east-1.amazonaws.com/"+AccountID+"/by-path", "x"); err != nil {
		t.Errorf("Send by an AWS-style URL: %v", err)
	}
	var invalid *types.InvalidAddress
	if err := s.Send(s.Endpoint()+"/by-path", "x"); !errors.As(err, &invalid) {
		t.Errorf("Send by a URL without the account: %v, want InvalidAddress", err)
	}
	var gone *types.QueueDoesNotExist
	if err := s.Send(s.Endpoint()+"/999999999999/by-path", "x"); !errors.As(err, &gone) {
		t.Errorf("Send by another account's URL: %v, want QueueDoesNotExist", err)
	}
	expectCounts(t, s, s.Endpoint()+"/"+AccountID+"/by-path", Counts{Visible: 1})
}

func TestCloseReportsDeadServer(t *testing.T) {
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(t.Context(), bin)
	if err != nil {
		t.Fatal(err)
	}
	s.proc.cmd.Process.Kill() // dies behind the Server's back
	<-s.proc.done
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), "exited on its own") {
		t.Errorf("Close of a server whose goaws died: %v, want it reported", err)
	}
	if err := s.Close(); err == nil {
		t.Error("second Close forgot the first one's error")
	}
}

func TestBinaryFromEnvironment(t *testing.T) {
	t.Setenv("GOAWS", "/nonexistent/goaws")
	if _, err := Binary(); err == nil || !strings.Contains(err.Error(), "GOAWS") {
		t.Errorf("Binary with a missing $GOAWS: %v, want an error naming it", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	defer cancel()
	if s, err := Start(ctx, "/nonexistent/goaws"); err == nil {
		s.Close()
		t.Error("Start succeeded without a binary")
	}
}
