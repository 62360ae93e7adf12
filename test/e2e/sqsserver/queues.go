package sqsserver

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The queue actions: create, find, list, delete, purge, attributes.

type queueURLOutput struct {
	QueueURL string `json:"QueueUrl"`
}

func (a *adapter) createQueue(ctx context.Context, body []byte) (any, error) {
	var in struct {
		QueueName  string            `json:"QueueName"`
		Attributes map[string]string `json:"Attributes"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if !validQueueName(in.QueueName) {
		return nil, clientError("InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to %d in length: %q.", maxQueueName, in.QueueName)
	}
	form := url.Values{"QueueName": {in.QueueName}}
	names := make([]string, 0, len(in.Attributes))
	for name := range in.Attributes {
		names = append(names, name)
	}
	slices.Sort(names)
	for i, name := range names {
		form.Set(fmt.Sprintf("Attribute.%d.Name", i+1), name)
		form.Set(fmt.Sprintf("Attribute.%d.Value", i+1), in.Attributes[name])
	}
	var out xmlQueueURL
	if err := a.goaws.call(ctx, "CreateQueue", form, &out); err != nil {
		return nil, err
	}
	return queueURLOutput{QueueURL: a.publicFromGoaws(out.Created)}, nil
}

func (a *adapter) getQueueURL(ctx context.Context, body []byte) (any, error) {
	var in struct {
		QueueName string `json:"QueueName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var out xmlQueueURL
	if err := a.goaws.call(ctx, "GetQueueUrl", url.Values{"QueueName": {in.QueueName}}, &out); err != nil {
		return nil, err
	}
	return queueURLOutput{QueueURL: a.publicFromGoaws(out.Found)}, nil
}

func (a *adapter) listQueues(ctx context.Context, body []byte) (any, error) {
	var in struct {
		QueueNamePrefix string `json:"QueueNamePrefix"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var out xmlListQueues
	if err := a.goaws.call(ctx, "ListQueues", url.Values{"QueueNamePrefix": {in.QueueNamePrefix}}, &out); err != nil {
		return nil, err
	}
	var res struct {
		QueueURLs []string `json:"QueueUrls,omitempty"`
	}
	for _, u := range out.QueueURLs {
		res.QueueURLs = append(res.QueueURLs, a.publicFromGoaws(u))
	}
	slices.Sort(res.QueueURLs) // goaws lists in map order
	return res, nil
}

type queueInput struct {
	QueueURL string `json:"QueueUrl"`
}

func (a *adapter) deleteQueue(ctx context.Context, body []byte) (any, error) {
	var in queueInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := queueName(in.QueueURL)
	if err != nil {
		return nil, err
	}
	// goaws deletes a missing queue without complaint.
	if err := a.requireQueue(ctx, name); err != nil {
		return nil, err
	}
	if err := a.goaws.call(ctx, "DeleteQueue", url.Values{"QueueUrl": {a.goawsQueueURL(name)}}, nil); err != nil {
		return nil, err
	}
	a.ledger.forgetQueue(name)
	return struct{}{}, nil
}

func (a *adapter) purgeQueue(ctx context.Context, body []byte) (any, error) {
	var in queueInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := queueName(in.QueueURL)
	if err != nil {
		return nil, err
	}
	if err := a.goaws.call(ctx, "PurgeQueue", url.Values{"QueueUrl": {a.goawsQueueURL(name)}}, nil); err != nil {
		return nil, err
	}
	a.ledger.forgetQueue(name)
	return struct{}{}, nil
}

// getQueueAttributes asks goaws for every attribute, corrects the visible
// count and answers with the attributes named.
func (a *adapter) getQueueAttributes(ctx context.Context, body []byte) (any, error) {
	var in struct {
		QueueURL       string   `json:"QueueUrl"`
		AttributeNames []string `json:"AttributeNames"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := queueName(in.QueueURL)
	if err != nil {
		return nil, err
	}
	var out xmlQueueAttributes
	if err := a.goaws.call(ctx, "GetQueueAttributes", url.Values{"QueueUrl": {a.goawsQueueURL(name)}}, &out); err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	for _, at := range out.Attributes {
		attrs[at.Name] = at.Value
	}
	// goaws's ApproximateNumberOfMessages is every message of the queue.
	total, err1 := strconv.Atoi(attrs["ApproximateNumberOfMessages"])
	hidden, err2 := strconv.Atoi(attrs["ApproximateNumberOfMessagesNotVisible"])
	if err1 != nil || err2 != nil {
		return nil, internalError("goaws GetQueueAttributes: message counts %q and %q", attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"])
	}
	attrs["ApproximateNumberOfMessages"] = strconv.Itoa(total - hidden)
	// goaws reports an empty redrive policy for a queue without one.
	if strings.Contains(attrs["RedrivePolicy"], `"deadLetterTargetArn":""`) {
		delete(attrs, "RedrivePolicy")
	}
	var res struct {
		Attributes map[string]string `json:"Attributes,omitempty"`
	}
	res.Attributes = pick(attrs, in.AttributeNames)
	return res, nil
}

// pick returns the entries of attrs named in names, all of them if names
// holds "All".
func pick(attrs map[string]string, names []string) map[string]string {
	if slices.Contains(names, "All") {
		return attrs
	}
	picked := map[string]string{}
	for _, n := range names {
		if v, ok := attrs[n]; ok {
			picked[n] = v
		}
	}
	return picked
}
