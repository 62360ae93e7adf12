package conf

import (
	"fmt"
	"mime"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// S3 limits, from the S3 documentation on multipart upload.
const (
	minPartSize   = 5 * mib
	maxPartSize   = 5 * gib
	maxObjectSize = 5 * tib
	maxWorkers    = 64
)

var storageClasses = []string{
	"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
	"INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "OUTPOSTS",
	"GLACIER_IR", "SNOW", "EXPRESS_ONEZONE",
}

// problem is one validation failure; also lists the other options it was
// computed from, so Parse can drop it when one of them was unreadable.
type problem struct {
	err  *OptionError
	also []string
}

func (p problem) involves(options map[string]bool) bool {
	if options[p.err.Option] {
		return true
	}
	for _, o := range p.also {
		if options[o] {
			return true
		}
	}
	return false
}

// Validate checks the ranges of every field and how the fields fit together.
// It returns every problem, joined, or nil.
func (c *Config) Validate() error {
	ps := c.problems()
	if len(ps) == 0 {
		return nil
	}
	found := make([]*OptionError, len(ps))
	for i, p := range ps {
		found[i] = p.err
	}
	return joinInTableOrder(found)
}

// shown is the value of an option for messages: as the user wrote it when
// that still matches the field, else the field in canonical form.
func (c *Config) shown(name string) string {
	s := specByName(name)
	current := s.show(c)
	// A JSON document (an inline parquet_schema) is not repeated in front
	// of each problem found in it.
	if raw, ok := c.Raw[name]; ok && !s.secret && !strings.HasPrefix(raw, "{") {
		var scratch Config
		if s.apply(&scratch, raw) == nil && s.show(&scratch) == current {
			return raw
		}
	}
	return current
}

func (c *Config) problems() []problem {
	var ps []problem
	bad := func(option, reason string, also ...string) {
		ps = append(ps, problem{err: &OptionError{Option: option, Value: c.shown(option), Reason: reason}, also: also})
	}
	missing := func(option string) {
		ps = append(ps, problem{err: &OptionError{Option: option, Reason: "must be set"}})
	}
	oneOf := func(option, value string, allowed ...string) {
		if value == "" {
			missing(option)
			return
		}
		for _, a := range allowed {
			if value == a {
				return
			}
		}
		bad(option, "is not one of "+strings.Join(allowed, ", "))
	}

	switch {
	case c.Bucket == "":
		missing("bucket")
	case strings.Contains(c.Bucket, "/"):
		bad("bucket", "is not a bucket name; put a key prefix in s3_key_format")
	case strings.ContainsAny(c.Bucket, " \t\r\n"):
		bad("bucket", "is not a bucket name: it contains white space")
	}

	switch {
	case c.Region == "":
		missing("region")
	case strings.ContainsAny(c.Region, " \t\r\n/"):
		bad("region", "is not a region name")
	}

	if c.Endpoint != "" {
		if reason := checkEndpoint(c.Endpoint); reason != "" {
			bad("endpoint", reason)
		}
	}

	switch {
	case c.TotalFileSize <= 0:
		bad("total_file_size", "must be greater than 0")
	case c.TotalFileSize > maxObjectSize:
		bad("total_file_size", "is above the S3 maximum object size of "+formatSize(maxObjectSize))
	}

	switch {
	case c.UploadChunkSize < minPartSize:
		bad("upload_chunk_size", "is below the S3 minimum part size of "+formatSize(minPartSize))
	case c.UploadChunkSize > maxPartSize:
		bad("upload_chunk_size", "is above the S3 maximum part size of "+formatSize(maxPartSize))
	case c.TotalFileSize > 0 && c.UploadChunkSize > c.TotalFileSize:
		bad("upload_chunk_size", fmt.Sprintf("is larger than total_file_size %q; an object holds at least one part",
			c.shown("total_file_size")), "total_file_size")
	}

	if c.UploadTimeout <= 0 {
		bad("upload_timeout", "must be greater than 0")
	}

	switch {
	case c.StoreDir == "":
		missing("store_dir")
	case !filepath.IsAbs(c.StoreDir):
		bad("store_dir", "must be an absolute path: a relative one follows the directory Fluent Bit starts in, and buffered records would be left behind when that changes")
	}

	if c.StoreDirLimitSize < 0 {
		bad("store_dir_limit_size", "must not be negative")
	}

	if c.S3KeyFormat == nil || len(c.S3KeyFormat.Parts) == 0 {
		missing("s3_key_format")
	} else if reason := checkKeyShape(c.S3KeyFormat); reason != "" {
		bad("s3_key_format", reason)
	}

	if c.S3KeyFormatTagDelimiters == "" {
		missing("s3_key_format_tag_delimiters")
	}

	switch v := c.S3KeyMissingValue; {
	case v == "":
		missing("s3_key_missing_value")
	case checkKeySegmentValue(v) != "":
		bad("s3_key_missing_value", checkKeySegmentValue(v))
	}
	if c.IndexFormat == "" {
		missing("index_format")
	} else if reason := checkIndexFormat(c.IndexFormat); reason != "" {
		bad("index_format", reason)
	}
	if c.StaticFilePath && c.S3KeyFormat != nil && len(c.S3KeyFormat.Parts) > 0 && !c.S3KeyFormat.HasUUID() && !c.S3KeyFormat.HasIndex() {
		bad("static_file_path", fmt.Sprintf("is on but s3_key_format %q has neither $UUID nor $INDEX: every object of a partition would get the same key and overwrite the one before; add $UUID or $INDEX, or turn static_file_path off", c.S3KeyFormat.Raw), "s3_key_format")
	}

	oneOf("compression", string(c.Compression),
		string(CompressionGzip), string(CompressionZstd), string(CompressionNone), string(CompressionSnappy))
	if l := c.CompressionLevel; l != 0 {
		switch c.Compression {
		case CompressionGzip:
			if l > 9 {
				bad("compression_level", "is not a gzip level: 1 to 9", "compression")
			}
		case CompressionZstd:
			if l > 22 {
				bad("compression_level", "is not a zstd level: 1 to 22", "compression")
			}
		case CompressionNone, CompressionSnappy:
			bad("compression_level", fmt.Sprintf("has no effect with compression %s; remove it", c.Compression), "compression")
		}
	}

	switch c.Format {
	case FormatJSONLines, FormatParquet:
	case "":
		missing("format")
	default:
		bad("format", "is not one of json_lines (alias json), parquet")
	}
	c.parquetProblems(bad)
	c.icebergProblems(bad)

	oneOf("json_date_format", string(c.JSONDateFormat),
		string(DateISO8601), string(DateEpoch), string(DateEpochMS), string(DateDouble))

	if c.ContentType != "" {
		if _, _, err := mime.ParseMediaType(c.ContentType); err != nil || !strings.Contains(c.ContentType, "/") {
			bad("content_type", "is not a media type (for example application/x-ndjson)")
		}
	}

	if c.StorageClass != "" {
		oneOf("storage_class", c.StorageClass, storageClasses...)
	}
	c.accessProblems(bad)

	oneOf("checksum", string(c.Checksum), string(ChecksumWhenSupported), string(ChecksumWhenRequired))

	switch c.Sync {
	case SyncAlways, SyncNone, SyncInterval:
	case "":
		missing("sync")
	default:
		bad("sync", "is not one of always, interval, none")
	}

	if c.UploadWorkers < 1 || c.UploadWorkers > maxWorkers {
		bad("upload_workers", fmt.Sprintf("must be from 1 to %d", maxWorkers))
	}

	if m := c.OnCompleteMarker; m != "" && (strings.Contains(m, "/") || strings.ContainsAny(m, "\x00\n\r")) {
		bad("on_complete_marker", "must be a key suffix such as .done, without / or control characters")
	}
	if c.LateDataWindow < 0 {
		bad("late_data_window", "must not be negative")
	}
	if c.MaxOpenObjects < 1 {
		bad("max_open_objects", "must be at least 1")
	}
	if c.ShutdownTimeout < 0 {
		bad("shutdown_timeout", "must not be negative")
	}
	if c.Sync == SyncInterval && c.SyncInterval <= 0 {
		bad("sync_interval", "must be more than 0 with sync interval")
	}
	if c.UploadRetryLimit < 0 {
		bad("upload_retry_limit", "must be a positive number of attempts, or no_limits")
	}
	if c.MetricsListen != "" {
		if why := checkListen(c.MetricsListen); why != "" {
			bad("metrics_listen", why)
		}
	}
	if p := c.DeadLetterPrefix; p == "" {
		missing("dead_letter_prefix")
	} else if strings.HasPrefix(p, "/") || strings.Contains(p, "..") {
		bad("dead_letter_prefix", "must be a key prefix such as s3append-dead-letter/, without a leading / or ..")
	}
	return ps
}

// checkEndpoint returns why u is not usable as an S3 endpoint, or "".
func checkEndpoint(u string) string {
	p, err := url.Parse(u)
	switch {
	case err != nil:
		return "is not a URL"
	case p.Scheme != "http" && p.Scheme != "https":
		return "must be an http or https URL"
	case p.Host == "" || p.Hostname() == "":
		return "has no host"
	case p.User != nil:
		return "must not contain credentials; use the AWS credential chain"
	case p.RawQuery != "" || p.Fragment != "":
		return "must not have a query or fragment"
	}
	return ""
}

// checkKeyShape rejects templates whose keys S3 tools would misread. The
// engine drops a leading "/", so a template of slashes alone yields no key.
func checkKeyShape(t *KeyTemplate) string {
	last := t.Parts[len(t.Parts)-1]
	if len(t.Parts) == 1 && last.Kind == KeyLiteral && strings.Trim(last.Text, "/") == "" {
		return "produces an empty object key"
	}
	if last.Kind == KeyLiteral && strings.HasSuffix(last.Text, "/") {
		return `ends with "/", which would make every object look like a folder`
	}
	return ""
}

// checkListen returns why a is not usable as a host:port to listen on, or "".
func checkListen(a string) string {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return "must be host:port, e.g. 0.0.0.0:2021 or 127.0.0.1:2021"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "has a port that is not a number from 0 to 65535"
	}
	if strings.ContainsAny(host, "/ ") {
		return "has a host that is not a name or an IP address"
	}
	return ""
}
