package out_s3append

import (
	"context"
	"fmt"
	"time"

	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/out_s3append/s3api"
)

// Start builds the S3 client from the configuration and starts an
// instance. It does not call S3: an unreachable endpoint at start must not
// keep Fluent Bit from starting, and buffered data waits for it.
func Start(name string, cfg *conf.Config, log *Logger) (*Instance, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, err := s3api.NewAWS(ctx, s3api.AWSConfig{
		Bucket:               cfg.Bucket,
		Region:               cfg.Region,
		Endpoint:             cfg.Endpoint,
		UsePathStyle:         cfg.UsePathStyle,
		ChecksumWhenRequired: cfg.Checksum == conf.ChecksumWhenRequired,
	})
	if err != nil {
		return nil, fmt.Errorf("S3 client: %w", err)
	}
	return New(name, cfg, store, log)
}
