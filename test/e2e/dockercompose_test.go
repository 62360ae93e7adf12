package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
)

// The compose harness, as docker-compose.yml and docker/ set it up.
const (
	composeFile     = "docker-compose.yml"
	composeProject  = "s3append-e2e"
	composeBucket   = "s3append-e2e" // created by docker/localstack-init.sh
	composeEndpoint = "http://127.0.0.1:4566"
	composeLines    = 5000 // passed to the log-writer as S3APPEND_E2E_LINES
	// composeDeadline bounds the wait for every line to be in the bucket:
	// the harness's upload_timeout is 10 s.
	composeDeadline = 3 * time.Minute
	composePoll     = 2 * time.Second
)

// The real Fluent Bit image with the plugin, built from the repository's
// Dockerfile, tails the lines of the log-writer service and appends them to
// LocalStack: every line lands in the bucket exactly once.
func TestDockerCompose(t *testing.T) {
	if os.Getenv("S3APPEND_DOCKER_E2E") != "1" {
		t.Skip("needs a Docker engine with the compose plugin: run make e2e-docker (sets S3APPEND_DOCKER_E2E=1)")
	}
	// A previous run's volumes would still hold its lines and buffer.
	compose(t, 2*time.Minute, "down", "-v", "--remove-orphans")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("docker compose logs:\n%s", compose(t, time.Minute, "logs", "--no-color"))
		}
		compose(t, 2*time.Minute, "down", "-v", "--remove-orphans")
	})
	// Building the image compiles the plugin; the first build downloads
	// the base images and modules too.
	if out, err := composeRun(20*time.Minute, "up", "-d", "--build", "--wait"); err != nil {
		t.Fatalf("docker compose up: %v\n%s", err, out)
	}

	store, err := s3api.NewAWS(context.Background(), s3api.AWSConfig{
		Bucket: composeBucket, Region: "us-east-1", Endpoint: composeEndpoint, UsePathStyle: true,
		ChecksumWhenRequired: true, AccessKey: "test", SecretKey: "test", HTTPTimeout: 30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(composeDeadline)
	var last error
	seen := ""
	for round := 1; ; round++ {
		objs, err := store.ListObjects(context.Background(), "")
		switch {
		case err != nil:
			last = fmt.Errorf("listing the bucket: %w", err)
		case len(objs) == 0:
			last = errors.New("no object in the bucket yet")
		default:
			// DuckDB reads the bucket again only when its objects changed.
			names := make([]string, len(objs))
			for i, o := range objs {
				names[i] = fmt.Sprintf("%s:%d", o.Key, o.Size)
			}
			sort.Strings(names)
			if now := strings.Join(names, " "); now != seen {
				seen = now
				down := filepath.Join(t.TempDir(), fmt.Sprintf("round-%d", round))
				download(t, store, down)
				last = checkWriterLines(readWriterLines(t, down+"/**/*.json.gz"), composeLines)
			}
		}
		if last == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", composeDeadline, last)
		}
		time.Sleep(composePoll) // polling interval, not synchronisation
	}
	t.Logf("all %d lines in the bucket, once each", composeLines)
	noOpenUploads(t, store)
}

// compose runs docker compose on the harness and returns its output; a
// failure is logged, not fatal, as it serves cleanup too.
func compose(t *testing.T, timeout time.Duration, args ...string) string {
	t.Helper()
	out, err := composeRun(timeout, args...)
	if err != nil {
		t.Logf("docker compose %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func composeRun(timeout time.Duration, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	full := append([]string{"compose", "-f", composeFile, "-p", composeProject}, args...)
	cmd := exec.CommandContext(ctx, "docker", full...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("S3APPEND_E2E_LINES=%d", composeLines))
	return cmd.CombinedOutput()
}
