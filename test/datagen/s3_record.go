package datagen

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// next makes one access-log record and its text line. Absent strings are
// "-" in both, as AWS writes them; absent numbers are "-" in the line and
// left out of the record, which holds numbers as integers.
func (a *s3Account) next(rng *rand.Rand, t time.Time) (map[string]any, string, time.Duration) {
	r := a.request(rng, t)
	signature := "SigV4"
	if r.requester == "" {
		signature = ""
	}
	// The access-log field order; numbers are nil when absent.
	fields := [...]struct {
		name   string
		s      string
		n      int
		number bool
		quoted bool
	}{
		{name: "bucket_owner", s: a.ownerID},
		{name: "bucket", s: r.bucket},
		{name: "time", s: t.Format("02/Jan/2006:15:04:05 -0700")},
		{name: "remote_ip", s: r.remoteIP},
		{name: "requester", s: r.requester},
		{name: "request_id", s: randString(rng, upperHex, 16)},
		{name: "operation", s: r.operation},
		{name: "key", s: r.key},
		{name: "request_uri", s: r.uri, quoted: true},
		{name: "http_status", n: r.status, number: true},
		{name: "error_code", s: r.errorCode},
		{name: "bytes_sent", n: r.bytesSent, number: true},
		{name: "object_size", n: r.objectSize, number: true},
		{name: "total_time", n: r.totalTime, number: true},
		{name: "turn_around_time", n: r.turnAround, number: true},
		{name: "referer", s: r.referer, quoted: true},
		{name: "user_agent", s: r.userAgent, quoted: true},
		{name: "version_id", s: r.versionID},
		{name: "host_id", s: base64Bytes(rng, 56)},
		{name: "signature_version", s: signature},
		{name: "cipher_suite", s: r.cipher},
		{name: "authentication_type", s: r.authType},
		{name: "host_header", s: r.hostHeader},
		{name: "tls_version", s: r.tls},
		{name: "access_point_arn", s: r.accessPoint},
		{name: "acl_required", s: r.aclRequired},
	}
	rec := make(map[string]any, len(fields))
	var line strings.Builder
	line.Grow(1024)
	for i, f := range fields {
		if i > 0 {
			line.WriteByte(' ')
		}
		var text string
		switch {
		case f.number && f.n < 0:
			text = "-"
		case f.number:
			text = strconv.Itoa(f.n)
			rec[f.name] = f.n
		default:
			text = dash(f.s)
			rec[f.name] = text
		}
		switch {
		case f.quoted:
			line.WriteString(`"` + text + `"`)
		case f.name == "time":
			line.WriteString("[" + text + "]")
		default:
			line.WriteString(text)
		}
	}
	return rec, line.String(), expDuration(rng, s3MeanGap)
}

// dash writes an absent string as "-".
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
