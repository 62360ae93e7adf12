package s3api

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// PutObject implements Store.
func (s *AWSStore) PutObject(ctx context.Context, key string, body []byte, o PutOptions) error {
	in := &s3.PutObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
		// A bytes.Reader lets the SDK measure, hash and sign the body.
		Body:                 bytes.NewReader(body),
		ContentLength:        aws.Int64(int64(len(body))),
		ContentType:          optional(o.ContentType),
		ContentEncoding:      optional(o.ContentEncoding),
		StorageClass:         types.StorageClass(o.StorageClass),
		ACL:                  types.ObjectCannedACL(o.ACL),
		ServerSideEncryption: types.ServerSideEncryption(o.ServerSideEncryption),
		SSEKMSKeyId:          optional(o.SSEKMSKeyID),
		Tagging:              optional(o.Tagging),
	}
	if s.sendContentMD5 {
		in.ContentMD5 = contentMD5(body)
	}
	_, err := s.client.PutObject(ctx, in)
	return err
}

// GetObject implements Store.
func (s *AWSStore) GetObject(ctx context.Context, key string) ([]byte, ObjectMeta, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
	})
	if err != nil {
		return nil, ObjectMeta{}, err
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, ObjectMeta{}, fmt.Errorf("s3api: reading object %q: %w", key, err)
	}
	meta := ObjectMeta{
		ContentType:     aws.ToString(out.ContentType),
		ContentEncoding: aws.ToString(out.ContentEncoding),
		StorageClass:    string(out.StorageClass),
	}
	if meta.StorageClass == "" {
		meta.StorageClass = StandardStorageClass // S3 omits the header for STANDARD
	}
	return body, meta, nil
}

// ListObjects implements Store.
func (s *AWSStore) ListObjects(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	in := &s3.ListObjectsV2Input{
		Bucket:  aws.String(s.bucket),
		Prefix:  optional(prefix),
		MaxKeys: pageSize(ctx),
	}
	var objects []ObjectInfo
	for {
		out, err := s.client.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, o := range out.Contents {
			objects = append(objects, ObjectInfo{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size)})
		}
		if !aws.ToBool(out.IsTruncated) {
			return objects, nil
		}
		next := aws.ToString(out.NextContinuationToken)
		if next == "" || next == aws.ToString(in.ContinuationToken) {
			return nil, errors.New("s3api: ListObjectsV2 is truncated but gave no new continuation token")
		}
		in.ContinuationToken = aws.String(next)
	}
}

// CreateBucket implements Store.
func (s *AWSStore) CreateBucket(ctx context.Context) error {
	in := &s3.CreateBucketInput{Bucket: aws.String(s.bucket)}
	// us-east-1 is the one region that must not be named as a constraint.
	if region := s.client.Options().Region; region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(region),
		}
	}
	_, err := s.client.CreateBucket(ctx, in)
	var owned *types.BucketAlreadyOwnedByYou
	if errors.As(err, &owned) {
		return nil
	}
	return err
}

// optional turns "" into an absent field.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func contentMD5(body []byte) *string {
	sum := md5.Sum(body)
	return aws.String(base64.StdEncoding.EncodeToString(sum[:]))
}
