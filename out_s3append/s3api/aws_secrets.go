package s3api

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// watchedCredentials tells SecretSeen about every credential it hands to
// the signer, before any request carries it, so the caller can keep it out
// of its log even when a server echoes it back in an error message.
type watchedCredentials struct {
	aws.CredentialsProvider
	seen func(secrets ...string)
}

func (w watchedCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := w.CredentialsProvider.Retrieve(ctx)
	if err == nil {
		w.seen(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	}
	return c, err
}

// watch wraps p (nil stays nil: anonymous requests carry no secret). The
// result is cached again, as the SDK expects of a provider.
func watch(p aws.CredentialsProvider, seen func(...string)) aws.CredentialsProvider {
	if p == nil || seen == nil {
		return p
	}
	return aws.NewCredentialsCache(watchedCredentials{CredentialsProvider: p, seen: seen})
}
