package out_s3append

import (
	"errors"
	"fmt"
	"time"

	"github.com/s3append/s3append/buffer"
	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/format"
)

// A source that re-reads its input after a crash (S3 server access logs)
// must hand each batch over exactly once across crashes. It names each
// batch with a token and keeps, in its own durable state, which batches
// were taken; the engine makes the record that a batch was taken durable
// together with the batch's records, through the token journal of the
// buffer (buffer/tokens.go):
//
//	begin T (journal) → frames of T (segments, synced) → commit T (journal) → OK
//
// A crash anywhere before the commit leaves T begun, and recovery drops
// every frame of T: the sender finds Committed(T) false and hands the
// batch over again. After the commit, the records are the engine's and
// Committed(T) stays true until the sender Forgets T.
//
// Under sync always every step is fsynced, so this holds through power
// loss. Under sync interval and none the steps are written in this order
// but not fsynced at once: it holds through a crash of the process (the
// kernel keeps what was written), not through power loss.

// FlushOnce is Flush for a batch its sender can hand over again after a
// crash: token names the batch (unique per attempt; the sender puts a
// generation in it). OK means the records are durable and the token
// committed, in one step: after any crash either both are there or
// neither (frames of a token begun but never committed are dropped at
// recovery). A token committed before is answered OK at once, writing
// nothing; one being handed over concurrently is answered Retry.
func (in *Instance) FlushOnce(tag string, chunk []byte, token string) Result {
	res := in.flushOnce(tag, chunk, token)
	in.stats.Flushes[res].Add(1)
	return res
}

func (in *Instance) flushOnce(tag string, chunk []byte, token string) Result {
	if token == "" || len(token) > buffer.MaxTokenLength {
		in.log.Errorf("tag %q: a batch's token must be 1 to %d bytes, got %d; batch refused", tag, buffer.MaxTokenLength, len(token))
		return Error
	}
	if !in.claimToken(token) {
		return Retry
	}
	defer in.releaseToken(token)
	if in.store.TokenCommitted(token) {
		return OK
	}
	return in.flush(tag, chunk, token)
}

// Committed says whether the batch named token was taken (it stays true
// until Forget, also after the records were uploaded and their buffer
// removed, and across restarts).
func (in *Instance) Committed(token string) bool { return in.store.TokenCommitted(token) }

// Forget drops tokens the sender has recorded as taken in its own durable
// state. Tokens not committed are ignored.
func (in *Instance) Forget(tokens ...string) error {
	if err := in.store.ForgetTokens(tokens...); err != nil {
		in.log.Limitedf(LevelError, "tokens", "forgetting %d tokens in the token journal of %s failed: %v", len(tokens), in.store.Dir(), err)
		return err
	}
	return nil
}

// claimToken keeps two hand-overs of one token from running at once: the
// second would write the batch again before the first committed it.
func (in *Instance) claimToken(token string) bool {
	in.onceMu.Lock()
	defer in.onceMu.Unlock()
	if in.onceBusy == nil {
		in.onceBusy = map[string]struct{}{}
	}
	if _, busy := in.onceBusy[token]; busy {
		return false
	}
	in.onceBusy[token] = struct{}{}
	return true
}

func (in *Instance) releaseToken(token string) {
	in.onceMu.Lock()
	delete(in.onceBusy, token)
	in.onceMu.Unlock()
}

// beforeTokenCommit, when set (by tests), runs between a batch's synced
// frames and its commit entry: an error fails the commit; a panic stands
// for a crash at that point.
var beforeTokenCommit func(token string) error

// errTokenUndecided: the commit entry of a batch failed and so did the
// abort that would have revoked it; what the journal holds is known at
// the next start only.
var errTokenUndecided = errors.New("the batch's commit and its abort both failed in the token journal")

// commitToken appends the commit entry of a batch whose frames are
// written and synced, with the objects' locks held. When the commit fails
// after its entry may have reached the disk, an abort entry revokes it
// and the caller rolls the frames back, as for any failed flush. When the
// abort fails too, the disk decides at the next start: the frames are
// kept and committed in their objects, so that a commit that did reach
// the disk never names lost records (the batch is at least once, never
// lost), and the journal refuses every token until the restart.
func (in *Instance) commitToken(tag, token string, order []*group) error {
	if beforeTokenCommit != nil {
		if err := beforeTokenCommit(token); err != nil {
			return err
		}
	}
	err := in.store.CommitToken(token, in.cfg.Sync == conf.SyncAlways)
	if err == nil || errors.Is(err, buffer.ErrTokensUnavailable) {
		return err
	}
	aerr := in.store.AbortToken(token)
	if aerr == nil {
		return err
	}
	in.log.Errorf("tag %q: batch %q: the token journal in %s failed twice (%v; then %v): its records are kept and may be uploaded; whether the batch counts as taken is settled at the next start, and batches with a token are refused until then", tag, token, in.store.Dir(), err, aerr)
	now := time.Now()
	for _, g := range order {
		g.obj.buf.CommitLocked()
		in.noteSlot(g.obj, g.data, now)
	}
	return fmt.Errorf("%w: %v", errTokenUndecided, err)
}

// countRecords counts the records of a frame, for the report of frames
// recovery drops.
func countRecords(kind byte, data []byte) int {
	if lines, ok := buffer.DeadLettersOf(kind, data); ok {
		n := 0
		for _, c := range lines {
			if c == '\n' {
				n++
			}
		}
		return n
	}
	events, ok := buffer.EventsOf(kind, data)
	if !ok {
		return 0
	}
	var r format.Reader
	var ev format.Event
	r.Reset(events)
	n := 0
	for {
		err := r.Next(&ev)
		var de *format.DecodeError
		if err == nil || (errors.As(err, &de) && de.Skipped) {
			n++
			continue
		}
		return n
	}
}
