package out_s3append

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
)

// backoff is exponential backoff with full jitter. Throttling (503 SlowDown)
// starts from a longer delay than other retryable errors, as S3 asks, and
// permanent errors (bad credentials, missing bucket) wait longest: they need
// a person, but the buffered data is never given up.
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

// wait sleeps for d or until ctx ends; false when ctx ended.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// errGivenUp is returned by retry once upload_retry_limit attempts failed.
var errGivenUp = errors.New("upload_retry_limit reached")

// retry runs op until it succeeds, ctx ends or limit attempts failed
// (limit 0: no limit), backing off between tries and logging failures
// (rate-limited) through onErr.
func retry(ctx context.Context, limit int, op func(context.Context) error, onErr func(err error, class s3api.Class, attempt int)) error {
	var b backoff
	for {
		err := op(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		class := s3api.Classify(err)
		onErr(err, class, b.attempt+1)
		if limit > 0 && b.attempt+1 >= limit {
			return fmt.Errorf("%w after %d attempts: %v", errGivenUp, limit, err)
		}
		if !wait(ctx, b.next(class)) {
			return ctx.Err()
		}
	}
}
