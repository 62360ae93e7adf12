// Package s3accesslogs is the sidecar's s3_access_logs source: it reads
// the Amazon S3 server access log objects delivered to a bucket, turns
// each line into a typed record (format/s3access) whose event time is the
// request time, and hands them to the engine exactly once.
//
// Discovery is by listing (discovery list): every poll lists the objects
// whose key time (the time in the object's name) is at or after a floor,
// list_from, and takes those not taken yet. The floor trails the newest
// key time taken by relist_window, so an object S3 delivers late under an
// earlier key is still found while it is inside the window; it never
// passes an object listed but not yet taken, so nothing listed is skipped
// however long it takes to read. Both delivery layouts are read:
// prefixYYYY-mm-DD-HH-MM-SS-UniqueString, and the date-based
// prefix/SourceAccountId/SourceRegion/SourceBucket/YYYY/MM/DD/... (each
// SourceBucket folder is listed from the floor on its own). With
// date-based keys made from the event time, S3 names every object of a
// day YYYY-mm-DD-00-00-00: the window must then cover a day plus the
// lateness, e.g. relist_window 26h.
//
// Exactly once: the objects being read, the objects taken and the floor
// live in a state file under store_dir (written to a temporary file,
// fsynced, renamed, the directory fsynced). Every object is read in
// batches of batch_lines lines, always cut at the same lines, and each
// batch goes to the engine with DeliverOnce under a token
// etag/generation/batch; the generation is bumped at every start. After
// a crash the source asks the engine which of the last generation's
// batches it committed, and reads on from the first it did not.
//
// A line that does not parse is not lost: it goes to the dead letters
// with its object key and line number. It travels in its batch as a
// rejected record (format.RejectedExt: the reason, s3://bucket/key, the
// line number and the line's text, at most 16 KiB of it), which every
// output that takes the tag writes under its dead_letter_prefix in the
// same buffer step as the batch's other lines. It stays in the same
// batch, under the same token, so it is delivered exactly once with the
// lines around it; a separate tag would need a second commit per batch
// and could be half taken after a crash.
// An object with 100 unparseable lines in a row is not a log (a binary
// object, say): the source gives it up with one log line and records it
// as failed, rather than turning it into junk records.
//
// Discovery by queue (discovery sqs, receive.go): S3 sends an event
// notification for every object it delivers to an SQS queue (directly,
// through SNS or through EventBridge); the source reads the objects the
// messages name, extends the messages' visibility while it reads, and
// deletes a message only once every object it names is taken. The taken
// set recognises a message that comes back (after a crash, a failed
// delete, or SQS delivering it twice) and is kept dedupe_window long.
package s3accesslogs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/source"
)

// Type is the source type's name, in the configuration and the state
// directory.
const Type = "s3_access_logs"

// clientKeys are the S3 client options of the outputs that this source
// takes too, parsed by conf exactly as the outputs parse them.
var clientKeys = []string{"bucket", "region", "endpoint", "use_path_style", "checksum", "profile", "role_arn",
	"external_id", "sts_endpoint", "tls_ca_file", "tls_insecure_skip_verify", "store_dir"}

// Kind is the source type "s3_access_logs".
var Kind = source.Kind{
	Type: Type,
	Keys: append(append([]string(nil), clientKeys...), "prefix", "discovery", "poll_interval", "relist_window",
		"after_read", "max_objects_in_flight", "get_workers", "batch_lines",
		"queue_url", "queue_endpoint", "visibility_timeout", "dedupe_window"),
	NoListen: true,
	Build:    func(s *source.Settings) source.Source { return newSource(readConfig(s), nil) },
}

// What after_read does to a source object once its records are taken.
const (
	afterKeep   = "keep"
	afterDelete = "delete"
	afterTag    = "tag"
)

// The discovery modes.
const (
	discoverList = "list"
	discoverSQS  = "sqs"
)

// config is a source's settings, read and checked.
type config struct {
	discovery    string
	name         string
	tag          string
	bucket       string
	prefix       string
	client       s3api.AWSConfig
	stateDir     string
	pollInterval time.Duration
	window       time.Duration
	afterRead    string
	maxInFlight  int
	getWorkers   int
	batchLines   int
	// discovery sqs
	queueURL      string
	queueEndpoint string
	visibility    time.Duration
	dedupe        time.Duration
}

const (
	defaultPollInterval = time.Minute
	defaultWindow       = 2 * time.Hour
	defaultMaxInFlight  = 100
	defaultGetWorkers   = 4
	defaultBatchLines   = 1000
	defaultVisibility   = 5 * time.Minute
	defaultDedupe       = 6 * time.Hour
	// receiveWait is SQS's longest long poll.
	receiveWait = 20 * time.Second
)

func readConfig(s *source.Settings) config {
	c := config{
		name:         s.Name,
		tag:          s.String("tag", Type),
		prefix:       s.String("prefix", ""),
		pollInterval: s.Duration("poll_interval", defaultPollInterval),
		window:       s.Duration("relist_window", defaultWindow),
		afterRead:    s.OneOf("after_read", afterKeep, afterKeep, afterDelete, afterTag),
		maxInFlight:  s.Int("max_objects_in_flight", defaultMaxInFlight, 1),
		getWorkers:   s.Int("get_workers", defaultGetWorkers, 1),
		batchLines:   s.Int("batch_lines", defaultBatchLines, 1),
	}
	if c.tag == "" {
		s.Fail("tag", "must not be empty")
	}
	c.discovery = s.OneOf("discovery", discoverList, discoverList, discoverSQS)
	readDiscovery(s, &c)
	if c.pollInterval < time.Second {
		s.Fail("poll_interval", "%v is too short: give 1s or more", c.pollInterval)
		c.pollInterval = defaultPollInterval
	}
	if c.window <= 0 {
		s.Fail("relist_window", "must be more than 0: it is how far back each listing reaches for objects delivered late")
		c.window = defaultWindow
	}
	if c.getWorkers > c.maxInFlight {
		s.Fail("get_workers", "%d is more than max_objects_in_flight %d: the extra workers would have nothing to read", c.getWorkers, c.maxInFlight)
	}
	if c.batchLines > 1_000_000 {
		s.Fail("batch_lines", "%d is too many: give at most 1000000", c.batchLines)
		c.batchLines = defaultBatchLines
	}
	if strings.HasPrefix(c.prefix, "/") {
		s.Fail("prefix", "%q starts with /: S3 keys do not, so nothing would be found (write the TargetPrefix as S3 has it, e.g. logs/)", c.prefix)
	}
	// The S3 client options are the outputs': conf reads and checks them,
	// and reports each problem under the option's name.
	options := conf.MapSource{}
	for _, k := range clientKeys {
		if s.Has(k) {
			options[k] = s.Values[k]
		}
	}
	cc, err := conf.Parse(options)
	if err != nil {
		for _, e := range unjoin(err) {
			var oe *conf.OptionError
			if errors.As(e, &oe) {
				s.Fail(oe.Option, "%s", strings.TrimPrefix(oe.Error(), oe.Option+": "))
			} else {
				s.Fail("bucket", "%v", e)
			}
		}
		return c
	}
	c.bucket = cc.Bucket
	c.client = s3api.AWSConfig{
		Bucket:                cc.Bucket,
		Region:                cc.Region,
		Endpoint:              cc.Endpoint,
		UsePathStyle:          cc.UsePathStyle,
		ChecksumWhenRequired:  cc.Checksum == conf.ChecksumWhenRequired,
		Profile:               cc.Profile,
		RoleARN:               cc.RoleARN,
		ExternalID:            cc.ExternalID,
		STSEndpoint:           cc.STSEndpoint,
		TLSCAFile:             cc.TLSCAFile,
		TLSInsecureSkipVerify: cc.TLSInsecureSkipVerify,
	}
	c.stateDir = stateDir(cc.StoreDir, cc.Bucket, c.prefix)
	return c
}

// readDiscovery reads the options of the discovery mode, and refuses
// those of the other: an option that would do nothing is a mistake.
func readDiscovery(s *source.Settings, c *config) {
	listOnly := []string{"poll_interval", "relist_window"}
	sqsOnly := []string{"queue_url", "queue_endpoint", "visibility_timeout", "dedupe_window"}
	if c.discovery != discoverSQS {
		for _, k := range sqsOnly {
			if s.Has(k) {
				s.Fail(k, "applies to discovery sqs only (discovery is %s)", c.discovery)
			}
		}
		return
	}
	for _, k := range listOnly {
		if s.Has(k) {
			s.Fail(k, "applies to discovery list only: with discovery sqs the queue says when objects arrive (dedupe_window is how long objects taken are remembered)")
		}
	}
	c.queueURL = s.String("queue_url", "")
	c.queueEndpoint = s.String("queue_endpoint", "")
	c.visibility = s.Duration("visibility_timeout", defaultVisibility)
	c.dedupe = s.Duration("dedupe_window", defaultDedupe)
	switch u, err := url.Parse(c.queueURL); {
	case c.queueURL == "":
		s.Fail("queue_url", "is required with discovery sqs: the URL of the SQS queue that receives the bucket's event notifications (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.Trim(u.Path, "/") == "":
		s.Fail("queue_url", "%q is not a queue URL: give https://sqs.REGION.amazonaws.com/ACCOUNT/NAME", c.queueURL)
	}
	if c.queueEndpoint != "" {
		if u, err := url.Parse(c.queueEndpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			s.Fail("queue_endpoint", "%q is not a URL: give the SQS endpoint as http(s)://host[:port]", c.queueEndpoint)
		}
	}
	// SQS takes whole seconds, from 0 to 12 hours; the source extends
	// what it holds every third of it.
	if c.visibility < 3*time.Second || c.visibility > 12*time.Hour {
		s.Fail("visibility_timeout", "%v is out of range: give 3s to 12h (the source extends it every third while it reads an object)", c.visibility)
		c.visibility = defaultVisibility
	}
	if c.dedupe < 2*c.visibility {
		s.Fail("dedupe_window", "%v is shorter than twice visibility_timeout (%v): a message that comes back after a restart would find its object forgotten and read it twice", c.dedupe, c.visibility)
		c.dedupe = max(defaultDedupe, 2*c.visibility)
	}
}

// unjoin splits errors.Join's result into its errors.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// stateDir is <store_dir>/sources/s3_access_logs/<bucket>/<prefix>/, the
// prefix escaped so that every prefix has a directory of its own: letters,
// digits and - stay, any other byte is %XX, and the empty prefix is _. A
// name too long for a file system keeps its start and gains a hash of the
// whole, still one name per prefix.
func stateDir(storeDir, bucket, prefix string) string {
	return filepath.Join(storeDir, "sources", Type, escapeName(bucket), escapeName(prefix))
}

func escapeName(s string) string {
	if s == "" {
		return "_"
	}
	const digits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(digits[c>>4])
		b.WriteByte(digits[c&15])
	}
	if b.Len() > 200 {
		sum := sha256.Sum256([]byte(s))
		return b.String()[:150] + "-" + hex.EncodeToString(sum[:])
	}
	return b.String()
}
