package s3api

import (
	"errors"

	"github.com/aws/smithy-go"
)

// Class tells the engine what to do with a failed request.
type Class int

const (
	// Retryable: try again after a backoff; the request may succeed as is.
	// Network errors, timeouts, 5xx and unknown errors are Retryable, and so
	// are context.Canceled and context.DeadlineExceeded: callers that stop
	// on cancellation check their own context first.
	Retryable Class = iota
	// Throttled: the service asked to slow down (503 SlowDown, 429, the
	// throttling codes); retry with a longer backoff and less concurrency.
	Throttled
	// Permanent: the same request will fail again (bad credentials, missing
	// bucket, access denied, invalid request, NoSuchUpload, NoSuchKey).
	// Retrying needs a change of configuration or of request; a person
	// can fix it for the whole output (credentials, bucket, KMS key).
	Permanent
	// KeyRefused: the store will never accept this object's key (too long,
	// a name its file system cannot hold, a key clashing with a "directory"
	// of other keys). No retry or configuration change helps this one
	// object; the engine sets its records aside and moves on.
	KeyRefused
	// NumClasses is the number of classes, for arrays indexed by Class.
	NumClasses
)

func (c Class) String() string {
	switch c {
	case Retryable:
		return "retryable"
	case Throttled:
		return "throttled"
	case Permanent:
		return "permanent"
	case KeyRefused:
		return "key_refused"
	}
	return "unknown"
}

// Error codes this package produces or inspects.
const (
	CodeNoSuchUpload     = "NoSuchUpload"
	CodeNoSuchKey        = "NoSuchKey"
	CodeNoSuchBucket     = "NoSuchBucket"
	CodeEntityTooSmall   = "EntityTooSmall"
	CodeEntityTooLarge   = "EntityTooLarge"
	CodeInvalidPart      = "InvalidPart"
	CodeInvalidPartOrder = "InvalidPartOrder"
	CodeInvalidArgument  = "InvalidArgument"
	CodeMalformedXML     = "MalformedXML"
)

var throttleCodes = map[string]bool{
	"SlowDown":                               true,
	"ServiceUnavailable":                     true,
	"Throttling":                             true,
	"ThrottlingException":                    true,
	"ThrottledException":                     true,
	"RequestThrottled":                       true,
	"RequestThrottledException":              true,
	"RequestLimitExceeded":                   true,
	"TooManyRequestsException":               true,
	"BandwidthLimitExceeded":                 true,
	"ProvisionedThroughputExceededException": true,
}

// retryCodes are codes that a later attempt can pass although most of them
// come with a 4xx status: the SDK corrects clock skew and refreshes expired
// credentials between attempts, RequestTimeout is the server giving up on a
// slow body, and InternalError may even arrive inside a 200 reply.
var retryCodes = map[string]bool{
	"RequestTimeout":          true,
	"RequestTimeTooSkewed":    true,
	"ExpiredToken":            true,
	"ExpiredTokenException":   true,
	"InternalError":           true,
	"OperationAborted":        true,
	"PriorRequestNotComplete": true,
}

// keyRefusedCodes are the codes by which stores refuse a key for good.
// AWS S3 limits only the length; MinIO and versitygw keep objects as files,
// so a path segment over the file system's name limit, or a key that is a
// "directory" of other keys (or has one of them as its parent), is refused
// too.
var keyRefusedCodes = map[string]bool{
	"KeyTooLongError":             true,
	"KeyTooLong":                  true,
	"InvalidObjectName":           true,
	"XMinioInvalidObjectName":     true,
	"ExistingObjectIsDirectory":   true,
	"ObjectParentIsFile":          true,
	"DirectoryObjectContainsData": true,
}

// permanentCodes are recognised even when no HTTP status travels with the
// error (Memory's errors, faults injected by tests).
var permanentCodes = map[string]bool{
	"AccessDenied":          true,
	"AllAccessDisabled":     true,
	"InvalidAccessKeyId":    true,
	"SignatureDoesNotMatch": true,
	"InvalidBucketName":     true,
	"InvalidStorageClass":   true,
	"InvalidRequest":        true,
	"KMS.NotFoundException": true,
	CodeNoSuchBucket:        true,
	CodeNoSuchUpload:        true,
	CodeNoSuchKey:           true,
	CodeEntityTooSmall:      true,
	CodeEntityTooLarge:      true,
	CodeInvalidPart:         true,
	CodeInvalidPartOrder:    true,
	CodeInvalidArgument:     true,
	CodeMalformedXML:        true,
}

// Classify maps any error returned by a Store to a Class. The decision is
// made once here so that the engine never inspects codes itself: first by
// the service's error code (throttling, refused keys, retryable, permanent), then by HTTP status (429 and 503 Throttled, 408
// and other 5xx Retryable, other 4xx Permanent), then by the error's fault
// (client faults Permanent). Everything else, including network errors and
// cancelled contexts, is Retryable. Classify(nil) is Retryable too; check
// err != nil first.
func Classify(err error) Class {
	if err == nil {
		return Retryable
	}
	code := errorCode(err)
	switch {
	case throttleCodes[code]:
		return Throttled
	case keyRefusedCodes[code]:
		return KeyRefused
	case retryCodes[code]:
		return Retryable
	case permanentCodes[code]:
		return Permanent
	}
	if status := httpStatus(err); status != 0 {
		switch {
		case status == 429 || status == 503:
			return Throttled
		case status == 408 || status >= 500:
			return Retryable
		case status >= 400:
			return Permanent
		}
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorFault() == smithy.FaultClient {
		return Permanent
	}
	return Retryable
}

// IsNoSuchUpload reports whether err says the multipart upload does not
// exist (never created, aborted, or already completed). The engine reacts to
// it by restarting the object, not by retrying.
func IsNoSuchUpload(err error) bool { return errorCode(err) == CodeNoSuchUpload }

// IsNoSuchKey reports whether err says the object does not exist.
func IsNoSuchKey(err error) bool { return errorCode(err) == CodeNoSuchKey }

// ErrorCode returns the service's error code carried by err, or "".
func ErrorCode(err error) string { return errorCode(err) }

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// httpStatus returns the HTTP status of the response that carried err, or 0.
func httpStatus(err error) int {
	var withStatus interface{ HTTPStatusCode() int }
	if errors.As(err, &withStatus) {
		return withStatus.HTTPStatusCode()
	}
	return 0
}

// apiError builds an error shaped like the SDK's decoded service errors, so
// that Memory's failures classify exactly like real ones.
func apiError(code, message string) error {
	return &smithy.GenericAPIError{Code: code, Message: message, Fault: smithy.FaultClient}
}
