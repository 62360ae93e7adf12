package s3api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// CreateMultipartUpload implements Store.
func (s *AWSStore) CreateMultipartUpload(ctx context.Context, key string, o PutOptions) (string, error) {
	out, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket:               aws.String(s.bucket),
		Key:                  aws.String(key),
		ContentType:          optional(o.ContentType),
		ContentEncoding:      optional(o.ContentEncoding),
		StorageClass:         types.StorageClass(o.StorageClass),
		ACL:                  types.ObjectCannedACL(o.ACL),
		ServerSideEncryption: types.ServerSideEncryption(o.ServerSideEncryption),
		SSEKMSKeyId:          optional(o.SSEKMSKeyID),
		Tagging:              optional(o.Tagging),
	})
	if err != nil {
		return "", err
	}
	id := aws.ToString(out.UploadId)
	if id == "" {
		return "", errors.New("s3api: CreateMultipartUpload returned no upload ID")
	}
	return id, nil
}

// UploadPart implements Store.
func (s *AWSStore) UploadPart(ctx context.Context, key, uploadID string, number int32, body []byte) (string, error) {
	in := &s3.UploadPartInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(key),
		UploadId:      aws.String(uploadID),
		PartNumber:    aws.Int32(number),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
	}
	if s.sendContentMD5 {
		in.ContentMD5 = contentMD5(body)
	}
	out, err := s.client.UploadPart(ctx, in)
	if err != nil {
		return "", err
	}
	etag := aws.ToString(out.ETag)
	if etag == "" {
		return "", errors.New("s3api: UploadPart returned no ETag")
	}
	return etag, nil
}

// CompleteMultipartUpload implements Store.
func (s *AWSStore) CompleteMultipartUpload(ctx context.Context, key, uploadID string, parts []Part) error {
	sorted := append([]Part(nil), parts...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Number < sorted[j].Number })
	completed := make([]types.CompletedPart, len(sorted))
	for i, p := range sorted {
		completed[i] = types.CompletedPart{PartNumber: aws.Int32(p.Number), ETag: aws.String(p.ETag)}
	}
	_, err := s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          aws.String(s.bucket),
		Key:             aws.String(key),
		UploadId:        aws.String(uploadID),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
	})
	return err
}

// AbortMultipartUpload implements Store.
func (s *AWSStore) AbortMultipartUpload(ctx context.Context, key, uploadID string) error {
	_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket:   aws.String(s.bucket),
		Key:      aws.String(key),
		UploadId: aws.String(uploadID),
	})
	return err
}

// ListMultipartUploads implements Store.
func (s *AWSStore) ListMultipartUploads(ctx context.Context, prefix string) ([]Upload, error) {
	in := &s3.ListMultipartUploadsInput{
		Bucket:     aws.String(s.bucket),
		Prefix:     optional(prefix),
		MaxUploads: pageSize(ctx),
	}
	var uploads []Upload
	for {
		out, err := s.client.ListMultipartUploads(ctx, in)
		if err != nil && in.UploadIdMarker != nil && errorCode(err) == CodeInvalidArgument {
			// versitygw 1.8 drops every upload of the key marker before it
			// looks for the upload-ID marker, so it rejects the markers it
			// issued. Finish that key on its own, then list the keys after it.
			rest, err := s.uploadsAfter(ctx, aws.ToString(in.KeyMarker), aws.ToString(in.UploadIdMarker))
			if err != nil {
				return nil, err
			}
			uploads = append(uploads, rest...)
			in.UploadIdMarker = nil
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, u := range out.Uploads {
			uploads = append(uploads, Upload{
				Key:       aws.ToString(u.Key),
				UploadID:  aws.ToString(u.UploadId),
				Initiated: aws.ToTime(u.Initiated),
			})
		}
		if !aws.ToBool(out.IsTruncated) {
			sortUploads(uploads) // S3 orders uploads of one key by time; not every service does
			return uploads, nil
		}
		nextKey, nextID := aws.ToString(out.NextKeyMarker), aws.ToString(out.NextUploadIdMarker)
		if nextKey == "" || (nextKey == aws.ToString(in.KeyMarker) && nextID == aws.ToString(in.UploadIdMarker)) {
			return nil, errors.New("s3api: ListMultipartUploads is truncated but gave no new markers")
		}
		in.KeyMarker, in.UploadIdMarker = aws.String(nextKey), optional(nextID)
	}
}

// uploadsAfter lists the uploads of key that come after the upload afterID,
// in the order of a single unpaged listing of key.
func (s *AWSStore) uploadsAfter(ctx context.Context, key, afterID string) ([]Upload, error) {
	out, err := s.client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{
		Bucket: aws.String(s.bucket),
		Prefix: aws.String(key),
	})
	if err != nil {
		return nil, err
	}
	if aws.ToBool(out.IsTruncated) {
		return nil, fmt.Errorf("s3api: cannot list past upload %s of key %q: the service rejects its own markers and the key has too many uploads for one page", afterID, key)
	}
	var after []Upload
	found := false
	for _, u := range out.Uploads {
		if aws.ToString(u.Key) != key {
			continue // a longer key sharing the prefix; listed later
		}
		if found {
			after = append(after, Upload{Key: key, UploadID: aws.ToString(u.UploadId), Initiated: aws.ToTime(u.Initiated)})
		}
		found = found || aws.ToString(u.UploadId) == afterID
	}
	if !found {
		return nil, fmt.Errorf("s3api: upload %s of key %q vanished while listing uploads", afterID, key)
	}
	return after, nil
}

// ListParts implements Store.
func (s *AWSStore) ListParts(ctx context.Context, key, uploadID string) ([]Part, error) {
	in := &s3.ListPartsInput{
		Bucket:   aws.String(s.bucket),
		Key:      aws.String(key),
		UploadId: aws.String(uploadID),
		MaxParts: pageSize(ctx),
	}
	var parts []Part
	for {
		out, err := s.client.ListParts(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, p := range out.Parts {
			parts = append(parts, Part{
				Number: aws.ToInt32(p.PartNumber),
				ETag:   aws.ToString(p.ETag),
				Size:   aws.ToInt64(p.Size),
			})
		}
		if !aws.ToBool(out.IsTruncated) {
			return parts, nil
		}
		next := aws.ToString(out.NextPartNumberMarker)
		if next == "" || next == aws.ToString(in.PartNumberMarker) {
			return nil, errors.New("s3api: ListParts is truncated but gave no new part number marker")
		}
		in.PartNumberMarker = aws.String(next)
	}
}

// sortUploads orders uploads by key and then by initiation.
func sortUploads(uploads []Upload) {
	sort.SliceStable(uploads, func(i, j int) bool {
		if uploads[i].Key != uploads[j].Key {
			return uploads[i].Key < uploads[j].Key
		}
		return uploads[i].Initiated.Before(uploads[j].Initiated)
	})
}
