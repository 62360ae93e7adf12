package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A configuration written for Fluent Bit's s3 output against an
// S3-compatible store names an endpoint by host name and no
// use_path_style (the s3 output always addresses endpoint/bucket/key).
// With only the name changed, every record lands: path style follows the
// endpoint. With virtual-host addressing the requests would go to
// <bucket>.localhost, which does not resolve.
func TestEndpointWithoutPathStyleLikeTheS3Output(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	entries := makeEntries(6, 200, time.Second, "app")
	cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket":         bucket,
		"endpoint":       strings.Replace(server.Endpoint, "127.0.0.1", "localhost", 1),
		"use_path_style": "", // unset, as in an s3 output's configuration
		"s3_key_format":  "/mig/$TAG/$UUID.json.gz",
	}})
	if b, err := os.ReadFile(cfg); err != nil || strings.Contains(string(b), "use_path_style") {
		t.Fatalf("test setup: the configuration sets use_path_style (%v)", err)
	}
	runOK(t, dir, cfg, entries, 1)
	down := filepath.Join(dir, "down")
	download(t, store, down)
	checkRecords(t, readBack(t, down+"/mig/*/*.json.gz", "gzip"), wantIDs(entries), nil)
	noOpenUploads(t, store)
}

// Misspelt option names are reported by name at start, with the option
// meant, for the output they are in; Fluent Bit's own keys are not.
func TestMisspeltOptionsAreReported(t *testing.T) {
	dir := t.TempDir()
	bucket, _ := newBucket(t)
	cfg := writeConfig(t, dir,
		output{match: "*", opts: map[string]string{"bucket": bucket, "store_dir": filepath.Join(dir, "a"),
			"total_flie_size": "50M", "upload_timout": "1m"}},
		output{match: "*", opts: map[string]string{"bucket": bucket, "store_dir": filepath.Join(dir, "b"),
			"bucket_nme": "x"}},
	)
	_, log := runOK(t, dir, cfg, makeEntries(2, 10, time.Second, "a", "b"), 2)
	for _, want := range []string{
		`[ warn] [output:s3append:s3append.0] ` + cfg + `:`,
		`"total_flie_size" is not an option of s3append and is ignored; did you mean total_file_size?`,
		`"upload_timout" is not an option of s3append and is ignored; did you mean upload_timeout?`,
		`[ warn] [output:s3append:s3append.1] ` + cfg + `:`,
		`"bucket_nme" is not an option of s3append and is ignored`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	for _, core := range []string{`"Match"`, `"Retry_Limit"`, `"Name"`, `"store_dir"`} {
		if strings.Contains(log, core+" is not an option") {
			t.Errorf("%s reported as unknown:\n%s", core, log)
		}
	}
}
