package out_s3append

import (
	"fmt"
	"strings"

	"github.com/s3append/s3append/out_s3append/s3api"
)

// permanentHint names what a person has to change when S3 refuses every
// request of the output for the same reason: the option, or the policy,
// behind the error code. Retrying goes on meanwhile, so fixing it (a
// bucket created, a policy granted) needs no restart.
func permanentHint(err error, bucket string) string {
	code := s3api.ErrorCode(err)
	switch {
	case code == s3api.CodeNoSuchBucket:
		return fmt.Sprintf("bucket %q does not exist at this endpoint: check the bucket, region and endpoint options", bucket)
	case code == "InvalidBucketName":
		return fmt.Sprintf("%q is not a valid bucket name: check the bucket option", bucket)
	case code == "AccessDenied" || code == "AllAccessDisabled":
		return "the credentials in use may not write here: check role_arn, profile or the environment's credentials, and that the policy allows s3:PutObject, s3:AbortMultipartUpload and s3:ListMultipartUploadParts on the bucket (and kms:GenerateDataKey with sse aws:kms)"
	case code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch":
		return "the access key is unknown to the store or its secret is wrong: check the credentials, profile and role_arn"
	case strings.HasPrefix(code, "KMS.") || strings.Contains(code, "KMS"):
		return "the KMS key cannot be used: check sse_kms_key_id and the key's policy"
	case code == "InvalidStorageClass":
		return "the store does not offer this storage class: check the storage_class option"
	case code == s3api.CodeEntityTooLarge:
		return "a part or object is over the store's size limit: check upload_chunk_size and total_file_size"
	}
	return "a person has to fix this (configuration, permissions or the store)"
}
