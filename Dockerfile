# s3append on top of the official Fluent Bit image (distroless, Debian 12).
#
# Build, from the repository root:
#   docker build -t s3append:dev .
#
# Run with the image's own configuration (deploy/docker/fluent-bit.conf),
# which tails ${LOG_PATH} and is driven by the environment variables below;
# S3_BUCKET has no default and must be set:
#   docker run --rm \
#     -e S3_BUCKET=my-log-bucket -e S3_REGION=eu-west-1 \
#     -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY \
#     -v /var/log/app:/var/log/app:ro \
#     -v s3append-state:/var/lib/fluent-bit \
#     -p 2021:2021 \
#     s3append:dev
#
# Run with a configuration of your own, mounted over the default one; it
# loads the plugin with "Plugins_File /fluent-bit/etc/plugins.conf":
#   docker run --rm \
#     -v "$PWD/fluent-bit.conf:/fluent-bit/etc/fluent-bit.conf:ro" \
#     -v s3append-state:/var/lib/fluent-bit \
#     s3append:dev
# Arguments after the image name replace the default "-c <config>", e.g.
#   docker run --rm -v "$PWD/conf:/config:ro" s3append:dev -c /config/fluent-bit.conf

# The Go version is go.mod's. Bookworm is the Debian release the Fluent Bit
# image is built on, so the .so needs no newer glibc than the image has.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# Modules first, in a layer of their own: it is rebuilt only when go.mod
# or go.sum change, not on every source edit.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -buildmode=c-shared -o /out/out_s3append.so ./plugin

# A pinned 4.x release. The image has no shell: no RUN here, and the
# entry point and command are in exec form.
FROM fluent/fluent-bit:4.2.3
COPY --from=build /out/out_s3append.so /fluent-bit/plugins/out_s3append.so
COPY conf/plugins.conf /fluent-bit/etc/plugins.conf
COPY deploy/docker/fluent-bit.conf /fluent-bit/etc/fluent-bit.conf

# Defaults of the variables deploy/docker/fluent-bit.conf reads. Fluent Bit
# replaces ${NAME} when it loads the file; an empty value counts as unset,
# so the plugin applies its own default (S3_ENDPOINT empty: AWS itself;
# S3_KEY_FORMAT empty: /fluent-bit-logs/$TAG/%Y/%m/%d/%H/$UUID plus the
# compression's extension; METRICS_LISTEN empty: no metrics endpoint).
ENV S3_REGION=us-east-1 \
    S3_ENDPOINT="" \
    S3_USE_PATH_STYLE=auto \
    S3_CHECKSUM=when_supported \
    S3_KEY_FORMAT="" \
    S3_COMPRESSION=gzip \
    S3_FORMAT=json_lines \
    S3_TOTAL_FILE_SIZE=100M \
    S3_UPLOAD_CHUNK_SIZE=5M \
    S3_UPLOAD_TIMEOUT=10m \
    STORE_DIR=/var/lib/fluent-bit/s3append \
    STORE_DIR_LIMIT_SIZE=0 \
    LOG_PATH=/var/log/app/*.log \
    LOG_LEVEL=info \
    METRICS_LISTEN=0.0.0.0:2021

# The disk buffer (STORE_DIR) and the tail position database: records
# acknowledged to Fluent Bit live here until they are in S3, so keep this
# on a named volume or a host directory that outlives the container.
VOLUME ["/var/lib/fluent-bit"]

# 2020: Fluent Bit's HTTP server (health, its own metrics);
# 2021: s3append's Prometheus metrics at /metrics.
EXPOSE 2020 2021

ENTRYPOINT ["/fluent-bit/bin/fluent-bit"]
CMD ["-c", "/fluent-bit/etc/fluent-bit.conf"]
