package out_s3append

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
)

// The object lifecycle and its one-owner rule are written down in
// LIFECYCLE.md; this file is the code of it: who may work on an object,
// when it is queued, and what a failed step leads to.

// Scheduling states of an object (object.sched). Only the worker that
// took an object from the queue works on it, until it releases it.
const (
	schedIdle    int32 = iota // nobody holds it and it is not queued
	schedQueued               // in the upload queue, once
	schedWorking              // a worker holds it
	schedAgain                // a worker holds it and more work arrived meanwhile
)

// schedule asks for o to be worked on. An idle object is queued (once); an
// object a worker holds is marked so that the worker queues it again when
// it lets go; an object backing off after a failure waits for its timer.
func (in *Instance) schedule(o *object) {
	for {
		switch o.sched.Load() {
		case schedIdle:
			if o.backingOff.Load() {
				return
			}
			if o.sched.CompareAndSwap(schedIdle, schedQueued) {
				select {
				case in.queue <- o:
				default:
					// The queue is full: the ticker offers it again.
					o.sched.Store(schedIdle)
				}
				return
			}
		case schedWorking:
			if o.sched.CompareAndSwap(schedWorking, schedAgain) {
				return
			}
		default: // queued, or held and already asked for again
			return
		}
	}
}

// worker takes objects from the queue, one at a time, and moves each as
// far as it can go now. A step that fails is not retried here: the object
// is let go with a backoff timer, so one object S3 keeps refusing never
// holds a worker that other objects need.
func (in *Instance) worker() {
	defer in.wg.Done()
	ws := newWorkerScratch()
	for {
		select {
		case <-in.ctx.Done():
			return
		case o := <-in.queue:
			o.sched.Store(schedWorking)
			if !o.retired.Load() {
				in.step(o, ws)
			}
			in.release(o)
		}
	}
}

// release lets go of o after a worker's turn, queueing it again when work
// arrived meanwhile.
func (in *Instance) release(o *object) {
	if o.sched.CompareAndSwap(schedWorking, schedIdle) {
		return
	}
	o.sched.Store(schedIdle) // it was schedAgain
	if !o.retired.Load() {
		in.schedule(o)
	}
}

// step runs o's next steps and decides what a failure leads to.
func (in *Instance) step(o *object, ws *workerScratch) {
	err := in.advanceAny(o, ws)
	if err == nil || in.ctx.Err() != nil {
		return
	}
	class := s3api.Retryable
	var se *s3Error
	if errors.As(err, &se) {
		class = se.class
	}
	if class == s3api.KeyRefused {
		in.refuse(o, err)
		return
	}
	o.failures++
	if limit := in.cfg.UploadRetryLimit; limit > 0 && o.failures >= limit {
		in.giveUp(o, fmt.Errorf("upload_retry_limit (%d) reached: %w", limit, err))
		return
	}
	in.stats.UploadRetries.Add(1)
	switch {
	case se == nil:
		// A local failure (the buffer's disk, say): retried like a
		// network error.
		in.log.Limitedf(LevelError, "local:"+o.tag, "object %s (tag %q): %v; retried", o.key, o.tag, err)
	case class == s3api.Permanent:
		in.log.Limitedf(LevelError, "permanent:"+s3api.ErrorCode(err), "%s %s (tag %q) failed: %v; %s; buffered records are kept and retried", se.op, o.key, o.tag, se.err, permanentHint(err, in.cfg.Bucket))
	default:
		in.log.Limitedf(LevelWarn, se.op+":"+class.String(), "%s %s (tag %q) failed, %s error, attempt %d, retrying: %v", se.op, o.key, o.tag, class, o.failures, se.err)
	}
	in.backOff(o, o.backoff.next(class))
}

// backOff keeps o out of the queue for d, then schedules it again.
func (in *Instance) backOff(o *object, d time.Duration) {
	gen := o.backoffGen.Add(1)
	o.backingOff.Store(true)
	time.AfterFunc(d, func() {
		// A timer outlived by a newer backoff (or by wakeAll) does nothing.
		if o.backoffGen.Load() == gen {
			o.backingOff.Store(false)
			in.schedule(o)
		}
	})
}

// wakeAll ends every backoff at once: at shutdown each waiting object gets
// one more attempt before shutdown_timeout, rather than sleeping past it.
func (in *Instance) wakeAll() {
	in.mu.Lock()
	objs := make([]*object, 0, len(in.all))
	for o := range in.all {
		objs = append(objs, o)
	}
	in.mu.Unlock()
	for _, o := range objs {
		if o.backingOff.Load() {
			o.backoffGen.Add(1)
			o.backingOff.Store(false)
			in.schedule(o)
		}
	}
}

// retire takes a finished, failed or refused object out of the instance.
// Only its owner calls it; the object is never worked on again.
func (in *Instance) retire(o *object) {
	o.retired.Store(true)
	in.mu.Lock()
	if in.open[o.route] == o {
		delete(in.open, o.route)
	}
	delete(in.all, o)
	in.mu.Unlock()
	select {
	case in.finished <- struct{}{}:
	default:
	}
}

// s3Error is one failed S3 call, with its class.
type s3Error struct {
	op    string
	class s3api.Class
	err   error
}

func (e *s3Error) Error() string { return fmt.Sprintf("%s: %v", e.op, e.err) }
func (e *s3Error) Unwrap() error { return e.err }

// s3Call makes one attempt at an S3 operation for o. A failure is counted
// and returned as an *s3Error, for the caller to handle (a vanished upload
// is redone) or to pass up to step, which backs the object off; a success
// ends o's run of failures.
func (in *Instance) s3Call(o *object, op string, call func(ctx context.Context) error) error {
	err := call(in.ctx)
	if err == nil {
		o.failures = 0
		o.backoff = backoff{}
		return nil
	}
	if in.ctx.Err() != nil {
		return err
	}
	class := s3api.Classify(err)
	in.stats.UploadErrors[class].Add(1)
	return &s3Error{op: op, class: class, err: err}
}
