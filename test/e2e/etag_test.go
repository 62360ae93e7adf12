package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// objectETag asks the server for an object's ETag; a multipart object's
// ETag ends in -<number of parts>.
func objectETag(t *testing.T, bucket, key string) string {
	t.Helper()
	client := s3.New(s3.Options{
		Region:       server.Region,
		BaseEndpoint: aws.String(server.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(server.AccessKey, server.SecretKey, ""),
	})
	out, err := client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ETag)
}
