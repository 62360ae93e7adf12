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
// keep Fluent Bit from starting, and buffered data waits for it. The
// instance counts into stats, when given: the counters of an instance of
// the same name that ran before in this process (a hot reload).
func Start(name string, cfg *conf.Config, log *Logger, stats *Stats) (*Instance, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if cfg.TLSInsecureSkipVerify {
		log.Warnf("tls_insecure_skip_verify is on: the certificate of %s is NOT verified, so anyone on the network path can read and change the uploaded data and replay signed requests; set tls_ca_file to the endpoint's CA instead", endpointName(cfg))
	}
	awsConf := s3api.AWSConfig{
		Bucket:                cfg.Bucket,
		Region:                cfg.Region,
		Endpoint:              cfg.Endpoint,
		UsePathStyle:          cfg.UsePathStyle,
		ChecksumWhenRequired:  cfg.Checksum == conf.ChecksumWhenRequired,
		SendContentMD5:        cfg.SendContentMD5,
		Profile:               cfg.Profile,
		RoleARN:               cfg.RoleARN,
		ExternalID:            cfg.ExternalID,
		STSEndpoint:           cfg.STSEndpoint,
		TLSCAFile:             cfg.TLSCAFile,
		TLSInsecureSkipVerify: cfg.TLSInsecureSkipVerify,
		SecretSeen:            log.Redact,
	}
	store, err := s3api.NewAWS(ctx, awsConf)
	if err != nil {
		return nil, fmt.Errorf("S3 client: %w", err)
	}
	in, err := newInstance(name, cfg, store, log, stats)
	if err != nil || !cfg.Iceberg.Enabled() {
		return in, err
	}
	awsCfg, err := s3api.LoadConfig(ctx, awsConf)
	if err == nil {
		err = in.startCommitter(awsCfg)
	}
	if err != nil {
		in.Close()
		return nil, fmt.Errorf("iceberg: %w", err)
	}
	return in, nil
}

func endpointName(cfg *conf.Config) string {
	if cfg.Endpoint != "" {
		return cfg.Endpoint
	}
	return "the AWS S3 endpoint"
}
