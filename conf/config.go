package conf

import "time"

// Compression is the codec applied to a whole object.
type Compression string

const (
	CompressionGzip Compression = "gzip"
	CompressionZstd Compression = "zstd"
	CompressionNone Compression = "none"
	// CompressionSnappy compresses Parquet pages; JSON lines cannot use it.
	CompressionSnappy Compression = "snappy"
)

// Format is the layout of the records in an object.
type Format string

const (
	FormatJSONLines Format = "json_lines"
	// FormatParquet writes Apache Parquet, compressed page by page.
	FormatParquet Format = "parquet"
)

// DateFormat is how the record time is written under json_date_key.
type DateFormat string

const (
	DateISO8601 DateFormat = "iso8601"  // 2026-11-22T03:05:00.123456Z
	DateEpoch   DateFormat = "epoch"    // whole seconds since 1970
	DateEpochMS DateFormat = "epoch_ms" // whole milliseconds since 1970
	DateDouble  DateFormat = "double"   // seconds since 1970 with a fraction
)

// ChecksumMode says when the S3 client sends flexible checksums.
type ChecksumMode string

const (
	ChecksumWhenSupported ChecksumMode = "when_supported"
	// ChecksumWhenRequired is for S3-compatible stores that reject the
	// checksum headers the AWS SDK sends by default.
	ChecksumWhenRequired ChecksumMode = "when_required"
)

// SyncPolicy says when buffered records are fsynced.
type SyncPolicy string

const (
	SyncAlways SyncPolicy = "always" // before each flush is acknowledged
	SyncNone   SyncPolicy = "none"   // left to the operating system
	// SyncInterval fsyncs every sync_interval.
	SyncInterval SyncPolicy = "interval"
)

// ParquetSchemaSource is parquet_schema as written (inline JSON or a file
// path) and the schema text it stands for.
type ParquetSchemaSource struct {
	From string
	Text string
}

// Config is the validated configuration of one [OUTPUT] instance.
// Sizes are in bytes.
type Config struct {
	Bucket       string
	Region       string
	Endpoint     string // "" for AWS; otherwise an http(s) URL
	UsePathStyle bool

	// TLSCAFile is a PEM file of CAs trusted on top of the system's.
	TLSCAFile             string
	TLSInsecureSkipVerify bool
	// Profile, RoleARN, ExternalID and STSEndpoint pick the credentials;
	// the keys themselves come from the AWS SDK's chain, never from here.
	Profile     string
	RoleARN     string
	ExternalID  string
	STSEndpoint string

	TotalFileSize   int64
	UploadChunkSize int64
	UploadTimeout   time.Duration

	StoreDir          string
	StoreDirLimitSize int64 // 0 means unlimited

	S3KeyFormat              *KeyTemplate
	S3KeyFormatTagDelimiters string
	// TimeZone is the zone the key's time conversions and event-time
	// slots are rendered in; nil means UTC.
	TimeZone *time.Location
	// S3KeyMissingValue stands in the key for a missing, null or empty
	// value ($RECORD field, $TAG[n] past the end of the tag).
	S3KeyMissingValue string
	// IndexFormat is the printf format of $INDEX, with one integer verb.
	IndexFormat string
	// StaticFilePath: no -<uuid> is ever appended to keys.
	StaticFilePath bool

	Compression Compression
	// CompressionLevel is the codec's level; 0 is its default.
	CompressionLevel int
	Format           Format
	JSONDateKey      string // "" when the date key is disabled
	JSONDateFormat   DateFormat
	LogKey           string
	ContentType      string // "" lets the engine derive it from format and compression

	// ParquetSchema is the declared schema (none: each object's schema
	// is inferred from its records).
	ParquetSchema        ParquetSchemaSource
	ParquetUnknownFields string // "extra" or "drop"
	ParquetNested        string // "native" or "json"
	ParquetRowGroupSize  int64  // 0: upload_chunk_size
	ParquetTimeUnit      string // "micros" or "nanos"

	StorageClass string // "" for the bucket's default
	SSE          string // "" for the bucket's default, SSES3, SSEKMS or SSEKMSDSSE
	SSEKMSKeyID  string
	CannedACL    string
	Tags         []Tag // in the order written
	// SendContentMD5 adds Content-MD5 to uploads (Object Lock buckets).
	SendContentMD5 bool

	Checksum     ChecksumMode
	Sync         SyncPolicy
	SyncInterval time.Duration
	// UploadRetryLimit is the number of failed attempts of one S3 call
	// after which an object is given up; 0 means no limit.
	UploadRetryLimit int
	DeadLetterPrefix string
	UploadWorkers    int
	ShutdownTimeout  time.Duration
	// OnCompleteMarker is the key suffix of the marker written beside each
	// completed object ("" writes none).
	OnCompleteMarker string
	// LateDataWindow is how long after its event-time slot ends an object
	// stays open for late records.
	LateDataWindow time.Duration
	// MaxOpenObjects bounds the objects taking records at once.
	MaxOpenObjects int
	// MetricsListen is the host:port of the Prometheus endpoint ("": none).
	MetricsListen string

	// Iceberg is the table completed objects are committed to, if any.
	Iceberg Iceberg

	// Raw holds the options the user set, by lower-case option name, with
	// the values as written (surrounding spaces trimmed).
	Raw map[string]string
}
