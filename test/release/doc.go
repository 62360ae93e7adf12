// Package release checks what make cross and make dist leave in build/
// before it is published: every binary is for the machine its name says,
// the .so exports what Fluent Bit looks up and needs no glibc newer than
// the Fluent Bit image's (Debian 12), the sidecar is static, each binary
// carries the release stamp, and the checksums match the files. The arm64
// .so is also run, under qemu-user, through a flush and an upload.
//
// make test sets S3APPEND_RELEASE_DIR to build/, and a missing artifact
// then fails; a plain go test skips when nothing has been built.
package release
