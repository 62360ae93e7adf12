# Release builds, included by the Makefile: the version stamp of every
# binary, and make cross / make dist for linux/amd64 and linux/arm64.

# What the binaries report (package buildinfo). make cross VERSION=v0.3.0
# names a release; otherwise git describe does. Expanded once, so that
# every binary of a run carries the same values.
ifeq ($(origin VERSION),undefined)
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
endif
COMMIT := $(shell git rev-parse HEAD 2>/dev/null)
ifeq ($(origin DATE),undefined)
DATE := $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
endif
BUILDINFO := github.com/s3append/s3append/buildinfo
LDFLAGS   := -X $(BUILDINFO).version=$(VERSION) -X $(BUILDINFO).commit=$(COMMIT) -X $(BUILDINFO).date=$(DATE)

# STAMP changes only when the version or the commit does: binaries depend
# on it, so a new VERSION rebuilds them and an unchanged one does not
# (the date alone is no reason to rebuild).
STAMP := build/release.stamp
$(STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION) $(COMMIT)' | cmp -s - $@ || echo '$(VERSION) $(COMMIT)' > $@
FORCE:

# The C compiler of each architecture for the cgo .so. Linked against
# Debian 12's glibc (the Fluent Bit image's), it loads on that and newer.
ARCHES   := amd64 arm64
CC_amd64 ?= gcc
CC_arm64 ?= aarch64-linux-gnu-gcc
CROSS    := $(foreach a,$(ARCHES),build/linux-$(a)/out_s3append.so build/linux-$(a)/s3append build/linux-$(a)/SHA256SUMS)
DIST     := $(foreach a,$(ARCHES),build/dist/out_s3append-linux-$(a).so build/dist/s3append-linux-$(a)) build/dist/SHA256SUMS

cross-tools:
	scripts/tools.sh cross

cross: $(CROSS)

# The header go build writes beside a c-shared library is of no use to
# Fluent Bit: it stays out of the artifact set.
build/linux-%/out_s3append.so: $(GOFILES) $(STAMP) | cross-tools
	@mkdir -p $(@D)
	CGO_ENABLED=1 GOOS=linux GOARCH=$* CC=$(CC_$*) $(GO) build -trimpath -buildmode=c-shared -ldflags "$(LDFLAGS)" -o $@ ./plugin
	rm -f $(@D)/out_s3append.h

build/linux-%/s3append: $(GOFILES) $(STAMP)
	@mkdir -p $(@D)
	CGO_ENABLED=0 GOOS=linux GOARCH=$* $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $@ ./cmd/s3append

build/linux-%/SHA256SUMS: build/linux-%/out_s3append.so build/linux-%/s3append
	cd $(@D) && sha256sum out_s3append.so s3append > SHA256SUMS

# The release assets: one flat directory, the architecture in each name
# (a release cannot hold two files of the same name), one SHA256SUMS.
# After cross, so that the per-architecture sums match too.
dist: $(CROSS) $(DIST)

build/dist/out_s3append-linux-%.so: build/linux-%/out_s3append.so
	@mkdir -p $(@D)
	cp $< $@

build/dist/s3append-linux-%: build/linux-%/s3append
	@mkdir -p $(@D)
	cp $< $@

build/dist/SHA256SUMS: $(filter-out build/dist/SHA256SUMS,$(DIST))
	cd $(@D) && sha256sum $(notdir $^) > SHA256SUMS
