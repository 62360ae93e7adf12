package s3api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
	// TLSCAFile is a PEM file of CA certificates trusted on top of the
	// system's, for an endpoint with a private CA.
	TLSCAFile string
	// TLSInsecureSkipVerify accepts any server certificate. Only for tests
	// and labs: it lets anyone on the path read and alter the traffic.
	TLSInsecureSkipVerify bool
	// SecretSeen, when set, is called with every credential value (access
	// key ID, secret key, session token; some may be empty) before a
	// request is signed with it, so the caller can redact them from logs.
	SecretSeen func(secrets ...string)
}

// AWSStore is the Store backed by aws-sdk-go-v2.
type AWSStore struct {
	client         *s3.Client
	bucket         string
	sendContentMD5 bool
}

var _ Store = (*AWSStore)(nil)

// LoadConfig is the AWS configuration of c for any AWS client: region,
// credentials (with role_arn assumed), HTTP client and TLS, one attempt
// per call. c's Bucket, Endpoint and UsePathStyle are S3's and are not
// read here, except that a set Endpoint lets the region default to
// us-east-1. Other services' clients (SQS for the access-log source)
// share it so that one set of options reaches every request.
func LoadConfig(ctx context.Context, c AWSConfig) (aws.Config, error) {
	client, err := httpClient(c)
	if err != nil {
		return aws.Config{}, err
	}
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(client),
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
		if c.SecretSeen != nil {
			c.SecretSeen(c.AccessKey, c.SecretKey)
		}
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
		return aws.Config{}, fmt.Errorf("s3api: loading AWS config: %w", err)
	}
	cfg.HTTPClient = tlsHinting{cfg.HTTPClient}
	if cfg.Region == "" {
		if c.Endpoint == "" {
			return aws.Config{}, errors.New("s3api: region is not set (set region or AWS_REGION)")
		}
		cfg.Region = "us-east-1"
	}
	// The credentials found so far sign the STS call of role_arn, or
	// every S3 request without it.
	cfg.Credentials = watch(cfg.Credentials, c.SecretSeen)
	if c.RoleARN != "" {
		stsClient := sts.NewFromConfig(cfg, func(o *sts.Options) {
			if c.STSEndpoint != "" {
				o.BaseEndpoint = aws.String(c.STSEndpoint)
			}
		})
		cfg.Credentials = watch(aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, c.RoleARN,
			func(o *stscreds.AssumeRoleOptions) {
				if c.ExternalID != "" {
					o.ExternalID = aws.String(c.ExternalID)
				}
			})), c.SecretSeen)
	}
	return cfg, nil
}

// NewAWS builds an AWSStore. It does not contact the service: a wrong
// bucket, endpoint or credential shows up on the first request.
func NewAWS(ctx context.Context, c AWSConfig) (*AWSStore, error) {
	if c.Bucket == "" {
		return nil, errors.New("s3api: bucket is empty")
	}
	cfg, err := LoadConfig(ctx, c)
	if err != nil {
		return nil, err
	}
	s3Client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
		o.UsePathStyle = c.UsePathStyle
	})
	return &AWSStore{client: s3Client, bucket: c.Bucket, sendContentMD5: c.SendContentMD5}, nil
}
