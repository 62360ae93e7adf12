package out_s3append

import (
	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/out_s3append/s3api"
)

// withAccessAttributes adds the encryption, ACL and tags of the
// configuration to p. putOptions copies them to every object, dead letters
// included: a bucket policy that demands encryption or an ACL of one
// object demands it of all.
func withAccessAttributes(p s3api.PutOptions, cfg *conf.Config) s3api.PutOptions {
	p.ServerSideEncryption = cfg.SSE
	p.SSEKMSKeyID = cfg.SSEKMSKeyID
	p.ACL = cfg.CannedACL
	p.Tagging = conf.EncodeTags(cfg.Tags)
	return p
}
