package out_s3append

import (
	"math/rand/v2"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
)

// backoff is exponential backoff with full jitter, per object: the delay
// before an object's next attempt after a failed step. Throttling (503
// SlowDown) starts from a longer delay than other retryable errors, as S3
// asks, and permanent errors (bad credentials, missing bucket) wait
// longest: they need a person, but the buffered data is never given up.
// The object waits off the queue (lifecycle.go), so a backoff never holds
// an upload worker.
type backoff struct {
	attempt int
}

var backoffBase = map[s3api.Class]time.Duration{
	s3api.Retryable: 200 * time.Millisecond,
	s3api.Throttled: time.Second,
	s3api.Permanent: 5 * time.Second,
}

const backoffCap = 30 * time.Second

func (b *backoff) next(class s3api.Class) time.Duration {
	base := backoffBase[class]
	d := base << min(b.attempt, 16)
	if d > backoffCap || d <= 0 {
		d = backoffCap
	}
	b.attempt++
	return base/2 + rand.N(d-base/2+1)
}
