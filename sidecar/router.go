package sidecar

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/source"
)

// output is a running output and the tags it takes.
type output struct {
	name  string
	match string
	inst  *out_s3append.Instance
}

// router is the Sink every source delivers to: it hands a batch to each
// output whose match takes the tag.
//
// A batch whose tag no output takes is not dropped: it goes to the dead
// letters of the first output (reason no_output), where it is counted,
// kept in S3 with its tag and can be replayed, and the client is
// acknowledged as for any batch, so one unplanned tag cannot stall a
// client's whole stream.
type router struct {
	outputs []*output
	log     *out_s3append.Logger
	// byTag caches each tag's outputs ([]*output; empty: none).
	byTag     sync.Map
	cached    atomic.Int64
	unmatched atomic.Int64 // records
}

// maxCachedTags bounds the cache: tags come from clients.
const maxCachedTags = 4096

func (r *router) outputsFor(tag string) []*output {
	if v, ok := r.byTag.Load(tag); ok {
		return v.([]*output)
	}
	var outs []*output
	for _, o := range r.outputs {
		if matchTag(o.match, tag) {
			outs = append(outs, o)
		}
	}
	if r.cached.Load() < maxCachedTags {
		if _, loaded := r.byTag.LoadOrStore(tag, outs); !loaded {
			r.cached.Add(1)
		}
	}
	return outs
}

// Deliver hands events to every output that takes tag. It is OK only when
// each of them answered OK. When a tag goes to several outputs and one is
// full while another took the batch, the client's resend reaches both
// again: the README says so (one output per tag is exactly-once).
func (r *router) Deliver(tag string, events []byte) source.Result {
	outs := r.outputsFor(tag)
	if len(outs) == 0 {
		return r.unrouted(tag, events)
	}
	res := source.OK
	for _, o := range outs {
		switch o.inst.Flush(tag, events) {
		case out_s3append.Retry:
			if res == source.OK {
				res = source.Retry
			}
		case out_s3append.Error:
			res = source.Error
		}
	}
	return res
}

func (r *router) unrouted(tag string, events []byte) source.Result {
	res := r.outputs[0].inst.FlushDeadLetters(tag, events, out_s3append.RejectNoOutput)
	if res == source.OK {
		n := countEvents(events)
		r.unmatched.Add(n)
		r.log.Limitedf(out_s3append.LevelWarn, "unmatched:"+tag, "tag %q matches no output's match: %d record(s) kept as dead letters of %s (reason no_output)", tag, n, r.outputs[0].name)
	}
	return res
}

// countEvents counts the events of a batch, the unreadable rest as one.
func countEvents(events []byte) int64 {
	var (
		rd format.Reader
		ev format.Event
		n  int64
	)
	rd.Reset(events)
	for {
		err := rd.Next(&ev)
		if err == io.EOF {
			return n
		}
		n++
		if de, ok := err.(*format.DecodeError); ok && !de.Skipped {
			return n
		}
	}
}

var _ source.OnceSink = (*router)(nil)

// DeliverOnce hands a batch its source may hand over again after a crash
// to every output that takes tag and has not committed token yet, so an
// output that took it before a crash is not given it twice. Records whose
// tag no output takes go to the dead letters as in Deliver, without the
// token's protection: a source with such a tag is misconfigured, and the
// worst a crash then does is repeat a dead letter.
func (r *router) DeliverOnce(tag string, events []byte, token string) source.Result {
	outs := r.outputsFor(tag)
	if len(outs) == 0 {
		return r.unrouted(tag, events)
	}
	res := source.OK
	for _, o := range outs {
		if o.inst.Committed(token) {
			continue
		}
		switch o.inst.FlushOnce(tag, events, token) {
		case out_s3append.Retry:
			if res == source.OK {
				res = source.Retry
			}
		case out_s3append.Error:
			res = source.Error
		}
	}
	return res
}

// Committed says whether every output that takes tag committed token.
func (r *router) Committed(tag, token string) bool {
	outs := r.outputsFor(tag)
	for _, o := range outs {
		if !o.inst.Committed(token) {
			return false
		}
	}
	return len(outs) > 0
}

// Forget drops tokens from every output that takes tag.
func (r *router) Forget(tag string, tokens ...string) error {
	var errs []error
	for _, o := range r.outputsFor(tag) {
		if err := o.inst.Forget(tokens...); err != nil {
			errs = append(errs, fmt.Errorf("output %s: %w", o.name, err))
		}
	}
	return errors.Join(errs...)
}
