package out_s3append

import (
	"sync/atomic"

	"github.com/s3append/s3append/iceberg"
	"github.com/s3append/s3append/out_s3append/s3api"
)

// Stats are the instance's counters. They mean what they say: a record is
// acknowledged once it is durable in the buffer, and uploaded only once
// the object holding it is complete in S3, never when it was merely
// buffered or sent in a part.
type Stats struct {
	// Flushes counts the chunks Fluent Bit handed over, by the answer.
	Flushes [3]atomic.Int64 // by Result
	// RecordsAcknowledged and BytesAcknowledged count the records routed
	// to objects and the chunk bytes of flushes answered OK.
	RecordsAcknowledged atomic.Int64
	BytesAcknowledged   atomic.Int64
	// RecordsRejected counts records that could not go to an object, by
	// reason; each one went to the dead letters instead.
	RecordsRejected [numRejectReasons]atomic.Int64
	// DeadLetterRecords counts records written to dead-letter objects
	// (buffered; they are uploaded like any object).
	DeadLetterRecords atomic.Int64

	PartsUploaded   atomic.Int64
	ObjectsUploaded atomic.Int64
	// RecordsUploaded and BytesUploaded count the records and the bytes
	// (as stored) of objects completed in S3 by this process.
	RecordsUploaded atomic.Int64
	BytesUploaded   atomic.Int64
	// UploadErrors counts failed S3 calls by class; UploadRetries those
	// that were tried again.
	UploadErrors  [s3api.NumClasses]atomic.Int64 // by s3api.Class
	UploadRetries atomic.Int64
	// UploadsAborted counts multipart uploads aborted: at shutdown, when S3
	// refused the parts, after a crash, or left over by a lost reply.
	UploadsAborted atomic.Int64
	// ObjectsFailed counts objects given up after upload_retry_limit.
	ObjectsFailed atomic.Int64
	// Recovery counts what the buffer recovery and the reconciliation
	// with S3 did at start, by action.
	Recovery [numRecoveryActions]atomic.Int64
	// Iceberg counts the commits to the table, with iceberg_catalog.
	Iceberg iceberg.Stats
}

// Stats returns the instance's counters.
func (in *Instance) Stats() *Stats { return in.stats }

// RejectReason is why a record could not go to an object.
type RejectReason int

const (
	// RejectUnreadable: not a map, or a malformed chunk's unreadable rest.
	RejectUnreadable RejectReason = iota
	// RejectKeyTooLong: the record's own values make its key too long.
	RejectKeyTooLong
	// RejectUnencodable: the encoder could not write it (no log_key
	// field, unusable map keys).
	RejectUnencodable
	// RejectKeyRefused: the store refused its object's key for good.
	RejectKeyRefused
	// RejectNoOutput: the sidecar has no output whose match takes the
	// record's tag.
	RejectNoOutput
	// RejectUnparsed: its source could not read it (a line of an access
	// log that does not parse) and sent it as a format.RejectedExt.
	RejectUnparsed
	numRejectReasons
)

func (r RejectReason) String() string {
	return [...]string{"unreadable", "key_too_long", "unencodable", "key_refused", "no_output", "unparsed"}[r]
}

// RecoveryAction is one thing done at start to take over an earlier run.
type RecoveryAction int

const (
	// RecoveryTailCut: a torn or corrupt tail was cut off a segment.
	RecoveryTailCut RecoveryAction = iota
	// RecoveryRepaired: a manifest or file was repaired without cutting data.
	RecoveryRepaired
	// RecoveryQuarantined: an object too damaged to upload was set aside.
	RecoveryQuarantined
	// RecoveryObjectAdopted: a buffered object of an earlier run was taken
	// over to be uploaded.
	RecoveryObjectAdopted
	// RecoveryUploadResumed: its multipart upload went on with its parts.
	RecoveryUploadResumed
	// RecoveryUploadRestarted: its upload was aborted or gone, and the
	// object is uploaded again from the buffer.
	RecoveryUploadRestarted
	numRecoveryActions
)

func (a RecoveryAction) String() string {
	return [...]string{"tail_cut", "repaired", "quarantined", "object_adopted", "upload_resumed", "upload_restarted"}[a]
}

// classNames are the label values of s3api.Class, in its order.
var classNames = [s3api.NumClasses]string{s3api.Retryable: "retryable", s3api.Throttled: "throttled", s3api.Permanent: "permanent", s3api.KeyRefused: "key_refused"}
