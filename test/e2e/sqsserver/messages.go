package sqsserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// The message actions: send, receive, delete, change visibility.

func (a *adapter) sendMessage(ctx context.Context, body []byte) (any, error) {
	var in struct {
		QueueURL                string                     `json:"QueueUrl"`
		MessageBody             *string                    `json:"MessageBody"`
		DelaySeconds            *int32                     `json:"DelaySeconds"`
		MessageAttributes       map[string]json.RawMessage `json:"MessageAttributes"`
		MessageSystemAttributes map[string]json.RawMessage `json:"MessageSystemAttributes"`
		MessageGroupID          string                     `json:"MessageGroupId"`
		MessageDeduplicationID  string                     `json:"MessageDeduplicationId"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := queueName(in.QueueURL)
	if err != nil {
		return nil, err
	}
	switch {
	case len(in.MessageAttributes) > 0 || len(in.MessageSystemAttributes) > 0:
		return nil, clientError("UnsupportedOperation", "message attributes are not supported by this server")
	case in.MessageBody == nil || *in.MessageBody == "":
		return nil, clientError("MissingParameter", "The request must contain the parameter MessageBody.")
	case !validBody(*in.MessageBody):
		return nil, clientError("InvalidMessageContents", "Invalid characters found in the message body; see the allowed list in the SQS documentation.")
	}
	if err := checkRange("DelaySeconds", in.DelaySeconds, 0, maxDelaySeconds); err != nil {
		return nil, err
	}
	form := url.Values{"QueueUrl": {a.goawsQueueURL(name)}, "MessageBody": {*in.MessageBody}}
	if in.DelaySeconds != nil {
		form.Set("DelaySeconds", strconv.Itoa(int(*in.DelaySeconds)))
	}
	if in.MessageGroupID != "" {
		form.Set("MessageGroupId", in.MessageGroupID)
	}
	if in.MessageDeduplicationID != "" {
		form.Set("MessageDeduplicationId", in.MessageDeduplicationID)
	}
	sent := time.Now()
	var out xmlSendMessage
	if err := a.goaws.call(ctx, "SendMessage", form, &out); err != nil {
		return nil, err
	}
	a.ledger.sent(name, out.MessageID, sent)
	return struct {
		MessageID        string `json:"MessageId"`
		MD5OfMessageBody string `json:"MD5OfMessageBody"`
		SequenceNumber   string `json:"SequenceNumber,omitempty"`
	}{out.MessageID, out.MD5OfMessageBody, out.SequenceNumber}, nil
}

// message is a received message as SQS's JSON protocol has it.
type message struct {
	MessageID     string            `json:"MessageId"`
	ReceiptHandle string            `json:"ReceiptHandle"`
	MD5OfBody     string            `json:"MD5OfBody"`
	Body          string            `json:"Body"`
	Attributes    map[string]string `json:"Attributes,omitempty"`
}

func (a *adapter) receiveMessage(ctx context.Context, body []byte) (any, error) {
	var in struct {
		QueueURL                    string   `json:"QueueUrl"`
		MaxNumberOfMessages         *int32   `json:"MaxNumberOfMessages"`
		VisibilityTimeout           *int32   `json:"VisibilityTimeout"`
		WaitTimeSeconds             *int32   `json:"WaitTimeSeconds"`
		AttributeNames              []string `json:"AttributeNames"`
		MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := queueName(in.QueueURL)
	if err != nil {
		return nil, err
	}
	for _, err := range []error{
		checkRange("MaxNumberOfMessages", in.MaxNumberOfMessages, 1, maxReceiveBatch),
		checkRange("WaitTimeSeconds", in.WaitTimeSeconds, 0, maxWaitSeconds),
		checkRange("VisibilityTimeout", in.VisibilityTimeout, 0, maxVisibility),
	} {
		if err != nil {
			return nil, err
		}
	}
	form := url.Values{"QueueUrl": {a.goawsQueueURL(name)}, "MaxNumberOfMessages": {"1"}}
	if in.MaxNumberOfMessages != nil {
		form.Set("MaxNumberOfMessages", strconv.Itoa(int(*in.MaxNumberOfMessages)))
	}
	if in.WaitTimeSeconds != nil {
		form.Set("WaitTimeSeconds", strconv.Itoa(int(*in.WaitTimeSeconds)))
	}
	var out xmlReceiveMessage
	if err := a.goaws.call(ctx, "ReceiveMessage", form, &out); err != nil {
		return nil, err
	}
	received := time.Now()
	// goaws hides what it hands out for the queue's timeout; the receive's
	// own timeout replaces it at once.
	if in.VisibilityTimeout != nil {
		for _, m := range out.Messages {
			if err := a.changeVisibility(ctx, name, m.ReceiptHandle, *in.VisibilityTimeout); err != nil {
				return nil, internalError("applying VisibilityTimeout %d to message %s: %v", *in.VisibilityTimeout, m.MessageID, err)
			}
		}
	}
	names := slices.Concat(in.AttributeNames, in.MessageSystemAttributeNames)
	var res struct {
		Messages []message `json:"Messages,omitempty"`
	}
	for _, m := range out.Messages {
		d := a.ledger.received(name, m.MessageID, m.ReceiptHandle, received)
		attrs := map[string]string{}
		for _, at := range m.Attributes {
			attrs[at.Name] = at.Value
		}
		attrs["ApproximateReceiveCount"] = strconv.Itoa(d.receives)
		attrs["ApproximateFirstReceiveTimestamp"] = strconv.FormatInt(d.firstReceive.UnixMilli(), 10)
		if !d.sent.IsZero() {
			attrs["SentTimestamp"] = strconv.FormatInt(d.sent.UnixMilli(), 10)
		}
		res.Messages = append(res.Messages, message{
			MessageID:     m.MessageID,
			ReceiptHandle: m.ReceiptHandle,
			MD5OfBody:     m.MD5OfBody,
			Body:          m.Body,
			Attributes:    pick(attrs, names),
		})
	}
	return res, nil
}

func (a *adapter) deleteMessage(ctx context.Context, body []byte) (any, error) {
	var in struct {
		QueueURL      string `json:"QueueUrl"`
		ReceiptHandle string `json:"ReceiptHandle"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := queueName(in.QueueURL)
	if err != nil {
		return nil, err
	}
	if in.ReceiptHandle == "" {
		return nil, errReceiptHandle("")
	}
	// goaws answers a missing queue as it does an unknown handle.
	if err := a.requireQueue(ctx, name); err != nil {
		return nil, err
	}
	form := url.Values{"QueueUrl": {a.goawsQueueURL(name)}, "ReceiptHandle": {in.ReceiptHandle}}
	if err := a.goaws.call(ctx, "DeleteMessage", form, nil); err != nil {
		return nil, err
	}
	a.ledger.deleted(in.ReceiptHandle)
	return struct{}{}, nil
}

// batchOutput is the answer to a batch action.
type batchOutput struct {
	Successful []batchSuccess `json:"Successful"`
	Failed     []batchFailure `json:"Failed"`
}

type batchSuccess struct {
	ID string `json:"Id"`
}

type batchFailure struct {
	ID          string `json:"Id"`
	SenderFault bool   `json:"SenderFault"`
	Code        string `json:"Code"`
	Message     string `json:"Message"`
}

func (o *batchOutput) fail(id string, err *apiError) {
	o.Failed = append(o.Failed, batchFailure{ID: id, SenderFault: err.fault == "Sender", Code: err.name, Message: err.message})
}

func (a *adapter) deleteMessageBatch(ctx context.Context, body []byte) (any, error) {
	var in struct {
		QueueURL string `json:"QueueUrl"`
		Entries  []struct {
			ID            string `json:"Id"`
			ReceiptHandle string `json:"ReceiptHandle"`
		} `json:"Entries"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := queueName(in.QueueURL)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = e.ID
	}
	if err := checkBatch(ids); err != nil {
		return nil, err
	}
	// goaws ignores a missing queue here, and reports no failed entry.
	if err := a.requireQueue(ctx, name); err != nil {
		return nil, err
	}
	form := url.Values{"QueueUrl": {a.goawsQueueURL(name)}}
	n := 0
	for _, e := range in.Entries {
		if e.ReceiptHandle == "" {
			continue // would match any visible message in goaws
		}
		n++
		form.Set(fmt.Sprintf("DeleteMessageBatchRequestEntry.%d.Id", n), e.ID)
		form.Set(fmt.Sprintf("DeleteMessageBatchRequestEntry.%d.ReceiptHandle", n), e.ReceiptHandle)
	}
	deleted := map[string]bool{}
	if n > 0 {
		var out xmlDeleteMessageBatch
		if err := a.goaws.call(ctx, "DeleteMessageBatch", form, &out); err != nil {
			return nil, err
		}
		for _, id := range out.Deleted {
			deleted[id] = true
		}
	}
	res := batchOutput{Successful: []batchSuccess{}, Failed: []batchFailure{}}
	for _, e := range in.Entries {
		if deleted[e.ID] {
			res.Successful = append(res.Successful, batchSuccess{ID: e.ID})
			a.ledger.deleted(e.ReceiptHandle)
		} else {
			res.fail(e.ID, errReceiptHandle(e.ReceiptHandle))
		}
	}
	return res, nil
}

func (a *adapter) changeMessageVisibility(ctx context.Context, body []byte) (any, error) {
	var in struct {
		QueueURL          string `json:"QueueUrl"`
		ReceiptHandle     string `json:"ReceiptHandle"`
		VisibilityTimeout *int32 `json:"VisibilityTimeout"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := queueName(in.QueueURL)
	if err != nil {
		return nil, err
	}
	if err := checkVisibilityChange(in.ReceiptHandle, in.VisibilityTimeout); err != nil {
		return nil, err
	}
	if err := a.changeVisibility(ctx, name, in.ReceiptHandle, *in.VisibilityTimeout); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// changeMessageVisibilityBatch makes one goaws call per entry: goaws has
// no batch form of it.
func (a *adapter) changeMessageVisibilityBatch(ctx context.Context, body []byte) (any, error) {
	var in struct {
		QueueURL string `json:"QueueUrl"`
		Entries  []struct {
			ID                string `json:"Id"`
			ReceiptHandle     string `json:"ReceiptHandle"`
			VisibilityTimeout *int32 `json:"VisibilityTimeout"`
		} `json:"Entries"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := queueName(in.QueueURL)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = e.ID
	}
	if err := checkBatch(ids); err != nil {
		return nil, err
	}
	if err := a.requireQueue(ctx, name); err != nil {
		return nil, err
	}
	res := batchOutput{Successful: []batchSuccess{}, Failed: []batchFailure{}}
	for _, e := range in.Entries {
		err := checkVisibilityChange(e.ReceiptHandle, e.VisibilityTimeout)
		if err == nil {
			err = a.changeVisibility(ctx, name, e.ReceiptHandle, *e.VisibilityTimeout)
		}
		if err == nil {
			res.Successful = append(res.Successful, batchSuccess{ID: e.ID})
			continue
		}
		ae, ok := err.(*apiError)
		if !ok || ae.fault != "Sender" {
			return nil, err // goaws failed: the call failed, not the entry
		}
		res.fail(e.ID, ae)
	}
	return res, nil
}

// checkVisibilityChange checks what goaws would fail on badly: an empty
// handle matches any visible message, a missing or too long timeout
// makes its handler panic.
func checkVisibilityChange(handle string, timeout *int32) error {
	if handle == "" {
		return errReceiptHandle("")
	}
	if timeout == nil {
		return clientError("MissingParameter", "The request must contain the parameter VisibilityTimeout.")
	}
	return checkRange("VisibilityTimeout", timeout, 0, maxVisibility)
}

// changeVisibility hides the message received under handle for timeout
// seconds from now (0: makes it visible).
func (a *adapter) changeVisibility(ctx context.Context, queue, handle string, timeout int32) error {
	form := url.Values{
		"QueueUrl":          {a.goawsQueueURL(queue)},
		"ReceiptHandle":     {handle},
		"VisibilityTimeout": {strconv.Itoa(int(timeout))},
	}
	return a.goaws.call(ctx, "ChangeMessageVisibility", form, nil)
}
