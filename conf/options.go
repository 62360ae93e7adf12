package conf

import (
	"strconv"
	"strings"
)

// Option describes one option for users: the README table is generated from
// and checked against this list.
type Option struct {
	Name        string
	Default     string // as a user would write it; "" when there is none
	Required    bool
	Description string
	// FluentBitS3 is the option of Fluent Bit's built-in s3 output with the
	// same meaning (the same name), or "-" when it has none.
	FluentBitS3 string
}

// optionSpec ties an Option to the code that reads it into a Config and
// writes it back out.
type optionSpec struct {
	Option
	// apply stores v (already trimmed, the default when unset) in c; it
	// rejects only values that cannot be read at all. Range and cross-option
	// checks live in Validate so that programmatic configs get them too.
	apply func(c *Config, v string) error
	// show writes the field back in its canonical spelling, for messages.
	show func(c *Config) string
	// secret: messages never quote the value as written, only show's.
	secret bool
}

// Options returns the option table in the order of the README.
func Options() []Option {
	out := make([]Option, len(specs))
	for i, s := range specs {
		out[i] = s.Option
	}
	return out
}

const sizeHelp = " Sizes are bytes or a number with K, M, G or T (powers of 1024; KB, MiB and so on are accepted too)."

var specs = []optionSpec{
	{
		Option: Option{Name: "bucket", Required: true, FluentBitS3: "bucket",
			Description: "S3 bucket the objects are written to."},
		apply: func(c *Config, v string) error { c.Bucket = v; return nil },
		show:  func(c *Config) string { return c.Bucket },
	},
	{
		Option: Option{Name: "region", Default: "us-east-1", FluentBitS3: "region",
			Description: "Region of the bucket, also used to sign requests to an S3-compatible endpoint."},
		apply: func(c *Config, v string) error { c.Region = v; return nil },
		show:  func(c *Config) string { return c.Region },
	},
	{
		Option: Option{Name: "endpoint", FluentBitS3: "endpoint",
			Description: "URL of an S3-compatible store, e.g. http://minio:9000. Without a scheme, https is assumed. Unset for AWS."},
		apply: func(c *Config, v string) error { c.Endpoint = withScheme(v); return nil },
		show:  func(c *Config) string { return c.Endpoint },
	},
	{
		Option: Option{Name: "use_path_style", FluentBitS3: "-",
			Description: "Address the bucket as endpoint/bucket/key instead of bucket.endpoint/key. Unset (or auto), it is on whenever endpoint is set (as Fluent Bit's s3 output always addresses an endpoint, and as most S3-compatible stores need) and off for AWS itself, which wants bucket.endpoint; set it false for a store that wants virtual-host addressing."},
		apply: func(c *Config, v string) (err error) {
			if v == "" || strings.EqualFold(v, "auto") {
				return nil // decided by endpoint, after every option is read
			}
			c.UsePathStyle, err = parseBool(v)
			return err
		},
		show: func(c *Config) string { return strconv.FormatBool(c.UsePathStyle) },
	},
	{
		Option: Option{Name: "tls_ca_file", FluentBitS3: "-",
			Description: "PEM file of CA certificates to trust, on top of the system's, for an https endpoint signed by a private CA; it must be readable and hold at least one certificate when Fluent Bit starts."},
		apply: func(c *Config, v string) error { c.TLSCAFile = v; return nil },
		show:  func(c *Config) string { return c.TLSCAFile },
	},
	{
		Option: Option{Name: "tls_insecure_skip_verify", Default: "false", FluentBitS3: "-",
			Description: "Accept any certificate from the endpoint. For a lab only: anyone on the network path can then read and change the data, and a warning says so at every start; use tls_ca_file instead."},
		apply: func(c *Config, v string) (err error) { c.TLSInsecureSkipVerify, err = parseBool(v); return err },
		show:  func(c *Config) string { return strconv.FormatBool(c.TLSInsecureSkipVerify) },
	},
	{
		Option: Option{Name: "profile", FluentBitS3: "profile",
			Description: "Profile of the shared AWS config and credentials files to take credentials and settings from. Unset, AWS_PROFILE or default applies."},
		apply: func(c *Config, v string) error { c.Profile = v; return nil },
		show:  func(c *Config) string { return c.Profile },
	},
	{
		Option: Option{Name: "role_arn", FluentBitS3: "role_arn",
			Description: "IAM role to assume through STS with the credentials found by the AWS SDK's chain, e.g. arn:aws:iam::123456789012:role/logs-writer."},
		apply: func(c *Config, v string) error { c.RoleARN = v; return nil },
		show:  func(c *Config) string { return c.RoleARN },
	},
	{
		Option: Option{Name: "external_id", FluentBitS3: "external_id",
			Description: "External ID sent when assuming role_arn, if the role's trust policy asks for one."},
		apply: func(c *Config, v string) error { c.ExternalID = v; return nil },
		show:  func(c *Config) string { return c.ExternalID },
	},
	{
		Option: Option{Name: "sts_endpoint", FluentBitS3: "sts_endpoint",
			Description: "URL of the STS endpoint that role_arn is assumed through, e.g. a VPC endpoint. Unset, the region's STS applies."},
		apply: func(c *Config, v string) error { c.STSEndpoint = withScheme(v); return nil },
		show:  func(c *Config) string { return c.STSEndpoint },
	},
	{
		Option: Option{Name: "total_file_size", Default: "100M", FluentBitS3: "total_file_size",
			Description: "Size at which an object is completed, measured after compression; at most 5T, the S3 object limit." + sizeHelp},
		apply: func(c *Config, v string) (err error) { c.TotalFileSize, err = parseSize(v); return err },
		show:  func(c *Config) string { return formatSize(c.TotalFileSize) },
	},
	{
		Option: Option{Name: "upload_chunk_size", Default: "5M", FluentBitS3: "upload_chunk_size",
			Description: "Size of each multipart upload part, after compression: from 5M to 5G, and no more than total_file_size."},
		apply: func(c *Config, v string) (err error) { c.UploadChunkSize, err = parseSize(v); return err },
		show:  func(c *Config) string { return formatSize(c.UploadChunkSize) },
	},
	{
		Option: Option{Name: "upload_timeout", Default: "10m", FluentBitS3: "upload_timeout",
			Description: "Longest time an object stays open: when it expires the object is completed whatever its size. Durations are Go style (90s, 10m, 1h30m), Fluent Bit style (30s, 10m, 1d) or a number of seconds."},
		apply: func(c *Config, v string) (err error) { c.UploadTimeout, err = parseDuration(v); return err },
		show:  func(c *Config) string { return formatDuration(c.UploadTimeout) },
	},
	{
		Option: Option{Name: "store_dir", Default: "/tmp/fluent-bit/s3append", FluentBitS3: "store_dir",
			Description: "Absolute path of the disk buffer. Put it on persistent storage: records acknowledged to Fluent Bit live here until uploaded."},
		apply: func(c *Config, v string) error { c.StoreDir = v; return nil },
		show:  func(c *Config) string { return c.StoreDir },
	},
	{
		Option: Option{Name: "store_dir_limit_size", Default: "0", FluentBitS3: "store_dir_limit_size",
			Description: "Most disk the buffer may use; 0 means unlimited. When full, flushes are retried by Fluent Bit instead of dropped."},
		apply: func(c *Config, v string) (err error) { c.StoreDirLimitSize, err = parseSize(v); return err },
		show:  func(c *Config) string { return formatSize(c.StoreDirLimitSize) },
	},
	{
		Option: Option{Name: "s3_key_format", Default: "/fluent-bit-logs/$TAG/%Y/%m/%d/%H/$UUID", FluentBitS3: "s3_key_format",
			Description: "Template of object keys: $TAG, $TAG[0] to $TAG[9] (tag parts), $RECORD['field'] (a record field at any depth, as in $RECORD['kubernetes']['namespace_name'], single or double quotes), ${ENV_VAR} (read once at start; unset, the plugin does not start), $UUID, $INDEX and the strftime conversions %Y %m %d %H %M %S %j %y %b %a %p %Z %z %s %%, rendered from each record's own tag, fields and event time in time_zone: records whose keys differ go to different objects, so the finest time conversion is the partition size. Values from the tag, fields and environment stay in their key segment: / and control characters become _, each byte of invalid UTF-8 becomes _, .. becomes __ and a value of . becomes _; numbers and booleans are written as text; a missing, null or empty value, a map or an array is written as s3_key_missing_value. A leading / is dropped. Keys over 1024 bytes are refused at start when the template alone makes them so; otherwise a record whose key would be is sent to dead_letter_prefix. With the default, keys end in .json, .json.gz or .json.zst after the compression."},
		apply: func(c *Config, v string) (err error) { c.S3KeyFormat, err = parseKeyFormat(v); return err },
		show: func(c *Config) string {
			if c.S3KeyFormat == nil {
				return ""
			}
			return c.S3KeyFormat.Raw
		},
	},
	{
		Option: Option{Name: "s3_key_format_tag_delimiters", Default: ".", FluentBitS3: "s3_key_format_tag_delimiters",
			Description: "Characters that split the tag into the parts $TAG[n] refers to; each character is a delimiter."},
		apply: func(c *Config, v string) error { c.S3KeyFormatTagDelimiters = v; return nil },
		show:  func(c *Config) string { return c.S3KeyFormatTagDelimiters },
	},
	{
		Option: Option{Name: "time_zone", Default: "UTC", FluentBitS3: "-",
			Description: "IANA time zone (UTC, Asia/Shanghai, America/New_York) that the key's time conversions are rendered in. Partitions follow that zone's local days and hours, daylight saving changes included: the hour that repeats when clocks go back is one partition (add %z to split it), the hour that is skipped has none. The zone database is built into the plugin."},
		apply: func(c *Config, v string) (err error) { c.TimeZone, err = parseTimeZone(v); return err },
		show:  func(c *Config) string { return showTimeZone(c.TimeZone) },
	},
	{
		Option: Option{Name: "s3_key_missing_value", Default: "_unknown", FluentBitS3: "-",
			Description: "What a key holds in place of a value that is missing, null or empty: a $RECORD field the record lacks (or holds a map or an array in), a $TAG[n] past the end of the tag. It must fit in a key segment as is: no /, .., control characters or invalid UTF-8."},
		apply: func(c *Config, v string) error { c.S3KeyMissingValue = v; return nil },
		show:  func(c *Config) string { return c.S3KeyMissingValue },
	},
	{
		Option: Option{Name: "index_format", Default: "%06d", FluentBitS3: "-",
			Description: "printf format of $INDEX: one integer verb (%d, %x, %X or %o, with an optional 0 flag and width) and literal text, e.g. %06d for 000042 or part-%d. $INDEX counts the objects of each key prefix (the key up to the per-object parts) and is kept in store_dir across restarts."},
		apply: func(c *Config, v string) error { c.IndexFormat = v; return nil },
		show:  func(c *Config) string { return c.IndexFormat },
	},
	{
		Option: Option{Name: "static_file_path", Default: "false", FluentBitS3: "static_file_path",
			Description: "Use keys exactly as rendered, never with a random id appended. s3append appends one (a dash and a UUID) only when the template has neither $UUID nor $INDEX, where Fluent Bit's s3 does whenever $UUID is missing; so with $UUID or $INDEX in the template this changes nothing, and a template with neither is refused, since each object of a partition would overwrite the one before."},
		apply: func(c *Config, v string) (err error) { c.StaticFilePath, err = parseBool(v); return err },
		show:  func(c *Config) string { return strconv.FormatBool(c.StaticFilePath) },
	},
	{
		Option: Option{Name: "compression", Default: "gzip", FluentBitS3: "compression",
			Description: "Compression of JSON-lines objects: gzip, zstd or none; the default is gzip (Fluent Bit's s3 output defaults to none) because objects are large and read rarely. With format parquet it compresses the pages inside the file instead: zstd (the default for Parquet), snappy, gzip or none, and no Content-Encoding is set."},
		apply: func(c *Config, v string) error { c.Compression = Compression(strings.ToLower(v)); return nil },
		show:  func(c *Config) string { return string(c.Compression) },
	},
	{
		Option: Option{Name: "compression_level", Default: "default", FluentBitS3: "-",
			Description: "Level of the compression, for JSON lines and Parquet pages alike: gzip 1 (fastest) to 9 (smallest), zstd 1 to 22 (1 fastest; 2–5 the default speed; 6–9 better; 10 and above best). default is the codec's own: gzip 5 (in the deflate library used here, faster than zlib's 6), zstd 3 for JSON lines and zstd's fastest speed for Parquet pages (pages hold one column each, already grouped as a stronger match finder would; at 512 KiB pages the files come out about as large, for half the CPU). BENCHMARKS.md shows what each level costs and saves."},
		apply: func(c *Config, v string) error {
			if strings.EqualFold(v, "default") {
				c.CompressionLevel = 0
				return nil
			}
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return errNotLevel
			}
			c.CompressionLevel = n
			return nil
		},
		show: func(c *Config) string {
			if c.CompressionLevel == 0 {
				return "default"
			}
			return strconv.Itoa(c.CompressionLevel)
		},
	},
	{
		Option: Option{Name: "format", Default: "json_lines", FluentBitS3: "format",
			Description: "Layout of the objects: json_lines (alias json), one JSON record per line, or parquet: Apache Parquet, written row group by row group through multipart upload; an open object holds only its footer entries between parts, so memory does not grow with the number of open objects."},
		apply: func(c *Config, v string) error {
			f := Format(strings.ToLower(v))
			if f == "json" {
				f = FormatJSONLines
			}
			c.Format = f
			return nil
		},
		show: func(c *Config) string { return string(c.Format) },
	},
	{
		Option: Option{Name: "json_date_key", Default: "date", FluentBitS3: "json_date_key",
			Description: "Name of the key that receives the record time; false or off leaves the time out."},
		apply: func(c *Config, v string) error {
			switch strings.ToLower(v) {
			case "false", "off", "no":
				v = ""
			}
			c.JSONDateKey = v
			return nil
		},
		show: func(c *Config) string {
			if c.JSONDateKey == "" {
				return "false"
			}
			return c.JSONDateKey
		},
	},
	{
		Option: Option{Name: "json_date_format", Default: "iso8601", FluentBitS3: "json_date_format",
			Description: "Format of the record time: iso8601 (2026-11-22T03:05:00.123456Z), epoch (seconds), epoch_ms (milliseconds) or double (seconds with a fraction)."},
		apply: func(c *Config, v string) error { c.JSONDateFormat = DateFormat(strings.ToLower(v)); return nil },
		show:  func(c *Config) string { return string(c.JSONDateFormat) },
	},
	{
		Option: Option{Name: "log_key", FluentBitS3: "log_key",
			Description: "Write only the value of this record key, one per line, instead of the whole record."},
		apply: func(c *Config, v string) error { c.LogKey = v; return nil },
		show:  func(c *Config) string { return c.LogKey },
	},
	{
		Option: Option{Name: "parquet_schema", FluentBitS3: "-",
			Description: `With format parquet: the declared schema, inline (a JSON object), the path of a file holding it, or a schema shipped with s3append by name (s3_access_logs: S3 server access logs). Each member is a record field: a type (string, int64, double, boolean, json), an object of fields (a group) or a one-element array (a list), e.g. {"level":"string","status":"int64","kubernetes":{"namespace_name":"string","labels":"json"},"tags":["string"]}. Unset, each object's schema is inferred from its records.`},
		apply: func(c *Config, v string) error { return c.readParquetSchema(v) },
		// A file's path is shown; an inline schema is not repeated in front
		// of each problem found in it.
		show: func(c *Config) string {
			if strings.HasPrefix(c.ParquetSchema.From, "{") {
				return ""
			}
			return c.ParquetSchema.From
		},
	},
	{
		Option: Option{Name: "parquet_unknown_fields", Default: "extra", FluentBitS3: "-",
			Description: "With format parquet: what happens to fields the schema has no column for, and to values their column cannot hold: extra keeps them as a JSON object in the _extra column; drop leaves them out."},
		apply: func(c *Config, v string) error { c.ParquetUnknownFields = strings.ToLower(v); return nil },
		show:  func(c *Config) string { return c.ParquetUnknownFields },
	},
	{
		Option: Option{Name: "parquet_nested", Default: "native", FluentBitS3: "-",
			Description: "With an inferred Parquet schema: native writes maps whose keys are stable as groups and arrays of one kind as lists (other maps and arrays as JSON text); json writes every map and array as JSON text."},
		apply: func(c *Config, v string) error { c.ParquetNested = strings.ToLower(v); return nil },
		show:  func(c *Config) string { return c.ParquetNested },
	},
	{
		Option: Option{Name: "parquet_row_group_size", FluentBitS3: "-",
			Description: "With format parquet: the size a row group is cut at, estimated as it is written. Unset, it is upload_chunk_size, so a row group is about one part. A row group also ends where it fills a part. A larger value makes fewer, larger row groups and needs more memory per upload worker." + sizeHelp},
		apply: func(c *Config, v string) (err error) {
			if v == "" {
				c.ParquetRowGroupSize = 0
				return nil
			}
			c.ParquetRowGroupSize, err = parseSize(v)
			return err
		},
		show: func(c *Config) string {
			if c.ParquetRowGroupSize == 0 {
				return ""
			}
			return formatSize(c.ParquetRowGroupSize)
		},
	},
	{
		Option: Option{Name: "parquet_time_unit", Default: "micros", FluentBitS3: "-",
			Description: "With format parquet: unit of the event time column (named by json_date_key, a UTC TIMESTAMP): micros, which every engine reads, or nanos, which keeps Fluent Bit's full precision."},
		apply: func(c *Config, v string) error { c.ParquetTimeUnit = strings.ToLower(v); return nil },
		show:  func(c *Config) string { return c.ParquetTimeUnit },
	},
	{
		Option: Option{Name: "content_type", FluentBitS3: "content_type",
			Description: "Content-Type of the objects. Unset, it follows the format: application/x-ndjson for json_lines, application/vnd.apache.parquet for parquet."},
		apply: func(c *Config, v string) error { c.ContentType = v; return nil },
		show:  func(c *Config) string { return c.ContentType },
	},
	{
		Option: Option{Name: "storage_class", FluentBitS3: "storage_class",
			Description: "S3 storage class of the objects: STANDARD, REDUCED_REDUNDANCY, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER, DEEP_ARCHIVE, OUTPOSTS, GLACIER_IR, SNOW or EXPRESS_ONEZONE. Unset, the bucket's default applies."},
		apply: func(c *Config, v string) error { c.StorageClass = strings.ToUpper(v); return nil },
		show:  func(c *Config) string { return c.StorageClass },
	},
	{
		Option: Option{Name: "sse", FluentBitS3: "-",
			Description: "Server-side encryption of the objects: AES256 (SSE-S3, keys managed by S3), aws:kms (SSE-KMS) or aws:kms:dsse. Unset, the bucket's default encryption applies."},
		apply: func(c *Config, v string) error { c.SSE = canonicalSSE(v); return nil },
		show:  func(c *Config) string { return c.SSE },
	},
	{
		Option: Option{Name: "sse_kms_key_id", FluentBitS3: "-",
			Description: "With sse aws:kms: the KMS key (ID, ARN or alias ARN) that encrypts the objects. Unset, the account's AWS managed key for S3 applies."},
		apply: func(c *Config, v string) error { c.SSEKMSKeyID = v; return nil },
		show:  func(c *Config) string { return c.SSEKMSKeyID },
	},
	{
		Option: Option{Name: "canned_acl", FluentBitS3: "canned_acl",
			Description: "Canned ACL of the objects: private, public-read, public-read-write, authenticated-read, aws-exec-read, bucket-owner-read or bucket-owner-full-control. Unset, none is sent; buckets with ACLs disabled reject any but bucket-owner-full-control."},
		apply: func(c *Config, v string) error { c.CannedACL = strings.ToLower(v); return nil },
		show:  func(c *Config) string { return c.CannedACL },
	},
	{
		Option: Option{Name: "tags", FluentBitS3: "-",
			Description: "Tags of the objects, as key=value,key2=value2: at most 10, keys up to 128 and values up to 256 characters, of letters, digits, spaces and + - = . _ : / @."},
		apply: func(c *Config, v string) (err error) { c.Tags, err = parseTags(v); return err },
		show:  func(c *Config) string { return formatTags(c.Tags) },
	},
	{
		Option: Option{Name: "send_content_md5", Default: "false", FluentBitS3: "send_content_md5",
			Description: "Send a Content-MD5 header with every object and part, as buckets with Object Lock demand when flexible checksums are off (checksum when_required)."},
		apply: func(c *Config, v string) (err error) { c.SendContentMD5, err = parseBool(v); return err },
		show:  func(c *Config) string { return strconv.FormatBool(c.SendContentMD5) },
	},
	{
		Option: Option{Name: "checksum", Default: "when_supported", FluentBitS3: "-",
			Description: "When the S3 client sends flexible checksums: when_supported (the AWS default) or when_required, for S3-compatible stores that reject them."},
		apply: func(c *Config, v string) error { c.Checksum = ChecksumMode(strings.ToLower(v)); return nil },
		show:  func(c *Config) string { return string(c.Checksum) },
	},
	{
		Option: Option{Name: "sync", Default: "always", FluentBitS3: "-",
			Description: "always fsyncs the buffer before a flush is acknowledged, so acknowledged records survive power loss; interval fsyncs every sync_interval, so up to that much acknowledged data is at risk on power loss (none on a crash of Fluent Bit alone); none leaves it to the operating system."},
		apply: func(c *Config, v string) error { c.Sync = SyncPolicy(strings.ToLower(v)); return nil },
		show:  func(c *Config) string { return string(c.Sync) },
	},
	{
		Option: Option{Name: "sync_interval", Default: "1s", FluentBitS3: "-",
			Description: "With sync interval: how often buffered records are fsynced, and so how much acknowledged data a power loss can take."},
		apply: func(c *Config, v string) (err error) { c.SyncInterval, err = parseDuration(v); return err },
		show:  func(c *Config) string { return formatDuration(c.SyncInterval) },
	},
	{
		Option: Option{Name: "upload_retry_limit", Default: "no_limits", FluentBitS3: "-",
			Description: "Failed attempts in a row after which an object is given up: its buffer moves to failed/ under the store directory (kept, not uploaded, not counted in store_dir_limit_size) and a log line says where. no_limits (the default) retries for ever with capped backoff. Fluent Bit keeps Retry_Limit for itself, so this option has a name of its own."},
		apply: func(c *Config, v string) error {
			switch strings.ToLower(v) {
			case "no_limits", "false", "off", "unlimited":
				c.UploadRetryLimit = 0
				return nil
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				return errNotWholeNumber
			}
			c.UploadRetryLimit = n
			return nil
		},
		show: func(c *Config) string {
			if c.UploadRetryLimit == 0 {
				return "no_limits"
			}
			return strconv.Itoa(c.UploadRetryLimit)
		},
	},
	{
		Option: Option{Name: "dead_letter_prefix", Default: "s3append-dead-letter/", FluentBitS3: "-",
			Description: "Key prefix of dead-letter objects: records that cannot be read or encoded (not a map, no log_key field, a malformed chunk's rest) are written there as JSON lines with the tag, the reason and the raw bytes, never dropped; in the sidecar, so are the lines a source could not parse, with their origin and line number."},
		apply: func(c *Config, v string) error { c.DeadLetterPrefix = v; return nil },
		show:  func(c *Config) string { return c.DeadLetterPrefix },
	},
	{
		Option: Option{Name: "upload_workers", Default: "2", FluentBitS3: "-",
			Description: "Number of background uploads running at once, from 1 to 64."},
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return errNotWholeNumber
			}
			c.UploadWorkers = n
			return nil
		},
		show: func(c *Config) string { return strconv.Itoa(c.UploadWorkers) },
	},
	{
		Option: Option{Name: "on_complete_marker", FluentBitS3: "-",
			Description: "Key suffix of a small JSON marker written beside each completed object once it is in S3 (for example .done gives logs/x.json.gz.done), holding the object's key, size, record count, format and completion time, for downstream jobs that wait for data. Unset, no marker is written."},
		apply: func(c *Config, v string) error { c.OnCompleteMarker = v; return nil },
		show:  func(c *Config) string { return c.OnCompleteMarker },
	},
	{
		Option: Option{Name: "late_data_window", Default: "1m", FluentBitS3: "-",
			Description: "How long an object stays open for late records once the event-time slot of its key (the finest strftime conversion: an hour for %H) is over: when no record came for that long it is completed, and records later still go to a new object of their own slot, never to a neighbouring partition."},
		apply: func(c *Config, v string) (err error) { c.LateDataWindow, err = parseDuration(v); return err },
		show:  func(c *Config) string { return formatDuration(c.LateDataWindow) },
	},
	{
		Option: Option{Name: "max_open_objects", Default: "1000", FluentBitS3: "-",
			Description: "Most objects taking records at once; past it the least recently written one is completed (with a warning), so a key template with a high-cardinality part cannot exhaust memory or file handles."},
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return errNotWholeNumber
			}
			c.MaxOpenObjects = n
			return nil
		},
		show: func(c *Config) string { return strconv.Itoa(c.MaxOpenObjects) },
	},
	{
		Option: Option{Name: "shutdown_timeout", Default: "4s", FluentBitS3: "-",
			Description: "On exit, how long to keep completing uploads before leaving the rest on disk for the next start. Keep it below Fluent Bit's Grace (5s by default); 0 leaves everything for the next start."},
		apply: func(c *Config, v string) (err error) { c.ShutdownTimeout, err = parseDuration(v); return err },
		show:  func(c *Config) string { return formatDuration(c.ShutdownTimeout) },
	},
	{
		Option: Option{Name: "metrics_listen", FluentBitS3: "-",
			Description: "Address (host:port) of an HTTP endpoint serving Prometheus metrics at /metrics, e.g. 0.0.0.0:2021; port 0 picks a free port, logged at start. Unset, there is none. Outputs given the same address share one endpoint, each labelled by its instance name. Records count as uploaded only once their object is complete in S3."},
		apply: func(c *Config, v string) error { c.MetricsListen = v; return nil },
		show:  func(c *Config) string { return c.MetricsListen },
	},
}

// withScheme makes https the scheme of a URL written without one.
func withScheme(v string) string {
	if v != "" && !strings.Contains(v, "://") {
		return "https://" + v
	}
	return v
}

func specByName(name string) *optionSpec {
	for i := range specs {
		if specs[i].Name == name {
			return &specs[i]
		}
	}
	return nil
}
