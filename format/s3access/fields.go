package s3access

import "github.com/tinylib/msgp/msgp"

// kind is how a field is written in the line and in the record.
type kind uint8

const (
	plain  kind = iota // one token; "-" is null
	quoted             // "..." with \" and \\ escapes; "-" is null
	stamp              // [06/Feb/2019:00:00:38 +0000]: the event time
	number             // a whole number, or "-" for null
)

// field is one field of the access-log line.
type field struct {
	name string
	kind kind
}

// fields are the fields of a line, in the order S3 writes them. Newer
// fields were appended over the years; S3 may append more.
var fields = [...]field{
	{"bucket_owner", plain},
	{"bucket", plain},
	{TimeKey, stamp},
	{"remote_ip", plain},
	{"requester", plain},
	{"request_id", plain},
	{"operation", plain},
	{"key", plain},
	{"request_uri", quoted},
	{"http_status", number},
	{"error_code", plain},
	{"bytes_sent", number},
	{"object_size", number},
	{"total_time", number},
	{"turn_around_time", number},
	{"referer", quoted},
	{"user_agent", quoted},
	{"version_id", plain},
	{"host_id", plain},
	{"signature_version", plain},
	{"cipher_suite", plain},
	{"authentication_type", plain},
	{"host_header", plain},
	{"tls_version", plain},
	{"access_point_arn", plain},
	{"acl_required", plain},
}

const (
	// TimeKey is the name S3 gives the request time: the name of the
	// event time column the s3_access_logs schema is meant to be used with.
	TimeKey = "time"
	// ExtraKey holds, as one string, whatever follows the last known
	// field: fields S3 appends after this code was written.
	ExtraKey = "_extra"

	// minFields is how many fields a line must have: every format S3 has
	// written carries at least these (through user_agent); later fields
	// missing from older lines are null.
	minFields = 17
	// RecordFields is the number of keys every record has (all fields but
	// the time); ExtraKey comes on top when the line carries more.
	RecordFields = len(fields) - 1
)

// Fields returns the record keys in line order (without the time, which is
// the event time, and without ExtraKey).
func Fields() []string {
	names := make([]string, 0, RecordFields)
	for _, f := range fields {
		if f.kind != stamp {
			names = append(names, f.name)
		}
	}
	return names
}

// keys holds each field's name, and ExtraKey's, as msgpack strings, so a
// record's keys are copied rather than encoded.
var keys, extraKey = func() ([len(fields)][]byte, []byte) {
	var k [len(fields)][]byte
	for i, f := range fields {
		k[i] = msgp.AppendString(nil, f.name)
	}
	return k, msgp.AppendString(nil, ExtraKey)
}()
