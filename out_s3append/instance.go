// Package out_s3append is the engine of the s3append output: it routes
// records to objects by their key, buffers them durably, and finishes the
// objects in S3 through multipart upload. The cgo boundary (package main
// in plugin/) only converts types and calls into an Instance.
package out_s3append

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/s3append/s3append/buffer"
	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/iceberg"
	"github.com/s3append/s3append/out_s3append/s3api"
)

// Instance is one [OUTPUT] s3append.
type Instance struct {
	name  string
	cfg   *conf.Config
	log   *Logger
	s3    s3api.Store
	store *buffer.Store
	keys  *keyRenderer
	index *indexCounter
	put   s3api.PutOptions // of the output's own objects
	json  format.JSONOptions
	// comp compresses JSON-lines objects: the output's own, or the dead
	// letters of a Parquet output.
	comp format.Compression
	// parquet is set for format parquet; pqFields is the declared schema
	// (nil: inferred per object).
	parquet  bool
	pqOpts   format.ParquetOptions
	pqFields *format.Field
	// keySuffix ends every key when the user kept the default key format,
	// so objects carry the extension readers detect compression by.
	keySuffix string
	// slot is the event-time span that shares a route (0: time not in key).
	slot int64

	mu      sync.Mutex
	open    map[string]*object   // by route
	all     map[*object]struct{} // every object not yet finished
	closing bool

	queue    chan *object
	finished chan struct{} // signalled when an object leaves `all`
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	// ratio estimates buffered bytes per uploaded byte, learnt from each
	// encoding pass, to decide when enough is buffered for a part.
	ratio *estimate
	// rowGroupShrink estimates a Parquet row group's bytes in the file per
	// byte its writer counted while it was open (pages still uncompressed),
	// to end a part's last row group where the part is full.
	rowGroupShrink *estimate

	flushes sync.Pool
	stats   *Stats

	// journal lists the objects complete in S3 and waiting for their
	// commit to the Iceberg table, which committer makes (nil: no table).
	journal   *iceberg.Journal
	committer *iceberg.Committer

	// onceBusy holds the tokens of FlushOnce calls in progress.
	onceMu   sync.Mutex
	onceBusy map[string]struct{}
}

// New starts an instance: opens and recovers the buffer, then starts the
// upload workers. s3 is the object store (the AWS client, or a fake in tests).
func New(name string, cfg *conf.Config, s3 s3api.Store, log *Logger) (*Instance, error) {
	return newInstance(name, cfg, s3, log, nil)
}

// newInstance is New counting into stats (nil: counters of its own), so
// an instance started again under the same name, as Fluent Bit's hot
// reload does, goes on with the counters of the one before.
func newInstance(name string, cfg *conf.Config, s3 s3api.Store, log *Logger, stats *Stats) (*Instance, error) {
	if stats == nil {
		stats = &Stats{}
	}
	parquet := cfg.Format == conf.FormatParquet
	comp, err := jsonCompression(cfg)
	if err != nil {
		return nil, fmt.Errorf("compression: %w", err)
	}
	var pqFields *format.Field
	if parquet && cfg.ParquetSchema.Text != "" {
		if pqFields, err = format.ParseParquetSchema(cfg.ParquetSchema.Text); err != nil {
			return nil, fmt.Errorf("parquet_schema: %w", err)
		}
	}
	dateFormat, err := format.ParseDateFormat(string(cfg.JSONDateFormat))
	if err != nil {
		return nil, fmt.Errorf("json_date_format: %w", err)
	}
	keys, err := newKeyRenderer(cfg, keySuffix(cfg, comp))
	if err != nil {
		return nil, err
	}
	var metricsAddr string
	if cfg.MetricsListen != "" {
		if metricsAddr, err = acquireMetricsServer(cfg.MetricsListen, log); err != nil {
			return nil, err
		}
	}
	store, rec, err := buffer.OpenWith(storeDir(cfg), cfg.StoreDirLimitSize, buffer.Options{CountRecords: countRecords})
	if err != nil {
		if cfg.MetricsListen != "" {
			releaseMetricsServer(cfg.MetricsListen)
		}
		return nil, err
	}
	index, err := loadIndex(store.Dir())
	if err != nil {
		log.Errorf("$INDEX counters in %s are damaged (%v); numbering starts again", store.Dir(), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &Instance{
		name: name, cfg: cfg, log: log, s3: s3, store: store, index: index,
		keys: keys, keySuffix: keySuffix(cfg, comp),
		json: format.JSONOptions{DateKey: cfg.JSONDateKey, DateFormat: dateFormat, LogKey: cfg.LogKey},
		comp: comp, parquet: parquet, pqFields: pqFields, pqOpts: parquetOptions(cfg),
		put: s3api.PutOptions{
			ContentType:     contentType(cfg),
			ContentEncoding: comp.ContentEncoding(),
			StorageClass:    cfg.StorageClass,
		},
		open:     map[string]*object{},
		all:      map[*object]struct{}{},
		stats:    stats,
		queue:    make(chan *object, 65536),
		finished: make(chan struct{}, 1),
		ctx:      ctx,
		cancel:   cancel,
	}
	in.put = withAccessAttributes(in.put, cfg)
	if parquet {
		in.put.ContentEncoding = "" // Parquet compresses inside the file
	}
	in.slot = int64(in.keys.timeGranularity() / time.Second)
	if in.slot == 1 {
		log.Warnf("s3_key_format %q has a per-second time conversion: each record goes to the object of its own event time, so every second becomes an object of its own; use %%H or %%M for large objects", cfg.S3KeyFormat.Raw)
	}
	registerMetrics(in)
	if metricsAddr != "" {
		log.Infof("Prometheus metrics at http://%s/metrics", metricsAddr)
	}
	if err := in.openJournal(); err != nil {
		unregisterMetrics(in)
		store.Close()
		if cfg.MetricsListen != "" {
			releaseMetricsServer(cfg.MetricsListen)
		}
		cancel()
		return nil, err
	}
	in.ratio = newEstimate(initialRatio(comp, parquet))
	in.rowGroupShrink = newEstimate(1)
	in.flushes.New = func() any { return newFlushScratch() }
	in.adopt(rec)
	for i := 0; i < cfg.UploadWorkers; i++ {
		in.wg.Add(1)
		go in.worker()
	}
	in.wg.Add(1)
	go in.ticker()
	if cfg.Sync == conf.SyncInterval {
		in.wg.Add(1)
		go in.syncer()
	}
	return in, nil
}

// storeDir is the instance's own directory: one per bucket below store_dir,
// so outputs to different buckets can share the default store_dir.
func storeDir(cfg *conf.Config) string {
	return cfg.StoreDir + "/" + cfg.Bucket
}

// jsonContentType is the Content-Type of JSON-lines objects.
const jsonContentType = "application/x-ndjson"

func contentType(cfg *conf.Config) string {
	switch {
	case cfg.ContentType != "":
		return cfg.ContentType
	case cfg.Format == conf.FormatParquet:
		return parquetContentType
	}
	return jsonContentType
}

// jsonCompression is the compression of JSON-lines objects. A Parquet
// output's dead letters are JSON lines too: they take the output's
// compression, or gzip where it names a Parquet-only codec.
func jsonCompression(cfg *conf.Config) (format.Compression, error) {
	if cfg.Compression == conf.CompressionSnappy {
		return format.CompressionGzip, nil
	}
	return format.ParseCompression(string(cfg.Compression))
}

func parquetOptions(cfg *conf.Config) format.ParquetOptions {
	o := format.ParquetOptions{
		DateKey:     cfg.JSONDateKey,
		DropUnknown: cfg.ParquetUnknownFields == "drop",
		NestedJSON:  cfg.ParquetNested == "json",
		Codec:       string(cfg.Compression),
		Level:       cfg.CompressionLevel,
	}
	if cfg.ParquetTimeUnit == "nanos" {
		o.TimeUnit = format.Nanos
	}
	return o
}

// parquetContentType is the Content-Type of Parquet objects.
const parquetContentType = "application/vnd.apache.parquet"

// putOptions are the headers of o's upload. The output's content_type
// applies to objects of its own format; dead letters, and objects an
// earlier run buffered in another format, carry their format's type.
func (in *Instance) putOptions(o *object) s3api.PutOptions {
	p := in.put // storage class, encryption, ACL and tags: the same for all
	p.ContentType, p.ContentEncoding = "", ""
	switch {
	case o.parquet == in.parquet && !strings.HasPrefix(o.route, deadMarker):
		p.ContentType = in.put.ContentType
	case o.parquet:
		p.ContentType = parquetContentType
	default:
		p.ContentType = jsonContentType
	}
	if !o.parquet {
		p.ContentEncoding = o.comp.ContentEncoding()
	}
	return p
}

// recordedEncoding sets o's format and compression from its manifest, so
// an object buffered before a change of config is finished as it began
// (its key already says .json.gz or .parquet).
func (in *Instance) recordedEncoding(o *object, m buffer.Manifest) {
	o.parquet = m.Format == string(conf.FormatParquet) && !strings.HasPrefix(o.route, deadMarker)
	if o.parquet {
		o.codec = m.Compression
		return
	}
	c, err := format.ParseCompression(m.Compression)
	if err != nil {
		c = in.comp
	}
	o.comp = c
}

// initialRatio guesses buffered (msgpack) bytes per output byte before the
// instance has measured any: JSON is a little larger than msgpack, and
// log lines compress well.
func initialRatio(c format.Compression, parquet bool) float64 {
	if parquet {
		// Low on purpose: a first pass that finds too few records for a
		// part costs one undone encoding and teaches the ratio, while a
		// guess above the truth would leave every object waiting, with
		// nothing learnt, until it is sealed.
		return 1
	}
	switch c {
	case format.CompressionGzip:
		return 5
	case format.CompressionZstd:
		return 6
	}
	return 0.8
}

// adopt takes over the objects found in the buffer at start. They are
// sealed: new records go to new objects, and each recovered one is
// finished under the key recorded in its manifest.
func (in *Instance) adopt(rec *buffer.Recovery) {
	in.reportForeign(rec.Foreign)
	for _, c := range rec.Cuts {
		if c.Bytes > 0 {
			in.stats.Recovery[RecoveryTailCut].Add(1)
			in.log.Warnf("buffer recovery: cut %d bytes of a torn or corrupt tail at offset %d of %s (%s)", c.Bytes, c.Offset, c.Path, c.Reason)
		} else {
			in.stats.Recovery[RecoveryRepaired].Add(1)
			in.log.Warnf("buffer recovery: %s: %s", c.Path, c.Reason)
		}
	}
	for _, q := range rec.Quarantined {
		in.stats.Recovery[RecoveryQuarantined].Add(1)
		in.log.Errorf("buffer recovery: damaged object moved to quarantine: %s", q)
	}
	for _, v := range rec.Voided {
		what := "its segment rewritten without them"
		if v.Removed {
			what = "nothing else was in it: removed"
		}
		in.log.Warnf("buffer recovery: dropped %d frames (%d records, %d bytes) of batches %q, begun and never committed (their senders hand them over again), from %s; %s", v.Frames, v.Records, v.Bytes, v.Tokens, v.Path, what)
	}
	for _, b := range rec.Objects {
		m := b.Manifest()
		if in.alreadyComplete(m.Key) {
			// Complete in S3 and recorded for its commit before the crash.
			if err := b.Remove(); err != nil {
				in.log.Errorf("buffer recovery: object %s is complete in S3, but removing its buffer failed: %v", m.Key, err)
			}
			continue
		}
		o := &object{buf: b, route: m.Route, key: m.Key, tag: m.Tag, created: m.Created,
			uploadID: m.UploadID, parts: m.Parts, resume: m.UploadID != ""}
		in.recordedEncoding(o, m)
		o.encodedOff.Store(b.DataStart())
		o.sealed.Store(true)
		in.all[o] = struct{}{}
		in.stats.Recovery[RecoveryObjectAdopted].Add(1)
	}
	if in.journal != nil {
		in.journal.ReleaseAll()
	}
	if n := len(in.all); n > 0 {
		what := "objects"
		if n == 1 {
			what = "object"
		}
		in.log.Infof("buffer recovery: %d %s (%d bytes) from an earlier run will be uploaded", n, what, in.store.Used())
		for o := range in.all {
			in.schedule(o)
		}
	}
}

// ticker seals objects whose upload_timeout has passed and offers every
// object with work to the queue again (a safety net for missed signals).
func (in *Instance) ticker() {
	defer in.wg.Done()
	period := min(time.Second, in.cfg.UploadTimeout/4)
	if period <= 0 {
		period = time.Second
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-in.ctx.Done():
			return
		case now := <-t.C:
			in.tick(now)
		}
	}
}

func (in *Instance) tick(now time.Time) {
	var due, ready []*object
	in.mu.Lock()
	for o := range in.all {
		if !o.sealed.Load() && (now.Sub(o.created) >= in.cfg.UploadTimeout || in.slotOver(o, now)) {
			due = append(due, o)
		} else if o.sealed.Load() || o.pending() >= in.readyThreshold(o) {
			ready = append(ready, o)
		}
	}
	in.mu.Unlock()
	for _, o := range due {
		in.sealObject(o, "upload_timeout or event-time slot over")
	}
	for _, o := range ready {
		in.schedule(o)
	}
}

// syncer fsyncs the objects written since its last round, every
// sync_interval (sync interval): at most that much acknowledged data is at
// risk on power loss.
func (in *Instance) syncer() {
	defer in.wg.Done()
	t := time.NewTicker(in.cfg.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-in.ctx.Done():
			return
		case <-t.C:
			in.syncDirty()
		}
	}
}

func (in *Instance) syncDirty() {
	in.mu.Lock()
	var dirty []*object
	for o := range in.all {
		if o.dirty.Load() {
			dirty = append(dirty, o)
		}
	}
	in.mu.Unlock()
	// Token journal entries appended without fsync (FlushOnce under sync
	// interval) are fsynced in the same rounds as the segments.
	if err := in.store.SyncTokens(); err != nil {
		in.log.Limitedf(LevelError, "sync", "fsync of the token journal failed: %v", err)
	}
	for _, o := range dirty {
		// Cleared before the fsync: a write after it marks it again.
		o.dirty.Store(false)
		if err := o.buf.Sync(); err != nil {
			o.dirty.Store(true)
			in.log.Limitedf(LevelError, "sync", "fsync of %s failed: %v", o.key, err)
		}
	}
}

// sealObject stops o taking records and queues it to be finished.
func (in *Instance) sealObject(o *object, why string) {
	if !o.seal() {
		return
	}
	in.mu.Lock()
	if in.open[o.route] == o {
		delete(in.open, o.route)
	}
	in.mu.Unlock()
	in.log.Debugf("sealed %s (%s)", o.key, why)
	in.schedule(o)
}

// partThreshold is how many buffered bytes are expected to make one part.
func (in *Instance) partThreshold() int64 {
	return int64(float64(in.cfg.UploadChunkSize) * in.currentRatio() * 1.05)
}

func (in *Instance) currentRatio() float64 { return in.ratio.get() }

// Close finishes what it can before shutdown_timeout: every open object is
// sealed and uploaded; objects not finished by then stay in the buffer and
// are resumed at the next start.
func (in *Instance) Close() error {
	deadline := time.Now().Add(in.cfg.ShutdownTimeout)
	in.mu.Lock()
	in.closing = true
	var open []*object
	for _, o := range in.open {
		open = append(open, o)
	}
	in.mu.Unlock()
	if in.cfg.ShutdownTimeout == 0 {
		// Nothing is to be uploaded now: stop the workers before any of
		// them takes up what the seal below would queue.
		in.cancel()
	}
	for _, o := range open {
		in.sealObject(o, "shutdown")
	}
	in.wakeAll()
	in.tick(time.Now())
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
wait:
	for {
		in.mu.Lock()
		left := len(in.all)
		in.mu.Unlock()
		if left == 0 {
			break
		}
		select {
		case <-in.finished:
		case <-timer.C:
			break wait
		}
	}
	in.cancel()
	in.wg.Wait()
	// What completed is committed, as far as the deadline allows; the
	// rest waits in the journal for the next start.
	in.closeCommitter(deadline)
	in.mu.Lock()
	left := make([]*object, 0, len(in.all))
	for o := range in.all {
		left = append(left, o)
	}
	in.mu.Unlock()
	// A multipart upload is never left behind: what did not complete is
	// aborted (its records stay buffered and go up at the next start).
	var aborts sync.WaitGroup
	for _, o := range left {
		if o.uploadID != "" {
			aborts.Add(1)
			go func(o *object) {
				defer aborts.Done()
				in.abortUpload(o)
			}(o)
		}
	}
	aborts.Wait()
	in.syncDirty()
	for _, o := range left {
		o.buf.Close()
	}
	if len(left) > 0 {
		in.log.Warnf("shutdown_timeout (%s) reached: %d objects stay buffered in %s and are uploaded at the next start", in.cfg.ShutdownTimeout, len(left), in.store.Dir())
	}
	unregisterMetrics(in)
	if in.cfg.MetricsListen != "" {
		releaseMetricsServer(in.cfg.MetricsListen)
	}
	return in.store.Close()
}
