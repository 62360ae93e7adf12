package conf

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// problemsOf unpacks the joined error of Parse or Validate.
func problemsOf(t *testing.T, err error) []*OptionError {
	t.Helper()
	if err == nil {
		return nil
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %q is not a joined error", err)
	}
	var out []*OptionError
	for _, e := range joined.Unwrap() {
		var oe *OptionError
		if !errors.As(e, &oe) {
			t.Fatalf("problem %q is not an *OptionError", e)
		}
		out = append(out, oe)
	}
	return out
}

func withBucket(kv ...string) MapSource {
	m := MapSource{"bucket": "my-bucket"}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestParseDefaults(t *testing.T) {
	c, err := Parse(withBucket())
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	key, err := ParseKeyTemplate("/fluent-bit-logs/$TAG/%Y/%m/%d/%H/$UUID")
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Bucket:                   "my-bucket",
		Region:                   "us-east-1",
		TotalFileSize:            100 << 20,
		UploadChunkSize:          5 << 20,
		UploadTimeout:            10 * time.Minute,
		StoreDir:                 "/tmp/fluent-bit/s3append",
		S3KeyFormat:              key,
		S3KeyFormatTagDelimiters: ".",
		TimeZone:                 time.UTC,
		S3KeyMissingValue:        "_unknown",
		IndexFormat:              "%06d",
		Compression:              CompressionGzip,
		Format:                   FormatJSONLines,
		JSONDateKey:              "date",
		JSONDateFormat:           DateISO8601,
		Checksum:                 ChecksumWhenSupported,
		Sync:                     SyncAlways,
		UploadWorkers:            2,
		ShutdownTimeout:          4 * time.Second,
		SyncInterval:             time.Second,
		DeadLetterPrefix:         "s3append-dead-letter/",
		ParquetUnknownFields:     "extra",
		ParquetNested:            "native",
		ParquetTimeUnit:          "micros",
		LateDataWindow:           time.Minute,
		MaxOpenObjects:           1000,
		Iceberg:                  Iceberg{CommitInterval: time.Minute, CommitMaxFiles: 500, SchemaEvolution: true},
		Raw:                      map[string]string{"bucket": "my-bucket"},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
}

func TestParseValidValues(t *testing.T) {
	for _, tc := range []struct {
		option, value string
		get           func(*Config) any
		want          any
	}{
		{"bucket", "logs.example-1", func(c *Config) any { return c.Bucket }, "logs.example-1"},
		{"region", "eu-west-1", func(c *Config) any { return c.Region }, "eu-west-1"},
		{"endpoint", "http://minio:9000", func(c *Config) any { return c.Endpoint }, "http://minio:9000"},
		{"endpoint", "https://s3.example.com/", func(c *Config) any { return c.Endpoint }, "https://s3.example.com/"},
		{"endpoint", "s3.example.com", func(c *Config) any { return c.Endpoint }, "https://s3.example.com"},
		{"endpoint", "localhost:9000", func(c *Config) any { return c.Endpoint }, "https://localhost:9000"},
		{"endpoint", "http://[::1]:9000", func(c *Config) any { return c.Endpoint }, "http://[::1]:9000"},
		{"use_path_style", "On", func(c *Config) any { return c.UsePathStyle }, true},
		{"use_path_style", "1", func(c *Config) any { return c.UsePathStyle }, true},
		{"use_path_style", "no", func(c *Config) any { return c.UsePathStyle }, false},
		{"total_file_size", "5T", func(c *Config) any { return c.TotalFileSize }, int64(5 << 40)},
		{"total_file_size", "5M", func(c *Config) any { return c.TotalFileSize }, int64(5 << 20)},
		{"total_file_size", "1GiB", func(c *Config) any { return c.TotalFileSize }, int64(1 << 30)},
		{"upload_chunk_size", "5242880", func(c *Config) any { return c.UploadChunkSize }, int64(5 << 20)},
		{"upload_chunk_size", "50MB", func(c *Config) any { return c.UploadChunkSize }, int64(50 << 20)},
		{"upload_chunk_size", "100m", func(c *Config) any { return c.UploadChunkSize }, int64(100 << 20)},
		{"upload_timeout", "1h30m", func(c *Config) any { return c.UploadTimeout }, 90 * time.Minute},
		{"upload_timeout", "600", func(c *Config) any { return c.UploadTimeout }, 10 * time.Minute},
		{"upload_timeout", "1ns", func(c *Config) any { return c.UploadTimeout }, time.Nanosecond},
		{"store_dir", "/var/lib/fluent-bit/s3", func(c *Config) any { return c.StoreDir }, "/var/lib/fluent-bit/s3"},
		{"store_dir_limit_size", "2G", func(c *Config) any { return c.StoreDirLimitSize }, int64(2 << 30)},
		{"store_dir_limit_size", "1", func(c *Config) any { return c.StoreDirLimitSize }, int64(1)},
		{"s3_key_format", "/a/$TAG[2]/%Y/$INDEX", func(c *Config) any { return c.S3KeyFormat.Raw }, "/a/$TAG[2]/%Y/$INDEX"},
		{"s3_key_format", "static", func(c *Config) any { return len(c.S3KeyFormat.Parts) }, 1},
		{"s3_key_format_tag_delimiters", "._-", func(c *Config) any { return c.S3KeyFormatTagDelimiters }, "._-"},
		{"compression", "zstd", func(c *Config) any { return c.Compression }, CompressionZstd},
		{"compression", "NONE", func(c *Config) any { return c.Compression }, CompressionNone},
		{"compression", "Gzip", func(c *Config) any { return c.Compression }, CompressionGzip},
		{"format", "json", func(c *Config) any { return c.Format }, FormatJSONLines},
		{"format", "JSON_LINES", func(c *Config) any { return c.Format }, FormatJSONLines},
		{"json_date_key", "ts", func(c *Config) any { return c.JSONDateKey }, "ts"},
		{"json_date_key", "false", func(c *Config) any { return c.JSONDateKey }, ""},
		{"json_date_key", "Off", func(c *Config) any { return c.JSONDateKey }, ""},
		{"json_date_format", "epoch", func(c *Config) any { return c.JSONDateFormat }, DateEpoch},
		{"json_date_format", "epoch_ms", func(c *Config) any { return c.JSONDateFormat }, DateEpochMS},
		{"json_date_format", "Double", func(c *Config) any { return c.JSONDateFormat }, DateDouble},
		{"json_date_format", "iso8601", func(c *Config) any { return c.JSONDateFormat }, DateISO8601},
		{"log_key", "log", func(c *Config) any { return c.LogKey }, "log"},
		{"content_type", "application/json; charset=utf-8", func(c *Config) any { return c.ContentType }, "application/json; charset=utf-8"},
		{"storage_class", "glacier_ir", func(c *Config) any { return c.StorageClass }, "GLACIER_IR"},
		{"storage_class", "EXPRESS_ONEZONE", func(c *Config) any { return c.StorageClass }, "EXPRESS_ONEZONE"},
		{"checksum", "when_required", func(c *Config) any { return c.Checksum }, ChecksumWhenRequired},
		{"sync", "none", func(c *Config) any { return c.Sync }, SyncNone},
		{"sync", "ALWAYS", func(c *Config) any { return c.Sync }, SyncAlways},
		{"sync", "interval", func(c *Config) any { return c.Sync }, SyncInterval},
		{"upload_retry_limit", "no_limits", func(c *Config) any { return c.UploadRetryLimit }, 0},
		{"upload_retry_limit", "12", func(c *Config) any { return c.UploadRetryLimit }, 12},
		{"upload_workers", "1", func(c *Config) any { return c.UploadWorkers }, 1},
		{"upload_workers", "64", func(c *Config) any { return c.UploadWorkers }, 64},
		{"shutdown_timeout", "0", func(c *Config) any { return c.ShutdownTimeout }, time.Duration(0)},
		{"shutdown_timeout", "2500ms", func(c *Config) any { return c.ShutdownTimeout }, 2500 * time.Millisecond},
	} {
		c, err := Parse(withBucket(tc.option, tc.value))
		if err != nil {
			t.Errorf("%s %q: %v", tc.option, tc.value, err)
			continue
		}
		if got := tc.get(c); got != tc.want {
			t.Errorf("%s %q: got %#v, want %#v", tc.option, tc.value, got, tc.want)
		}
		if c.Raw[tc.option] != tc.value {
			t.Errorf("%s %q: Raw holds %q", tc.option, tc.value, c.Raw[tc.option])
		}
	}
}

func TestParseInvalidValues(t *testing.T) {
	for _, tc := range []struct {
		option, value string
		want          string // the whole message
	}{
		{"bucket", "my-bucket/logs", `bucket: "my-bucket/logs" is not a bucket name; put a key prefix in s3_key_format`},
		{"bucket", "my bucket", `bucket: "my bucket" is not a bucket name: it contains white space`},
		{"region", "eu west", `region: "eu west" is not a region name`},
		{"endpoint", "ftp://minio:9000", `endpoint: "ftp://minio:9000" must be an http or https URL`},
		{"endpoint", "http://", `endpoint: "http://" has no host`},
		{"endpoint", "http://:9000", `endpoint: "http://:9000" has no host`},
		{"endpoint", "http://key:secret@minio:9000", `endpoint: "http://key:secret@minio:9000" must not contain credentials; use the AWS credential chain`},
		{"endpoint", "http://minio:9000/?x=1", `endpoint: "http://minio:9000/?x=1" must not have a query or fragment`},
		{"endpoint", "http://minio:port", `endpoint: "http://minio:port" is not a URL`},
		{"use_path_style", "maybe", `use_path_style: "maybe" is not a boolean (use on/off, true/false, yes/no or 1/0)`},
		{"total_file_size", "6T", `total_file_size: "6T" is above the S3 maximum object size of 5T`},
		{"total_file_size", "0", `total_file_size: "0" must be greater than 0`},
		{"total_file_size", "lots", `total_file_size: "lots" is not a size (examples: 512, 100K, 50M, 1G)`},
		{"total_file_size", "-1M", `total_file_size: "-1M" is negative`},
		{"upload_chunk_size", "3M", `upload_chunk_size: "3M" is below the S3 minimum part size of 5M`},
		{"upload_chunk_size", "5242879", `upload_chunk_size: "5242879" is below the S3 minimum part size of 5M`},
		{"upload_chunk_size", "5000K", `upload_chunk_size: "5000K" is below the S3 minimum part size of 5M`},
		{"upload_chunk_size", "5121M", `upload_chunk_size: "5121M" is above the S3 maximum part size of 5G`},
		{"upload_chunk_size", "101M", `upload_chunk_size: "101M" is larger than total_file_size "100M"; an object holds at least one part`},
		{"upload_chunk_size", "1.5M", `upload_chunk_size: "1.5M" is not a size (examples: 512, 100K, 50M, 1G)`},
		{"upload_timeout", "0", `upload_timeout: "0" must be greater than 0`},
		{"upload_timeout", "0s", `upload_timeout: "0s" must be greater than 0`},
		{"upload_timeout", "-10m", `upload_timeout: "-10m" is negative`},
		{"upload_timeout", "10 minutes", `upload_timeout: "10 minutes" is not a duration (examples: 30s, 10m, 1h30m, or a number of seconds)`},
		{"store_dir", "buffers/s3", `store_dir: "buffers/s3" must be an absolute path: a relative one follows the directory Fluent Bit starts in, and buffered records would be left behind when that changes`},
		{"store_dir_limit_size", "-1", `store_dir_limit_size: "-1" is negative`},
		{"store_dir_limit_size", "big", `store_dir_limit_size: "big" is not a size (examples: 512, 100K, 50M, 1G)`},
		{"s3_key_format", "/logs/%Y/%q", `s3_key_format: "/logs/%Y/%q" is not a valid key template: unknown strftime conversion "%q" (supported: %Y %m %d %H %M %S %j %y %b %a %p %Z %z %s %%) at offset 9`},
		{"s3_key_format", "/logs/$tag", `s3_key_format: "/logs/$tag" is not a valid key template: unknown variable "$tag" (variables are upper case: $TAG) at offset 6`},
		{"s3_key_format", "/", `s3_key_format: "/" produces an empty object key`},
		{"s3_key_format", "//", `s3_key_format: "//" produces an empty object key`},
		{"s3_key_format", "/logs/$TAG/", `s3_key_format: "/logs/$TAG/" ends with "/", which would make every object look like a folder`},
		{"compression", "lz4", `compression: "lz4" is not one of gzip, zstd, none, snappy`},
		{"compression", "parquet", `compression: "parquet" is not one of gzip, zstd, none, snappy`},
		{"compression", "snappy", `compression: "snappy" is for Parquet pages (format parquet); JSON lines take gzip, zstd or none`},
		{"format", "csv", `format: "csv" is not one of json_lines (alias json), parquet`},
		{"parquet_nested", "json", `parquet_nested: "json" applies only with format parquet`},
		{"parquet_schema", "/nonexistent/schema.json", `parquet_schema: "/nonexistent/schema.json" is neither an inline JSON schema nor a readable file: open /nonexistent/schema.json: no such file or directory`},
		{"json_date_format", "java_sql_timestamp", `json_date_format: "java_sql_timestamp" is not one of iso8601, epoch, epoch_ms, double`},
		{"content_type", "json", `content_type: "json" is not a media type (for example application/x-ndjson)`},
		{"content_type", "text/plain; charset", `content_type: "text/plain; charset" is not a media type (for example application/x-ndjson)`},
		{"storage_class", "COLD", `storage_class: "COLD" is not one of STANDARD, REDUCED_REDUNDANCY, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER, DEEP_ARCHIVE, OUTPOSTS, GLACIER_IR, SNOW, EXPRESS_ONEZONE`},
		{"checksum", "never", `checksum: "never" is not one of when_supported, when_required`},
		{"sync", "sometimes", `sync: "sometimes" is not one of always, interval, none`},
		{"upload_retry_limit", "many", `upload_retry_limit: "many" is not a whole number`},
		{"upload_workers", "0", `upload_workers: "0" must be from 1 to 64`},
		{"upload_workers", "65", `upload_workers: "65" must be from 1 to 64`},
		{"upload_workers", "-2", `upload_workers: "-2" must be from 1 to 64`},
		{"upload_workers", "two", `upload_workers: "two" is not a whole number`},
		{"upload_workers", "2.5", `upload_workers: "2.5" is not a whole number`},
		{"shutdown_timeout", "-1s", `shutdown_timeout: "-1s" is negative`},
		{"shutdown_timeout", "later", `shutdown_timeout: "later" is not a duration (examples: 30s, 10m, 1h30m, or a number of seconds)`},
	} {
		c, err := Parse(withBucket(tc.option, tc.value))
		if c != nil {
			t.Errorf("%s %q: Parse returned a config along with the error", tc.option, tc.value)
		}
		ps := problemsOf(t, err)
		if len(ps) != 1 {
			t.Errorf("%s %q: want exactly one problem, got %v", tc.option, tc.value, err)
			continue
		}
		if ps[0].Option != tc.option || ps[0].Error() != tc.want {
			t.Errorf("%s %q:\n got %s\nwant %s", tc.option, tc.value, ps[0], tc.want)
		}
	}
}

func TestParseRequiresBucket(t *testing.T) {
	_, err := Parse(MapSource{})
	if err == nil || err.Error() != "bucket: must be set" {
		t.Errorf("Parse without bucket: %v", err)
	}
	_, err = Parse(MapSource{"bucket": "   "})
	if err == nil || err.Error() != "bucket: must be set" {
		t.Errorf("Parse with a blank bucket: %v", err)
	}
}

func TestParseReportsEveryProblemInTableOrder(t *testing.T) {
	_, err := Parse(MapSource{
		"shutdown_timeout":  "-1s",
		"upload_chunk_size": "3M",
		"compression":       "lz4",
		"format":            "csv",
		"s3_key_format":     "/logs/%Q",
		"use_path_style":    "perhaps",
		"sync":              "sometimes",
	})
	ps := problemsOf(t, err)
	var got []string
	for _, p := range ps {
		got = append(got, p.Option)
	}
	want := []string{"bucket", "use_path_style", "upload_chunk_size", "s3_key_format", "compression", "format", "sync", "shutdown_timeout"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems for %v, want %v; error:\n%v", got, want, err)
	}
	msg := err.Error()
	for _, part := range []string{`upload_chunk_size: "3M" is below the S3 minimum part size of 5M`, `"%Q"`, `"perhaps"`, `"-1s"`} {
		if !strings.Contains(msg, part) {
			t.Errorf("error does not contain %q:\n%s", part, msg)
		}
	}
	if n := strings.Count(msg, "\n") + 1; n != len(want) {
		t.Errorf("error has %d lines, want one per problem (%d):\n%s", n, len(want), msg)
	}
}

// A value that cannot be read must not also produce follow-on complaints
// from checks that depend on it.
func TestParseSkipsChecksOnUnreadableOptions(t *testing.T) {
	_, err := Parse(withBucket("total_file_size", "huge", "upload_chunk_size", "16M"))
	ps := problemsOf(t, err)
	if len(ps) != 1 || ps[0].Option != "total_file_size" {
		t.Errorf("want only the total_file_size problem, got:\n%v", err)
	}
	_, err = Parse(withBucket("total_file_size", "10M", "upload_chunk_size", "16M"))
	ps = problemsOf(t, err)
	if len(ps) != 1 || ps[0].Option != "upload_chunk_size" || !strings.Contains(ps[0].Error(), `total_file_size "10M"`) {
		t.Errorf("want the chunk-larger-than-total problem naming both options, got:\n%v", err)
	}
}

func TestParseKeysAreCaseInsensitiveAndValuesTrimmed(t *testing.T) {
	c, err := Parse(MapSource{"Bucket": " b ", "UPLOAD_CHUNK_SIZE": "\t8M ", "Json_Date_Key": "ts"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Bucket != "b" || c.UploadChunkSize != 8<<20 || c.JSONDateKey != "ts" {
		t.Errorf("got bucket %q chunk %d date key %q", c.Bucket, c.UploadChunkSize, c.JSONDateKey)
	}
	want := map[string]string{"bucket": "b", "upload_chunk_size": "8M", "json_date_key": "ts"}
	if !reflect.DeepEqual(c.Raw, want) {
		t.Errorf("Raw = %v, want %v", c.Raw, want)
	}
}

func TestMapSource(t *testing.T) {
	m := MapSource{"Bucket": "a", "region": "r"}
	for key, want := range map[string]string{"bucket": "a", "BUCKET": "a", "Bucket": "a", "Region": "r", "missing": ""} {
		if got := m.Get(key); got != want {
			t.Errorf("Get(%q) = %q, want %q", key, got, want)
		}
	}
}

// An endpoint without use_path_style is addressed endpoint/bucket/key, as
// Fluent Bit's s3 output addresses it; AWS itself, bucket.endpoint; and
// use_path_style, when set, wins either way.
func TestPathStyleFollowsEndpoint(t *testing.T) {
	for _, tc := range []struct {
		endpoint, pathStyle string
		want                bool
	}{
		{"", "", false},
		{"http://minio:9000", "", true},
		{"minio.internal:9000", "", true},
		{"http://minio:9000", "false", false},
		{"", "true", true},
		{"http://minio:9000", "auto", true},
		{"", "Auto", false},
	} {
		src := MapSource{"bucket": "b", "endpoint": tc.endpoint, "use_path_style": tc.pathStyle}
		c, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		if c.UsePathStyle != tc.want {
			t.Errorf("endpoint %q, use_path_style %q: path style %v, want %v", tc.endpoint, tc.pathStyle, c.UsePathStyle, tc.want)
		}
	}
}

// Every bad field of a declared Parquet schema is named, each as a problem
// of parquet_schema of its own.
func TestParquetSchemaReportsEveryBadField(t *testing.T) {
	_, err := Parse(MapSource{"bucket": "b", "format": "parquet", "parquet_schema": `{"level":"strng","status":"int65","ok":"boolean"}`})
	if err == nil {
		t.Fatal("a schema with two unknown types was accepted")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{`parquet_schema: field "level": unknown type "strng"`, `parquet_schema: field "status": unknown type "int65"`}
	if len(lines) != len(want) {
		t.Fatalf("problems:\n%s\nwant one line for each bad field", err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want it to start %q", i, lines[i], w)
		}
	}
}
