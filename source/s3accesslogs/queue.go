package s3accesslogs

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/s3append/s3append/out_s3append/s3api"
)

// queue is the part of SQS that discovery sqs uses. Its contract:
//   - receive waits at most wait for up to max messages and hides each
//     from other receivers for visibility; a message not deleted in time
//     comes back, under a new handle.
//   - extend hides the messages of handles for visibility from now on.
//   - remove deletes the messages of handles for good.
//
// extend and remove report per handle: failed maps a handle to why; an
// error is a failure of the whole call.
type queue interface {
	receive(ctx context.Context, max int, visibility, wait time.Duration) ([]queueMessage, error)
	extend(ctx context.Context, handles []string, visibility time.Duration) (failed map[string]string, err error)
	remove(ctx context.Context, handles []string) (failed map[string]string, err error)
}

// queueMessage is a message received.
type queueMessage struct {
	id     string
	handle string // the receipt handle of this receive
	body   string
}

// sqsBatch is SQS's limit of entries per batch call and of messages per
// receive.
const sqsBatch = 10

// sqsQueue is queue on Amazon SQS (or a service that speaks its API).
type sqsQueue struct {
	client *sqs.Client
	url    string
}

// newSQSQueue builds the client with the source's AWS options: region,
// credentials, role_arn and TLS as for S3; endpoint is queue_endpoint
// (empty: the region's SQS endpoint).
func newSQSQueue(ctx context.Context, c s3api.AWSConfig, url, endpoint string) (*sqsQueue, error) {
	c.Endpoint = endpoint
	cfg, err := s3api.LoadConfig(ctx, c)
	if err != nil {
		return nil, err
	}
	client := sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return &sqsQueue{client: client, url: url}, nil
}

func (q *sqsQueue) receive(ctx context.Context, max int, visibility, wait time.Duration) ([]queueMessage, error) {
	out, err := q.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:            aws.String(q.url),
		MaxNumberOfMessages: int32(min(max, sqsBatch)),
		VisibilityTimeout:   int32(visibility / time.Second),
		WaitTimeSeconds:     int32(wait / time.Second),
	})
	if err != nil {
		return nil, err
	}
	msgs := make([]queueMessage, 0, len(out.Messages))
	for _, m := range out.Messages {
		msgs = append(msgs, queueMessage{id: aws.ToString(m.MessageId), handle: aws.ToString(m.ReceiptHandle), body: aws.ToString(m.Body)})
	}
	return msgs, nil
}

func (q *sqsQueue) extend(ctx context.Context, handles []string, visibility time.Duration) (map[string]string, error) {
	failed := map[string]string{}
	for start := 0; start < len(handles); start += sqsBatch {
		part := handles[start:min(start+sqsBatch, len(handles))]
		entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(part))
		for i, h := range part {
			entries[i] = types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(h), VisibilityTimeout: int32(visibility / time.Second)}
		}
		out, err := q.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(q.url), Entries: entries})
		if err != nil {
			return failed, err
		}
		for _, f := range out.Failed {
			recordFailure(failed, part, f.Id, f.Code, f.Message)
		}
	}
	return failed, nil
}

func (q *sqsQueue) remove(ctx context.Context, handles []string) (map[string]string, error) {
	failed := map[string]string{}
	for start := 0; start < len(handles); start += sqsBatch {
		part := handles[start:min(start+sqsBatch, len(handles))]
		entries := make([]types.DeleteMessageBatchRequestEntry, len(part))
		for i, h := range part {
			entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(h)}
		}
		out, err := q.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(q.url), Entries: entries})
		if err != nil {
			return failed, err
		}
		for _, f := range out.Failed {
			recordFailure(failed, part, f.Id, f.Code, f.Message)
		}
	}
	return failed, nil
}

// recordFailure files a batch entry's failure under its handle.
func recordFailure(failed map[string]string, part []string, id, code, message *string) {
	i, err := strconv.Atoi(aws.ToString(id))
	if err != nil || i < 0 || i >= len(part) {
		return
	}
	failed[part[i]] = fmt.Sprintf("%s: %s", aws.ToString(code), aws.ToString(message))
}
