package conf

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestAccessOptionsParse(t *testing.T) {
	c, err := Parse(MapSource{
		"bucket": "b", "sse": "AWS:KMS", "sse_kms_key_id": "alias/logs", "canned_acl": "Bucket-Owner-Full-Control",
		"tags": " team = sre , env=prod eu,empty=, eq=a=b ", "send_content_md5": "on",
		"tls_ca_file": "testdata/ca.pem", "tls_insecure_skip_verify": "yes", "profile": "logs",
		"role_arn": "arn:aws:iam::123456789012:role/writer", "external_id": "ext-42", "sts_endpoint": "sts.example.com",
	})
	if err != nil {
		t.Fatal(err)
	}
	wantTags := []Tag{{"team", "sre"}, {"env", "prod eu"}, {"empty", ""}, {"eq", "a=b"}}
	if c.SSE != SSEKMS || c.CannedACL != "bucket-owner-full-control" || !reflect.DeepEqual(c.Tags, wantTags) ||
		!c.SendContentMD5 || !c.TLSInsecureSkipVerify || c.STSEndpoint != "https://sts.example.com" {
		t.Errorf("parsed %+v", c)
	}
	if got, want := EncodeTags(c.Tags), "team=sre&env=prod%20eu&empty=&eq=a%3Db"; got != want {
		t.Errorf("EncodeTags = %q, want %q", got, want)
	}
	if c, err := Parse(MapSource{"bucket": "b", "sse": "aes256"}); err != nil || c.SSE != SSES3 {
		t.Errorf("sse aes256: %v, %q; want AES256", err, c.SSE)
	}
}

func TestAccessOptionProblems(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("k", 129)
	for _, c := range []struct {
		opts map[string]string
		want []string
	}{
		{map[string]string{"sse": "aws:sse"}, []string{`sse: "aws:sse" is not one of AES256, aws:kms, aws:kms:dsse`}},
		{map[string]string{"sse": "AES256", "sse_kms_key_id": "k"}, []string{`sse_kms_key_id: "k" needs sse aws:kms`}},
		{map[string]string{"sse_kms_key_id": "k"}, []string{`sse_kms_key_id: "k" needs sse aws:kms`}},
		{map[string]string{"canned_acl": "everyone"}, []string{`canned_acl: "everyone" is not one of private, public-read`}},
		{map[string]string{"tags": "a=1,b"}, []string{`tags: "a=1,b" tag 2 "b" is not key=value`}},
		{map[string]string{"tags": "1=a,2=a,3=a,4=a,5=a,6=a,7=a,8=a,9=a,10=a,11=a"}, []string{"has 11 tags; S3 allows at most 10"}},
		{map[string]string{"tags": long + "=v"}, []string{"is 129 characters long; S3 allows 128"}},
		{map[string]string{"tags": "k=" + strings.Repeat("é", 257)}, []string{`tag "k" has a value 257 characters long; S3 allows 256`}},
		{map[string]string{"tags": "a=1,a=2,aws:x=3,=4,b=c&d"}, []string{`tag key "a" is repeated`, "tag key \"aws:x\" starts with aws:",
			"has a tag with an empty key", `tag "b" has '&'`}},
		{map[string]string{"tls_ca_file": filepath.Join(t.TempDir(), "absent.pem")}, []string{"tls_ca_file: ", "cannot be read: no such file"}},
		{map[string]string{"tls_ca_file": notPEM}, []string{"holds no PEM certificate"}},
		{map[string]string{"tls_insecure_skip_verify": "maybe"}, []string{"tls_insecure_skip_verify: \"maybe\" is not a boolean"}},
		{map[string]string{"send_content_md5": "sure"}, []string{"send_content_md5: \"sure\" is not a boolean"}},
		{map[string]string{"role_arn": "writer"}, []string{`role_arn: "writer" is not an IAM role ARN`}},
		{map[string]string{"external_id": "ext-42"}, []string{`external_id: "ext-42" needs role_arn`}},
		{map[string]string{"sts_endpoint": "sts.example.com"}, []string{`sts_endpoint: "sts.example.com" needs role_arn`}},
		{map[string]string{"role_arn": "arn:aws:iam::1:role/r", "external_id": "x y", "sts_endpoint": "ftp://sts"},
			[]string{`external_id: "x y" must be 2 to 1224`, `sts_endpoint: "ftp://sts" must be an http or https URL`}},
		{map[string]string{"profile": "my profile"}, []string{`profile: "my profile" is not a profile name`}},
	} {
		src := MapSource{"bucket": "b"}
		for k, v := range c.opts {
			src[k] = v
		}
		_, err := Parse(src)
		if err == nil {
			t.Errorf("%v: no error", c.opts)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not contain %q", c.opts, err, w)
			}
		}
	}
}

// Several access problems are reported together, each naming its option.
func TestAccessProblemsAllAtOnce(t *testing.T) {
	_, err := Parse(MapSource{"bucket": "b", "sse": "x", "canned_acl": "y", "tags": "aws:k=v", "external_id": "e"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, opt := range []string{"sse:", "canned_acl:", "tags:", "external_id:"} {
		if !strings.Contains(err.Error(), opt) {
			t.Errorf("error %q does not name %s", err, opt)
		}
	}
}
