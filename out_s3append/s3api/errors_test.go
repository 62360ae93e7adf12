package s3api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// withStatus wraps err the way the SDK delivers a service error: inside an
// OperationError, with the HTTP response attached.
func withStatus(status int, err error) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: "UploadPart", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      err,
		},
	}}
}

func generic(code string, fault smithy.ErrorFault) error {
	return &smithy.GenericAPIError{Code: code, Message: "test", Fault: fault}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want Class
	}{
		{"nil", nil, Retryable},
		{"SlowDown 503", withStatus(503, generic("SlowDown", smithy.FaultServer)), Throttled},
		{"SlowDown without status", generic("SlowDown", smithy.FaultUnknown), Throttled},
		{"bare 503", withStatus(503, errors.New("no body")), Throttled},
		{"ServiceUnavailable", withStatus(503, generic("ServiceUnavailable", smithy.FaultServer)), Throttled},
		{"ThrottlingException", generic("ThrottlingException", smithy.FaultClient), Throttled},
		{"RequestLimitExceeded", generic("RequestLimitExceeded", smithy.FaultClient), Throttled},
		{"429", withStatus(429, generic("TooManyRequests", smithy.FaultClient)), Throttled},
		{"InternalError 500", withStatus(500, generic("InternalError", smithy.FaultServer)), Retryable},
		{"bare 502", withStatus(502, errors.New("bad gateway")), Retryable},
		{"RequestTimeout 400", withStatus(400, generic("RequestTimeout", smithy.FaultClient)), Retryable},
		{"RequestTimeTooSkewed 403", withStatus(403, generic("RequestTimeTooSkewed", smithy.FaultClient)), Retryable},
		{"ExpiredToken 400", withStatus(400, generic("ExpiredToken", smithy.FaultClient)), Retryable},
		{"bare 408", withStatus(408, errors.New("timeout")), Retryable},
		{"NoSuchBucket 404", withStatus(404, generic(CodeNoSuchBucket, smithy.FaultClient)), Permanent},
		{"AccessDenied 403", withStatus(403, generic("AccessDenied", smithy.FaultClient)), Permanent},
		{"InvalidAccessKeyId", generic("InvalidAccessKeyId", smithy.FaultUnknown), Permanent},
		{"SignatureDoesNotMatch", generic("SignatureDoesNotMatch", smithy.FaultUnknown), Permanent},
		{"InvalidBucketName", generic("InvalidBucketName", smithy.FaultUnknown), Permanent},
		{"NoSuchUpload", withStatus(404, generic(CodeNoSuchUpload, smithy.FaultClient)), Permanent},
		{"typed NoSuchKey", withStatus(404, &types.NoSuchKey{}), Permanent},
		{"KeyTooLongError 400", withStatus(400, generic("KeyTooLongError", smithy.FaultClient)), KeyRefused},
		{"MinIO invalid object name", withStatus(400, generic("XMinioInvalidObjectName", smithy.FaultClient)), KeyRefused},
		{"versitygw key over a directory", withStatus(409, generic("ExistingObjectIsDirectory", smithy.FaultClient)), KeyRefused},
		{"versitygw parent is a file", withStatus(409, generic("ObjectParentIsFile", smithy.FaultClient)), KeyRefused},
		{"unknown code 409", withStatus(409, generic("SomethingNew", smithy.FaultClient)), Permanent},
		{"unknown client fault", generic("SomethingNew", smithy.FaultClient), Permanent},
		{"unknown server fault", generic("SomethingNew", smithy.FaultServer), Retryable},
		{"connection refused", &smithyhttp.RequestSendError{Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, Retryable},
		{"context canceled", fmt.Errorf("put: %w", context.Canceled), Retryable},
		{"deadline", context.DeadlineExceeded, Retryable},
		{"plain error", errors.New("something odd"), Retryable},
	}
	for _, c := range cases {
		if got := Classify(c.err); got != c.want {
			t.Errorf("%s: Classify(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

func TestIsNoSuchUploadAndKey(t *testing.T) {
	upload := fmt.Errorf("completing: %w", withStatus(404, &types.NoSuchUpload{}))
	key := withStatus(404, &types.NoSuchKey{})
	if !IsNoSuchUpload(upload) || IsNoSuchKey(upload) {
		t.Errorf("NoSuchUpload: IsNoSuchUpload=%v IsNoSuchKey=%v", IsNoSuchUpload(upload), IsNoSuchKey(upload))
	}
	if !IsNoSuchKey(key) || IsNoSuchUpload(key) {
		t.Errorf("NoSuchKey: IsNoSuchUpload=%v IsNoSuchKey=%v", IsNoSuchUpload(key), IsNoSuchKey(key))
	}
	for _, err := range []error{nil, errors.New("NoSuchUpload"), withStatus(404, errors.New("empty body"))} {
		if IsNoSuchUpload(err) || IsNoSuchKey(err) {
			t.Errorf("%v reported as NoSuchUpload or NoSuchKey", err)
		}
	}
}

func TestClassString(t *testing.T) {
	for c, want := range map[Class]string{Retryable: "retryable", Throttled: "throttled", Permanent: "permanent", Class(9): "unknown"} {
		if c.String() != want {
			t.Errorf("Class(%d).String() = %q, want %q", int(c), c.String(), want)
		}
	}
}
