package conf

import (
	"reflect"
	"testing"
	"time"
)

func TestValidateAcceptsParsedConfig(t *testing.T) {
	c, err := Parse(withBucket())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate of a parsed config: %v", err)
	}
}

// A Config built in code gets the same checks, and every problem at once.
func TestValidateZeroConfigReportsEveryProblem(t *testing.T) {
	err := (&Config{}).Validate()
	var got []string
	for _, p := range problemsOf(t, err) {
		got = append(got, p.Error())
	}
	want := []string{
		"bucket: must be set",
		"region: must be set",
		`total_file_size: "0" must be greater than 0`,
		`upload_chunk_size: "0" is below the S3 minimum part size of 5M`,
		`upload_timeout: "0s" must be greater than 0`,
		"store_dir: must be set",
		"s3_key_format: must be set",
		"s3_key_format_tag_delimiters: must be set",
		"s3_key_missing_value: must be set",
		"index_format: must be set",
		"compression: must be set",
		"format: must be set",
		"json_date_format: must be set",
		"checksum: must be set",
		"sync: must be set",
		"dead_letter_prefix: must be set",
		`upload_workers: "0" must be from 1 to 64`,
		`max_open_objects: "0" must be at least 1`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}

func TestValidateProgrammaticRanges(t *testing.T) {
	c, err := Parse(withBucket())
	if err != nil {
		t.Fatal(err)
	}
	c.StoreDirLimitSize = -1
	c.ShutdownTimeout = -time.Second
	c.S3KeyFormat = &KeyTemplate{}
	c.Endpoint = "minio:9000" // not normalised: Parse would have added https://
	var got []string
	for _, p := range problemsOf(t, c.Validate()) {
		got = append(got, p.Error())
	}
	want := []string{
		`endpoint: "minio:9000" must be an http or https URL`,
		`store_dir_limit_size: "-1" must not be negative`,
		"s3_key_format: must be set",
		`shutdown_timeout: "-1s" must not be negative`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}

// Messages quote the value as the user wrote it while it still describes the
// field, and the field's own value once code has changed it.
func TestValidateQuotesUserValueOnlyWhileCurrent(t *testing.T) {
	c, err := Parse(withBucket("upload_chunk_size", "16MiB", "total_file_size", "1GB"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.shown("upload_chunk_size"); got != "16MiB" {
		t.Errorf("shown before change = %q, want the user's 16MiB", got)
	}
	c.UploadChunkSize = 3 << 20
	ps := problemsOf(t, c.Validate())
	if len(ps) != 1 || ps[0].Error() != `upload_chunk_size: "3M" is below the S3 minimum part size of 5M` {
		t.Errorf("after change: %v", ps)
	}
	c.UploadChunkSize = 2 << 30
	ps = problemsOf(t, c.Validate())
	if len(ps) != 1 || ps[0].Error() != `upload_chunk_size: "2G" is larger than total_file_size "1GB"; an object holds at least one part` {
		t.Errorf("after change: %v", ps)
	}
}
