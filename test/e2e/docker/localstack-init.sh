#!/bin/sh
# LocalStack ready hook: creates the bucket the compose harness writes to,
# then the marker file the localstack service's healthcheck waits for.
set -eu
awslocal s3api create-bucket --bucket s3append-e2e
touch /tmp/s3append-bucket-ready
