package datagen

import (
	"strconv"
	"strings"
	"testing"
)

// s3Fields is the access-log field order.
var s3Fields = []string{"bucket_owner", "bucket", "time", "remote_ip", "requester", "request_id", "operation", "key",
	"request_uri", "http_status", "error_code", "bytes_sent", "object_size", "total_time", "turn_around_time", "referer",
	"user_agent", "version_id", "host_id", "signature_version", "cipher_suite", "authentication_type", "host_header",
	"tls_version", "access_point_arn", "acl_required"}

var s3IntFields = map[string]bool{"http_status": true, "bytes_sent": true, "object_size": true, "total_time": true, "turn_around_time": true}

// splitAccessLog splits a line at spaces outside "..." and [...].
func splitAccessLog(line string) []string {
	var fields []string
	for line != "" {
		var end int
		switch line[0] {
		case '"':
			end = strings.IndexByte(line[1:], '"') + 2
		case '[':
			end = strings.IndexByte(line, ']') + 1
		default:
			end = strings.IndexByte(line, ' ')
			if end < 0 {
				end = len(line)
			}
		}
		fields = append(fields, line[:end])
		line = strings.TrimPrefix(line[end:], " ")
	}
	return fields
}

func TestS3AccessLineMatchesRecord(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		g := New(S3Access, seed)
		for i := range 3000 {
			_, rec := g.Next()
			got := splitAccessLog(g.Text())
			if len(got) != len(s3Fields) {
				t.Fatalf("seed %d record %d: %d fields in %q", seed, i, len(got), g.Text())
			}
			for j, name := range s3Fields {
				text := got[j]
				if q := text[0]; (q == '"' || q == '[') && len(text) >= 2 {
					text = text[1 : len(text)-1]
				}
				v, present := rec[name]
				switch {
				case s3IntFields[name] && !present:
					if text != "-" {
						t.Fatalf("seed %d record %d: %s absent from the record but %q in the line", seed, i, name, text)
					}
				case s3IntFields[name]:
					n, ok := v.(int)
					if !ok || strconv.Itoa(n) != text {
						t.Fatalf("seed %d record %d: %s is %#v in the record, %q in the line", seed, i, name, v, text)
					}
				default:
					if s, _ := v.(string); s != text || s == "" {
						t.Fatalf("seed %d record %d: %s is %#v in the record, %q in the line", seed, i, name, v, text)
					}
				}
			}
			if _, ok := rec["http_status"].(int); !ok {
				t.Fatalf("seed %d record %d: http_status %#v is not an int", seed, i, rec["http_status"])
			}
		}
	}
}

func TestS3AccessSizes(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		const n = 10000
		_, raw := Chunks(S3Access, seed, n, 1<<20)
		mean := float64(raw)/n - 1
		t.Logf("seed %d: mean access-log line %.0f bytes", seed, mean)
		if mean < 500 || mean > 900 {
			t.Errorf("seed %d: mean access-log line %.0f bytes, want 500–900", seed, mean)
		}
	}
}

func TestS3AccessCardinality(t *testing.T) {
	const n = 50000
	g := New(S3Access, 9)
	buckets, owners, ops, statuses, requestIDs := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[int]bool{}, map[string]bool{}
	errors, fields := 0, 0
	for range n {
		_, rec := g.Next()
		buckets[rec["bucket"].(string)] = true
		owners[rec["bucket_owner"].(string)] = true
		ops[rec["operation"].(string)] = true
		statuses[rec["http_status"].(int)] = true
		requestIDs[rec["request_id"].(string)] = true
		if rec["error_code"] != "-" {
			errors++
		}
		fields += len(rec)
	}
	if len(buckets) != 4 || len(owners) != 1 {
		t.Errorf("%d buckets of %d owners, want 4 of 1", len(buckets), len(owners))
	}
	if len(ops) < 8 || len(statuses) < 5 {
		t.Errorf("%d operations and %d statuses, want variety", len(ops), len(statuses))
	}
	if len(requestIDs) != n {
		t.Errorf("%d distinct request IDs in %d records", len(requestIDs), n)
	}
	if f := float64(errors) / n; f <= 0 || f > 0.1 {
		t.Errorf("%.3f of requests failed, want a few", f)
	}
	if mean := float64(fields) / n; mean < 23 || mean > 26 {
		t.Errorf("records hold %.1f fields on average, want about 25", mean)
	}
}
