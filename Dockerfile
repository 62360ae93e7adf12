# The plugin on top of the official Fluent Bit image.
#   docker build -t s3append .
#   docker run -e S3_BUCKET=my-bucket -e AWS_REGION=eu-west-1 s3append
# Build on the same Debian release as the Fluent Bit image so the .so needs
# no newer glibc than the image has.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -buildmode=c-shared -o /out/out_s3append.so ./plugin

FROM fluent/fluent-bit:4.0.3
COPY --from=build /out/out_s3append.so /fluent-bit/plugins/out_s3append.so
COPY conf/plugins.conf /fluent-bit/etc/plugins.conf
COPY conf/fluent-bit.conf /fluent-bit/etc/fluent-bit.conf
CMD ["/fluent-bit/bin/fluent-bit", "-c", "/fluent-bit/etc/fluent-bit.conf"]
