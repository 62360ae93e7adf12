package s3api

import (
	"context"
	"testing"
)

func TestScratchVGW(t *testing.T) {
	RunAcceptance(t, func(t *testing.T) Store {
		s, err := NewAWS(context.Background(), AWSConfig{Bucket: "scratch", Endpoint: "http://127.0.0.1:17070", UsePathStyle: true, ChecksumWhenRequired: false, AccessKey: "AK", SecretKey: "SKSKSKSK"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
