package conf

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
)

// Server-side encryption modes (the x-amz-server-side-encryption values).
const (
	SSES3      = "AES256"
	SSEKMS     = "aws:kms"
	SSEKMSDSSE = "aws:kms:dsse"
)

// cannedACLs are S3's canned ACLs for objects.
var cannedACLs = []string{
	"private", "public-read", "public-read-write", "authenticated-read",
	"aws-exec-read", "bucket-owner-read", "bucket-owner-full-control",
}

// canonicalSSE spells an sse value as S3 wants it, whatever its case.
func canonicalSSE(v string) string {
	for _, s := range []string{SSES3, SSEKMS, SSEKMSDSSE} {
		if strings.EqualFold(v, s) {
			return s
		}
	}
	return v
}

// roleARNPattern is an IAM role ARN, leniently: S3-compatible stores with
// an STS of their own use other partitions and may leave out the account.
var roleARNPattern = regexp.MustCompile(`^arn:[^:\s]+:iam:[^:\s]*:[^:\s]*:role/\S+$`)

// externalIDPattern is what STS accepts as an external ID.
var externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`)

// accessProblems checks the options of encryption, ACL, tags, TLS and
// credentials.
func (c *Config) accessProblems(bad func(option, reason string, also ...string)) {
	switch c.SSE {
	case "", SSES3, SSEKMS, SSEKMSDSSE:
	default:
		bad("sse", "is not one of AES256, aws:kms, aws:kms:dsse")
	}
	if c.SSEKMSKeyID != "" && c.SSE != SSEKMS && c.SSE != SSEKMSDSSE {
		bad("sse_kms_key_id", "needs sse aws:kms (or aws:kms:dsse)", "sse")
	}
	if c.CannedACL != "" && !slices.Contains(cannedACLs, c.CannedACL) {
		bad("canned_acl", "is not one of "+strings.Join(cannedACLs, ", "))
	}
	for _, reason := range checkTags(c.Tags) {
		bad("tags", reason)
	}
	if c.TLSCAFile != "" {
		if reason := checkCAFile(c.TLSCAFile); reason != "" {
			bad("tls_ca_file", reason)
		}
	}
	if strings.ContainsAny(c.Profile, " \t\r\n[]") {
		bad("profile", "is not a profile name")
	}
	if c.RoleARN != "" && !roleARNPattern.MatchString(c.RoleARN) {
		bad("role_arn", "is not an IAM role ARN (arn:aws:iam::123456789012:role/name)")
	}
	if c.ExternalID != "" {
		switch {
		case c.RoleARN == "":
			bad("external_id", "needs role_arn: it is sent only when assuming that role", "role_arn")
		case len(c.ExternalID) < 2 || len(c.ExternalID) > 1224 || !externalIDPattern.MatchString(c.ExternalID):
			bad("external_id", "must be 2 to 1224 letters, digits or the characters + = , . @ : / - _")
		}
	}
	if c.STSEndpoint != "" {
		switch {
		case c.RoleARN == "":
			bad("sts_endpoint", "needs role_arn: STS is called only to assume that role", "role_arn")
		default:
			if reason := checkEndpoint(c.STSEndpoint); reason != "" {
				bad("sts_endpoint", reason)
			}
		}
	}
}

// checkCAFile returns why the PEM file at path cannot serve as trust roots,
// or "". Checked at start so that a wrong path fails Init rather than every
// upload.
func checkCAFile(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "cannot be read: " + strings.TrimPrefix(err.Error(), "open "+path+": ")
	}
	n := 0
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			continue
		}
		n++
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Sprintf("certificate %d does not parse: %v", n, err)
		}
	}
	if n == 0 {
		return "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
	}
	return ""
}
