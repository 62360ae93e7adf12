# s3append on top of the official Fluent Bit image (distroless, Debian 12).
#
# Build, from the repository root:
#   docker build -t s3append:dev .
# or, for both architectures at once (cross-compiled, no emulation):
#   docker buildx build --platform linux/amd64,linux/arm64 -t s3append:dev .
# (The same file builds the sidecar image with --target sidecar: see the
# sidecar stage below.) --build-arg VERSION=v0.3.0, COMMIT and DATE stamp
# the binaries, as make cross does.
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
# The build stages run on the build machine's platform and cross-compile
# for the image's (TARGETARCH): a multi-arch build emulates nothing.
FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS build
ARG TARGETARCH
# The C compiler of the target for cgo: Debian's cross compiler and the
# target's glibc when the build machine is another architecture. go env -w
# keeps it for the go build below. Before the sources, so it is cached.
RUN set -e; \
    case "$TARGETARCH" in \
      amd64) cc=x86_64-linux-gnu-gcc; pkgs="gcc-x86-64-linux-gnu libc6-dev-amd64-cross" ;; \
      arm64) cc=aarch64-linux-gnu-gcc; pkgs="gcc-aarch64-linux-gnu libc6-dev-arm64-cross" ;; \
      *) echo "no C compiler for TARGETARCH=$TARGETARCH" >&2; exit 1 ;; \
    esac; \
    if ! command -v "$cc" >/dev/null; then \
      apt-get update; \
      apt-get install -y --no-install-recommends $pkgs; \
      rm -rf /var/lib/apt/lists/*; \
    fi; \
    go env -w CC="$cc"
WORKDIR /src
# Modules first, in a layer of their own: it is rebuilt only when go.mod
# or go.sum change, not on every source edit.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev COMMIT DATE
RUN CGO_ENABLED=1 GOARCH="$TARGETARCH" go build -trimpath -buildmode=c-shared \
      -ldflags "-X github.com/s3append/s3append/buildinfo.version=$VERSION -X github.com/s3append/s3append/buildinfo.commit=$COMMIT -X github.com/s3append/s3append/buildinfo.date=$DATE" \
      -o /out/out_s3append.so ./plugin

# The sidecar: the static s3append binary (no cgo, so no libc to match),
# in an image of its own. Build and run it, from the repository root:
#   docker build --target sidecar -t s3append-sidecar:dev .
#   docker run --rm \
#     -e S3_BUCKET=my-log-bucket -e S3_REGION=eu-west-1 \
#     -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY \
#     -v s3append-buffer:/var/lib/s3append \
#     -p 24224:24224 -p 8080:8080 -p 4318:4318 -p 2021:2021 \
#     s3append-sidecar:dev
# Its default configuration is deploy/docker/s3append.yaml; mount another
# one and name it: ... s3append-sidecar:dev -c /config/s3append.yaml
# Its stages come before the plugin's, so that the last stage, what a plain
# "docker build ." makes, is still the Fluent Bit image.
# No cgo, so cross-compiling needs only GOARCH.
FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS build-sidecar
ARG TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev COMMIT DATE
# /out/buffer is an empty directory: the sidecar stage copies it to give its
# non-root user a buffer directory it owns (that image has no mkdir).
RUN CGO_ENABLED=0 GOARCH="$TARGETARCH" go build -trimpath \
      -ldflags "-X github.com/s3append/s3append/buildinfo.version=$VERSION -X github.com/s3append/s3append/buildinfo.commit=$COMMIT -X github.com/s3append/s3append/buildinfo.date=$DATE" \
      -o /out/s3append ./cmd/s3append && mkdir -p /out/buffer

# Distroless static: CA certificates, /etc/passwd with the nonroot user
# (65532), and nothing else: no shell, so no RUN and exec forms only. The
# tag moves with Debian's security fixes; add @sha256:<digest> to freeze it.
FROM gcr.io/distroless/static-debian12:nonroot AS sidecar
COPY --from=build-sidecar /out/s3append /usr/local/bin/s3append
COPY deploy/docker/s3append.yaml /etc/s3append/s3append.yaml
# Docker fills a new named volume from the image's directory, owner
# included: without this the volume would be root's and unwritable.
COPY --from=build-sidecar --chown=65532:65532 /out/buffer /var/lib/s3append
USER 65532:65532
# The disk buffer (store_dir): records acknowledged to clients live here
# until they are in S3; keep it on a named volume or a host directory.
VOLUME ["/var/lib/s3append"]
# 24224 forward, 8080 http, 4318 otlp, 2021 /metrics, /healthz, /readyz.
EXPOSE 24224 8080 4318 2021
ENTRYPOINT ["/usr/local/bin/s3append"]
CMD ["-c", "/etc/s3append/s3append.yaml"]

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
