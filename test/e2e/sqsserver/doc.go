// Package sqsserver runs a local SQS-compatible server for end-to-end
// tests: goaws (github.com/Admiral-Piett/goaws, the build/tools/bin/goaws
// binary that scripts/tools.sh installs) behind an in-process adapter.
//
// The AWS SDK for Go v2 speaks SQS's JSON protocol (POST, X-Amz-Target:
// AmazonSQS.<Action>, JSON bodies); goaws speaks only the older query
// protocol (form-encoded Action=..., XML answers). The adapter, at
// Endpoint, translates each call and answers as SQS does, with errors as
// {"__type":"com.amazonaws.sqs#<Name>","message":...} and the
// x-amzn-query-error header the SDK reads for the legacy error code.
//
// Actions: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue,
// GetQueueAttributes, PurgeQueue, SendMessage, ReceiveMessage,
// DeleteMessage, DeleteMessageBatch, ChangeMessageVisibility and
// ChangeMessageVisibilityBatch. Others answer UnsupportedOperation, as do
// message attributes on SendMessage (goaws half-supports them and nothing
// here needs them).
//
// What goaws v0.4.5 does, and what the adapter does about it:
//
//   - Queue URLs. goaws builds them from its configured host and region
//     (http://us-east-1.127.0.0.1:PORT/ACCOUNT/NAME, which does not
//     resolve) and finds a queue by the URL's last path segment only. The
//     adapter hands out Endpoint()/ACCOUNT/NAME and accepts back any URL
//     whose path is /ACCOUNT/NAME.
//   - Visibility timeout. A receive hides each message for the queue's
//     VisibilityTimeout (a CreateQueue attribute, else 30 s); goaws ignores
//     ReceiveMessage's own VisibilityTimeout, so the adapter applies it with
//     a ChangeMessageVisibility per received message right after the
//     receive. A non-zero VisibilityTimeout attribute is honoured; "0" is
//     ignored (the queue keeps 30 s).
//   - Redelivery. A ticker makes messages whose timeout has passed visible
//     again once a second: a message comes back between its timeout and a
//     second later, and counts as in flight until then.
//   - ChangeMessageVisibility sets the timeout to now plus the value given,
//     extending or shortening it; 0 makes the message visible at once. It
//     works only with the handle of the current receive (else
//     MessageNotInflight). goaws has no ChangeMessageVisibilityBatch: the
//     adapter makes one call per entry and reports each entry.
//   - Receipt handles are new on every receive. Once a message is visible
//     again its old handle no longer deletes or changes it (SQS may accept a
//     stale handle on delete and do nothing).
//   - An empty receipt handle matches any visible message in goaws, so a
//     delete with it would remove an arbitrary message: the adapter refuses
//     empty handles.
//   - DeleteMessage answers an unknown handle, and a missing queue, with
//     HTTP 404 and the code AWS.SimpleQueueService.QueueExists. The adapter
//     checks the queue itself and answers ReceiptHandleIsInvalid.
//   - DeleteMessageBatch never reports a failed entry and ignores a missing
//     queue: the adapter checks the queue and reports every entry goaws did
//     not confirm as failed (ReceiptHandleIsInvalid). Neither batch call
//     checks entry counts or ids in goaws; the adapter does, as SQS does.
//   - GetQueueAttributes: ApproximateNumberOfMessages counts every message,
//     in flight or not; the adapter subtracts
//     ApproximateNumberOfMessagesNotVisible (which also counts delayed
//     messages). goaws returns all attributes when none is named; the
//     adapter returns those named, or all for "All".
//   - ReceiveMessage's message attributes: goaws's SentTimestamp is the time
//     of the receive, ApproximateReceiveCount is always 1 and
//     ApproximateFirstReceiveTimestamp is this receive's time. The adapter
//     keeps its own record of each message sent through it and reports the
//     send time, the number of receives and the first receive; attributes
//     are returned only when named (AttributeNames or
//     MessageSystemAttributeNames, "All" for all).
//   - MD5 digests: goaws computes MD5OfMessageBody and MD5OfBody over the
//     body it holds, and the adapter passes them through unchanged, so the
//     SDK's checksum validation checks the whole JSON-form-XML-JSON round
//     trip. Bodies with characters SQS does not allow (which XML cannot
//     carry) are refused with InvalidMessageContents.
//   - Long polling: goaws looks for a visible message every 100 ms for up to
//     WaitTimeSeconds.
//   - A ChangeMessageVisibility without a timeout, or above 43200 s, makes
//     goaws's handler panic and drop the connection: the adapter checks
//     every range before calling goaws.
//   - goaws reads its queue table without a lock in several handlers, and Go
//     aborts a process on concurrent map access: create queues before the
//     traffic on them starts.
//   - goaws listens on all interfaces (0.0.0.0:PORT), not just loopback.
package sqsserver
