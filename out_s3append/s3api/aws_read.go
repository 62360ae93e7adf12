package s3api

import (
	"context"
	"errors"
	"io"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ListPage implements Store.
func (s *AWSStore) ListPage(ctx context.Context, r ListRequest) (ListResult, error) {
	in := &s3.ListObjectsV2Input{
		Bucket:            aws.String(s.bucket),
		Prefix:            optional(r.Prefix),
		Delimiter:         optional(r.Delimiter),
		StartAfter:        optional(r.StartAfter),
		ContinuationToken: optional(r.ContinuationToken),
	}
	if r.MaxKeys > 0 {
		in.MaxKeys = aws.Int32(r.MaxKeys)
	}
	out, err := s.client.ListObjectsV2(ctx, in)
	if err != nil {
		return ListResult{}, err
	}
	var res ListResult
	for _, o := range out.Contents {
		res.Objects = append(res.Objects, ListedObject{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag)})
	}
	for _, p := range out.CommonPrefixes {
		res.CommonPrefixes = append(res.CommonPrefixes, aws.ToString(p.Prefix))
	}
	if aws.ToBool(out.IsTruncated) {
		res.NextContinuationToken = aws.ToString(out.NextContinuationToken)
		if res.NextContinuationToken == "" || res.NextContinuationToken == r.ContinuationToken {
			return ListResult{}, errors.New("s3api: ListObjectsV2 is truncated but gave no new continuation token")
		}
	}
	return res, nil
}

// OpenObject implements Store.
func (s *AWSStore) OpenObject(ctx context.Context, key string) (io.ReadCloser, ObjectVersion, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
	})
	if err != nil {
		return nil, ObjectVersion{}, err
	}
	return out.Body, ObjectVersion{Size: aws.ToInt64(out.ContentLength), ETag: aws.ToString(out.ETag)}, nil
}

// DeleteObject implements Store.
func (s *AWSStore) DeleteObject(ctx context.Context, key string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
	})
	return err
}

// GetObjectTagging implements Store.
func (s *AWSStore) GetObjectTagging(ctx context.Context, key string) (map[string]string, error) {
	out, err := s.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
	})
	if err != nil {
		return nil, err
	}
	tags := make(map[string]string, len(out.TagSet))
	for _, t := range out.TagSet {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags, nil
}

// PutObjectTagging implements Store.
func (s *AWSStore) PutObjectTagging(ctx context.Context, key string, tags map[string]string) error {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a stable request body, for tests and signatures alike
	set := make([]types.Tag, 0, len(keys))
	for _, k := range keys {
		set = append(set, types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	_, err := s.client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{
		Bucket:  aws.String(s.bucket),
		Key:     aws.String(key),
		Tagging: &types.Tagging{TagSet: set},
	})
	return err
}
