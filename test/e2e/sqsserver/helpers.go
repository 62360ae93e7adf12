package sqsserver

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// callTimeout bounds each helper call: a failure bound, not a schedule.
const callTimeout = time.Minute

// newClient is an SQS client of the adapter at endpoint, set up as the
// product's is: the SDK's JSON protocol, static credentials, a base
// endpoint.
func newClient(endpoint string) *sqs.Client {
	return sqs.New(sqs.Options{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
		BaseEndpoint: aws.String(endpoint),
	})
}

// CreateQueue creates queue name (or finds it) and returns its URL.
func (s *Server) CreateQueue(name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	out, err := s.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		return "", fmt.Errorf("sqsserver: CreateQueue %s: %w", name, err)
	}
	return aws.ToString(out.QueueUrl), nil
}

// Send puts one message with body on the queue at queueURL, as S3 does
// with an event notification.
func (s *Server) Send(queueURL, body string) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if _, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String(body)}); err != nil {
		return fmt.Errorf("sqsserver: SendMessage to %s: %w", queueURL, err)
	}
	return nil
}

// Counts are a queue's approximate message counts.
type Counts struct {
	Visible  int // waiting to be received (ApproximateNumberOfMessages)
	InFlight int // received and not yet deleted or visible again (ApproximateNumberOfMessagesNotVisible)
}

// Count returns the message counts of the queue at queueURL. A message
// whose visibility timeout has just passed counts as in flight for up to
// a second more (see the package comment).
func (s *Server) Count(queueURL string) (Counts, error) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	out, err := s.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(queueURL),
		AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	if err != nil {
		return Counts{}, fmt.Errorf("sqsserver: GetQueueAttributes of %s: %w", queueURL, err)
	}
	var c Counts
	for name, p := range map[types.QueueAttributeName]*int{
		types.QueueAttributeNameApproximateNumberOfMessages:           &c.Visible,
		types.QueueAttributeNameApproximateNumberOfMessagesNotVisible: &c.InFlight,
	} {
		if *p, err = strconv.Atoi(out.Attributes[string(name)]); err != nil {
			return Counts{}, fmt.Errorf("sqsserver: %s of %s: %w", name, queueURL, err)
		}
	}
	return c, nil
}
