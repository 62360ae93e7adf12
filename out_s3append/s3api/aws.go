package s3api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// AWSConfig says how to reach the bucket. Only Bucket is required.
type AWSConfig struct {
	Bucket string
	// Region of the bucket; empty takes it from the environment or the
	// shared config, and falls back to us-east-1 when Endpoint is set.
	Region string
	// Endpoint is the base URL of an S3-compatible service
	// (http://127.0.0.1:7070); empty means AWS.
	Endpoint string
	// UsePathStyle addresses the bucket as endpoint/bucket/key instead of
	// bucket.endpoint/key, as most S3-compatible services need.
	UsePathStyle bool
	// ChecksumWhenRequired stops the SDK from adding flexible checksums
	// (CRC32 trailers, x-amz-checksum-* headers) to requests that do not
	// require them and from validating response checksums, for services
	// that reject or do not produce them.
	ChecksumWhenRequired bool
	// SendContentMD5 adds a Content-MD5 header to PutObject and UploadPart,
	// which buckets with Object Lock demand when flexible checksums are off.
	SendContentMD5 bool
	// AccessKey and SecretKey set static credentials. When AccessKey is
	// empty the SDK's default chain is used: environment, shared profile,
	// web identity, ECS, EC2 instance metadata.
	AccessKey, SecretKey string
	// Profile selects a shared config profile for the default chain.
	Profile string
	// RoleARN, when set, assumes that role through STS with the credentials
	// found above; ExternalID and STSEndpoint tune that call.
	RoleARN, ExternalID, STSEndpoint string
	// HTTPTimeout bounds each HTTP request, headers and body included; zero
	// leaves requests bounded only by their context.
	HTTPTimeout time.Duration
}

// AWSStore is the Store backed by aws-sdk-go-v2.
type AWSStore struct {
	client         *s3.Client
	bucket         string
	sendContentMD5 bool
}

var _ Store = (*AWSStore)(nil)

// NewAWS builds an AWSStore. It does not contact the service: a wrong
// bucket, endpoint or credential shows up on the first request.
func NewAWS(ctx context.Context, c AWSConfig) (*AWSStore, error) {
	if c.Bucket == "" {
		return nil, errors.New("s3api: bucket is empty")
	}
	httpClient := awshttp.NewBuildableClient()
	if c.HTTPTimeout > 0 {
		httpClient = httpClient.WithTimeout(c.HTTPTimeout)
	}
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(httpClient),
		// The engine owns retries and backoff: one attempt per call.
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
	}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if c.AccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, "")))
	}
	if c.ChecksumWhenRequired {
		opts = append(opts,
			config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
			config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3api: loading AWS config: %w", err)
	}
	if cfg.Region == "" {
		if c.Endpoint == "" {
			return nil, errors.New("s3api: region is not set (set region or AWS_REGION)")
		}
		cfg.Region = "us-east-1"
	}
	if c.RoleARN != "" {
		stsClient := sts.NewFromConfig(cfg, func(o *sts.Options) {
			if c.STSEndpoint != "" {
				o.BaseEndpoint = aws.String(c.STSEndpoint)
			}
		})
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, c.RoleARN,
			func(o *stscreds.AssumeRoleOptions) {
				if c.ExternalID != "" {
					o.ExternalID = aws.String(c.ExternalID)
				}
			}))
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
		o.UsePathStyle = c.UsePathStyle
	})
	return &AWSStore{client: client, bucket: c.Bucket, sendContentMD5: c.SendContentMD5}, nil
}
