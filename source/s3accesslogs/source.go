package s3accesslogs

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/source"
)

// src is one s3_access_logs source.
type src struct {
	cfg   config
	store s3api.Store // built by Start unless given (tests)
	disc  discoverer  // discovery list
	queue queue       // discovery sqs: built by Start unless given (tests)
	msgs  *messages   // discovery sqs: the messages held

	env  source.Env
	log  *out_s3append.Logger
	sink source.OnceSink
	keep *keeper
	gen  uint64 // this run's generation
	// started is when this run started: discovery sqs forgets no taken
	// object before the run is dedupe_window old.
	started time.Time

	ctx     context.Context
	cancel  context.CancelFunc
	stopped atomic.Bool   // Stop runs once: the state directory is let go after it
	work    chan string   // keys admitted, for the workers
	wake    chan struct{} // an object is done: room to admit more
	wg      sync.WaitGroup

	// listPageSize is the lister's page size (0: the service's); tests
	// make it small to cross pages.
	listPageSize int32
	// backoffMin is the first wait after a Retry or a failed request.
	backoffMin time.Duration
}

func newSource(cfg config, store s3api.Store) *src {
	return &src{cfg: cfg, store: store, backoffMin: 100 * time.Millisecond}
}

// Addr names what the source reads.
func (s *src) Addr() string {
	if s.cfg.discovery == discoverSQS {
		return "s3://" + s.cfg.bucket + "/" + s.cfg.prefix + " via " + s.cfg.queueURL
	}
	return "s3://" + s.cfg.bucket + "/" + s.cfg.prefix
}

// Start opens the state, bumps the generation and starts polling. It
// makes no request to S3: an unreachable bucket shows in the log at the
// first poll and is tried again at the next.
func (s *src) Start(env source.Env) error {
	once, ok := env.Sink.(source.OnceSink)
	if !ok {
		return fmt.Errorf("source %s: the sink does not take batches exactly once (DeliverOnce), which this source needs to read objects again after a crash without duplicates", s.cfg.name)
	}
	s.env, s.log, s.sink = env, env.Log, once
	if s.store == nil {
		if s.cfg.client.TLSInsecureSkipVerify {
			s.log.Warnf("tls_insecure_skip_verify is on: the certificate of the S3 endpoint is NOT verified, so anyone on the network path can read and change the logs read from bucket %s", s.cfg.bucket)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		client := s.cfg.client
		client.SecretSeen = s.log.Redact
		store, err := s3api.NewAWS(ctx, client)
		cancel()
		if err != nil {
			return fmt.Errorf("source %s: S3 client for bucket %s: %w", s.cfg.name, s.cfg.bucket, err)
		}
		s.store = store
	}
	if s.cfg.discovery == discoverSQS && s.queue == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		client := s.cfg.client
		client.SecretSeen = s.log.Redact
		q, err := newSQSQueue(ctx, client, s.cfg.queueURL, s.cfg.queueEndpoint)
		cancel()
		if err != nil {
			return fmt.Errorf("source %s: SQS client for %s: %w", s.cfg.name, s.cfg.queueURL, err)
		}
		s.queue = q
	}
	s.disc = &lister{store: s.store, prefix: s.cfg.prefix, pageSize: s.listPageSize, skipped: func(key string) {
		s.log.Limitedf(out_s3append.LevelDebug, "skipped-key", "s3://%s/%s is not named as S3 names access log objects (YYYY-mm-DD-HH-MM-SS-UniqueString, under prefix %q directly or in the date-based folders): not read", s.cfg.bucket, key, s.cfg.prefix)
	}}
	keep, err := openKeeper(s.cfg.stateDir)
	if err != nil {
		return fmt.Errorf("source %s: %w", s.cfg.name, err)
	}
	var pending []string
	var cleanups []cleanup
	v := keep.change(func(st *state) {
		st.Generation++
		s.gen = st.Generation
		pending = inFlightOldestFirst(st)
		cleanups = append(cleanups, st.Cleanup...)
	})
	// The new generation is on disk before any batch is delivered under
	// it, so a crash in this run can never be followed by a run that
	// delivers under the same tokens.
	if err := keep.save(v); err != nil {
		keep.close()
		return fmt.Errorf("source %s: writing the state file in %s: %w", s.cfg.name, s.cfg.stateDir, err)
	}
	s.keep = keep
	s.started = time.Now()
	if s.cfg.discovery == discoverSQS {
		s.msgs = newMessages()
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.work = make(chan string, max(s.cfg.maxInFlight, len(pending)))
	s.wake = make(chan struct{}, 1)
	for _, key := range pending {
		s.work <- key
	}
	if len(pending) > 0 {
		s.log.Infof("resuming %d object(s) of s3://%s/%s that a previous run was reading", len(pending), s.cfg.bucket, s.cfg.prefix)
	}
	for range s.cfg.getWorkers {
		s.wg.Add(1)
		go s.worker()
	}
	s.wg.Add(1)
	go func() {
		// What a previous run left to do after taking objects, before
		// the first poll (not in Start: it makes requests).
		for _, c := range cleanups {
			s.cleanup(c)
		}
		if s.cfg.discovery == discoverSQS {
			s.receiveLoop()
			return
		}
		s.pollLoop()
	}()
	if s.cfg.discovery == discoverSQS {
		s.wg.Add(1)
		go s.extendLoop()
	}
	return nil
}

// Stop stops polling and lets each worker finish the batch it is
// delivering; an object half read stays in the state and is read on from
// its first batch not taken at the next start.
func (s *src) Stop(ctx context.Context) error {
	if s.cancel == nil || s.stopped.Swap(true) {
		return nil
	}
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		// A Deliver still running is the engine's to answer; the state
		// needs nothing from it, as a crash here would.
		s.keep.kill()
		s.keep.close()
		return fmt.Errorf("source %s: stopped before every worker finished its batch: %w", s.cfg.name, ctx.Err())
	}
	// Write what the cleanups cleared, then let the directory go.
	var err error
	if e := s.keep.save(s.keep.change(func(*state) {})); e != nil {
		err = fmt.Errorf("source %s: writing the state file: %w", s.cfg.name, e)
	}
	s.keep.kill() // no write once another run may own the directory
	s.keep.close()
	return err
}

// inFlightOldestFirst is the objects admitted and not done, oldest key
// time first.
func inFlightOldestFirst(st *state) []string {
	keys := make([]string, 0, len(st.Objects))
	for k := range st.Objects {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := st.Objects[keys[i]], st.Objects[keys[j]]
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		return keys[i] < keys[j]
	})
	return keys
}

// pollLoop polls every poll_interval, and sooner when a poll found more
// than it could admit and an object has been done since.
func (s *src) pollLoop() {
	defer s.wg.Done() // Start's Add
	timer := time.NewTimer(0)
	defer timer.Stop()
	full := false
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-timer.C:
		case <-s.wake:
			if !full {
				continue
			}
		}
		full = s.poll()
		timer.Reset(s.cfg.pollInterval)
	}
}

// poll lists from the floor, admits the objects not taken (as many as
// max_objects_in_flight allows) and moves the floor. It says whether it
// left objects out for want of room.
func (s *src) poll() (full bool) {
	var from time.Time
	var inFlight int
	s.keep.read(func(st *state) { from, inFlight = st.ListFrom, len(st.Objects) })
	var (
		admit  []candidate
		oldest time.Time // the oldest object listed and not taken
		seen   bool
	)
	err := s.disc.walk(s.ctx, from, func(c candidate) bool {
		var taken, admitted bool
		s.keep.read(func(st *state) { _, taken = st.Taken[c.key]; _, admitted = st.Objects[c.key] })
		if taken {
			return true
		}
		if !seen || c.t.Before(oldest) {
			oldest, seen = c.t, true
		}
		if admitted {
			return true
		}
		if inFlight+len(admit) >= s.cfg.maxInFlight {
			// The rest of this partition is no older than c, which the
			// floor now waits for.
			full = true
			return false
		}
		admit = append(admit, c)
		return true
	})
	if err != nil {
		if s.ctx.Err() == nil {
			s.log.Limitedf(out_s3append.LevelError, "list", "listing s3://%s/%s from %s failed (%s): trying again in %v: %v",
				s.cfg.bucket, s.cfg.prefix, from.Format(time.RFC3339), s3api.Classify(err), s.cfg.pollInterval, err)
		}
		return false
	}
	sort.SliceStable(admit, func(i, j int) bool { return admit[i].t.Before(admit[j].t) })
	v := s.keep.change(func(st *state) {
		for _, c := range admit {
			st.Objects[c.key] = &objectState{Time: c.t, ETag: c.etag, Size: c.size, BatchLines: s.cfg.batchLines,
				Segments: []segment{{Gen: s.gen, From: 0}}}
		}
		s.moveFloor(st, oldest, seen)
	})
	if err := s.keep.save(v); err != nil {
		// The admitted objects stay in the state in memory and are
		// written with the next save; none is read before that.
		s.log.Errorf("writing the state file in %s failed: %v; %d object(s) wait for it", s.cfg.stateDir, err, len(admit))
		s.keep.change(func(st *state) {
			for _, c := range admit {
				delete(st.Objects, c.key)
			}
		})
		return false
	}
	for _, c := range admit {
		s.work <- c.key // room: the channel holds max_objects_in_flight
	}
	return full
}

// moveFloor raises ListFrom to relist_window before the newest object
// taken or admitted, but never past an object listed or admitted and not
// done: such an object must be listed again until it is taken. Taken keys
// below the floor are dropped: no listing reaches below ListFrom again,
// so they cannot be seen again, and the taken set stays as small as the
// window.
func (s *src) moveFloor(st *state, oldest time.Time, seen bool) {
	newest := st.Newest
	for _, o := range st.Objects {
		if o.Time.After(newest) {
			newest = o.Time
		}
	}
	if newest.IsZero() {
		return // nothing found yet
	}
	floor := newest.Add(-s.cfg.window)
	if seen && oldest.Before(floor) {
		floor = oldest
	}
	for _, o := range st.Objects {
		if o.Time.Before(floor) {
			floor = o.Time
		}
	}
	if !floor.After(st.ListFrom) {
		return
	}
	st.ListFrom = floor
	for k, t := range st.Taken {
		if t.Time.Before(floor) {
			delete(st.Taken, k)
		}
	}
}

// worker reads the objects admitted, one at a time.
func (s *src) worker() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case key := <-s.work:
			s.readObject(key)
			select {
			case s.wake <- struct{}{}:
			default:
			}
		}
	}
}

// sleep waits d, or less when the source stops; it says whether to go on.
func (s *src) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// backoff is the wait before attempt n (from 0): doubling from
// backoffMin, at most 30s.
func (s *src) backoff(n int) time.Duration {
	d := s.backoffMin
	for i := 0; i < n && d < 30*time.Second; i++ {
		d *= 2
	}
	return min(d, 30*time.Second)
}

// saveOrWait writes version v, trying again while the source runs.
func (s *src) saveOrWait(v uint64, what string) bool {
	for n := 0; ; n++ {
		err := s.keep.save(v)
		if err == nil {
			return true
		}
		if s.ctx.Err() != nil {
			return false
		}
		s.log.Limitedf(out_s3append.LevelError, "state", "writing the state file in %s (%s) failed: %v; trying again", s.cfg.stateDir, what, err)
		if !s.sleep(s.backoff(n)) {
			return false
		}
	}
}

// errStopped ends the reading of an object because the source stops.
var errStopped = errors.New("stopping")
