// Package source holds what every source of the s3append sidecar shares:
// the Sink a source hands its batches to, the settings a source is built
// from, its listener, TLS and counters.
//
// A source is thin, like a receiver of the OpenTelemetry Collector: it
// decodes its protocol, hands (tag, events) to the Sink, and answers the
// client with the Sink's result: an acknowledgement only on OK. Buffering,
// routing, encoding and retries stay in the engine.
package source

import (
	"context"

	"github.com/s3append/s3append/out_s3append"
)

// Result is the Sink's answer for a batch, the engine's own.
type Result = out_s3append.Result

const (
	// OK: every record of the batch is durable in the disk buffer (fsynced
	// under sync always) of every output whose match takes its tag. Only
	// now may the client be acknowledged.
	OK = out_s3append.OK
	// Retry: nothing the client must count on was taken (a buffer is
	// full, or shutting down): answer so the client sends it again.
	Retry = out_s3append.Retry
	// Error: the batch can never be taken.
	Error = out_s3append.Error
)

// Sink takes batches of events. events is msgpack entries [time, record]
// back to back, as Fluent Bit's chunks and the forward protocol's
// PackedForward hold them (time: EventTime ext 0, integer or float
// seconds). Deliver does not keep events after it returns, and is safe to
// call from many goroutines at once.
type Sink interface {
	Deliver(tag string, events []byte) Result
}

// Env is what a running source is given.
type Env struct {
	Sink  Sink
	Log   *out_s3append.Logger
	Stats *Stats
}

// Source is one configured listener, or for a NoListen kind one reader. Build (the Kind's) validates and
// binds nothing; Start binds and serves; Stop stops accepting, lets every
// batch already handed to the Sink be answered, then closes what is left,
// by ctx's deadline at the latest.
type Source interface {
	Start(env Env) error
	// Addr is the address bound: the real port when 0 was asked for, or
	// unix:///path.
	Addr() string
	Stop(ctx context.Context) error
}

// Kind is a source type of the configuration file.
type Kind struct {
	// Type is the value of type: in the configuration.
	Type string
	// Keys are the settings the type accepts beyond the common ones
	// (type, listen, tag); anything else is an unknown key.
	Keys []string
	// NoListen marks a type that reads its input itself (from a bucket,
	// say) rather than accepting connections: it takes no listen setting,
	// and its Addr names what it reads.
	NoListen bool
	// Build reads s (reporting every problem through s.Fail) and returns
	// the source, not yet listening.
	Build func(s *Settings) Source
}

// OnceSink is a Sink that also takes batches a source can hand over again
// after a crash (it re-reads its input), exactly once: DeliverOnce names
// the batch with token, unique per attempt (the source puts a generation
// of its own in it). OK means the batch is durable and the token recorded
// with it, in one step: after any crash either both are there or
// neither. Committed says whether the batch named token was taken by
// every output that takes tag; Forget drops tokens the source has since
// recorded as taken in its own durable state.
type OnceSink interface {
	Sink
	DeliverOnce(tag string, events []byte, token string) Result
	Committed(tag, token string) bool
	Forget(tag string, tokens ...string) error
}
