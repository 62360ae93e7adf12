# s3append — see README.md.
#   make        build build/out_s3append.so and the sidecar build/s3append
#   make cross  both for linux/amd64 and linux/arm64 (build/linux-*/, build/dist/)
#   make demo   run the plugin on sample logs into a local S3 server it starts
#   make test   unit, fuzz-seed and end-to-end tests (installs what they need)
#   make bench  benchmarks (rec/s, MB/s, bytes/record)
#   make lint   checks of the Dockerfile, compose harness, Kubernetes, Helm and workflow files
#   make e2e-docker  the plugin in the Fluent Bit image against LocalStack (needs Docker)

GO       ?= go
SO       := build/out_s3append.so
SIDECAR  := build/s3append
HOST     := build/flbhost
GOFILES  := $(shell find . -name '*.go' -not -path './build/*' -not -path '*/node_modules/*') go.mod go.sum
HOSTSRC  := $(wildcard test/e2e/host/csrc/*.c test/e2e/host/csrc/*.h)

.PHONY: all tools cross-tools cross dist demo test e2e e2e-docker bench fuzz vet tidy lint clean FORCE

all: $(SO) $(SIDECAR)

include release.mk

$(SO): $(GOFILES) $(STAMP)
	CGO_ENABLED=1 $(GO) build -trimpath -buildmode=c-shared -ldflags "$(LDFLAGS)" -o $@ ./plugin

# The sidecar: static, no cgo.
$(SIDECAR): $(GOFILES) $(STAMP)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $@ ./cmd/s3append

$(HOST): $(HOSTSRC)
	@mkdir -p build
	gcc -std=c11 -O2 -Wall -Wextra -pthread -o $@ $(filter %.c,$(HOSTSRC)) -ldl

tools:
	scripts/tools.sh

demo: tools $(SO) $(SIDECAR) $(HOST)
	$(GO) run ./test/e2e/cmd/demo

vet:
	$(GO) vet ./...

# Both modules' go.mod and go.sum as go mod tidy leaves them: test/lint
# replaces the main module, so a dependency added there changes its go.sum
# too. Checked first so the answer comes before the long suites.
tidy:
	$(GO) mod tidy -diff
	cd test/lint && $(GO) mod tidy -diff

# The engine and buffer packages run under the race detector; the
# end-to-end suite loads the real .so through the host and talks to a real
# S3 server (versitygw) and DuckDB, both installed by scripts/tools.sh.
# Both architectures are built, so a change that breaks arm64 fails here,
# and test/release checks what was built (S3APPEND_RELEASE_DIR makes it
# refuse to skip).
test: tidy tools $(SO) $(SIDECAR) $(HOST) cross dist vet
	$(GO) test -race -count=1 ./buffer/... ./buildinfo/... ./conf/... ./format/... ./iceberg/... ./out_s3append/... ./plugin/... ./source/... ./sidecar/... ./cmd/...
	S3APPEND_RELEASE_DIR=$(CURDIR)/build $(GO) test -count=1 -timeout 25m ./test/...
	cd test/lint && $(GO) test -count=1 ./...

e2e: tools $(SO) $(SIDECAR) $(HOST)
	$(GO) test -count=1 -timeout 15m -v ./test/e2e/

# The Dockerfile, test/e2e/docker-compose.yml, deploy/kubernetes and
# deploy/helm parsed by their tools' libraries (a module of its own), and
# every Fluent Bit configuration among them validated by conf.Parse, and
# the GitHub workflows checked by actionlint (installed by scripts/tools.sh).
lint:
	scripts/tools.sh actionlint
	cd test/lint && $(GO) test -count=1 ./...

# The image built from the Dockerfile, tailing a log-writer's lines into
# LocalStack (test/e2e/docker-compose.yml). Needs a Docker engine with the
# compose plugin.
e2e-docker: tools
	S3APPEND_DOCKER_E2E=1 $(GO) test -count=1 -timeout 30m -run TestDockerCompose -v ./test/e2e/

# Stage benchmarks (go test -bench, raw output in build/bench-stages.txt),
# then the end-to-end runs through the host into a local S3 server; prints
# one table (also in build/bench.md). See BENCHMARKS.md.
bench: tools $(SO) $(SIDECAR) $(HOST)
	@mkdir -p build
	$(GO) test -run '^$$' -bench . -benchmem ./format/... ./out_s3append/... ./buffer/... > build/bench-stages.txt
	$(GO) run ./test/e2e/cmd/bench -stages build/bench-stages.txt > build/bench.md
	@cat build/bench.md

# Longer fuzzing than the seed corpus run by make test.
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzScanFrames -fuzztime $(FUZZTIME) ./buffer/
	$(GO) test -run '^$$' -fuzz FuzzFlippedByte -fuzztime $(FUZZTIME) ./buffer/
	$(GO) test -run '^$$' -fuzz FuzzRecovery -fuzztime $(FUZZTIME) ./buffer/
	$(GO) test -run '^$$' -fuzz FuzzTokenRecovery -fuzztime $(FUZZTIME) ./buffer/
	$(GO) test -run '^$$' -fuzz FuzzReader -fuzztime $(FUZZTIME) ./format/
	$(GO) test -run '^$$' -fuzz FuzzJSONEncoder -fuzztime $(FUZZTIME) ./format/
	$(GO) test -run '^$$' -fuzz FuzzSkip -fuzztime $(FUZZTIME) ./format/
	$(GO) test -run '^$$' -fuzz FuzzParquetRow -fuzztime $(FUZZTIME) ./format/
	$(GO) test -run '^$$' -fuzz FuzzParseParquetSchema -fuzztime $(FUZZTIME) ./format/
	$(GO) test -run '^$$' -fuzz FuzzJSONAsMsgpack -fuzztime $(FUZZTIME) ./format/
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) ./source/forward/
	$(GO) test -run '^$$' -fuzz FuzzHTTPBody -fuzztime $(FUZZTIME) ./source/httpjson/
	$(GO) test -run '^$$' -fuzz FuzzLines -fuzztime $(FUZZTIME) ./source/lines/
	$(GO) test -run '^$$' -fuzz FuzzOTLP -fuzztime $(FUZZTIME) ./source/otlp/
	$(GO) test -run '^$$' -fuzz FuzzParseLine -fuzztime $(FUZZTIME) ./format/s3access/
	$(GO) test -run '^$$' -fuzz FuzzNotification -fuzztime $(FUZZTIME) ./source/s3accesslogs/
	$(GO) test -run '^$$' -fuzz FuzzKeyTime -fuzztime $(FUZZTIME) ./source/s3accesslogs/
	$(GO) test -run '^$$' -fuzz FuzzMatchTag -fuzztime $(FUZZTIME) ./sidecar/

clean:
	rm -rf build
