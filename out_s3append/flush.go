package out_s3append

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/s3append/s3append/buffer"
	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/format"
)

// Result is what a flush tells Fluent Bit.
type Result int

const (
	// OK: the records are durable in the buffer; the plugin owns them.
	OK Result = iota
	// Retry: nothing was kept; Fluent Bit should send the chunk again later.
	Retry
	// Error: the chunk can never be taken (it is dropped by Fluent Bit).
	Error
)

func (r Result) String() string { return [...]string{"OK", "RETRY", "ERROR"}[r] }

// group is the records of one flush that go to one route.
type group struct {
	kind    byte // frame kind: events, or dead letters
	route   string
	data    []byte // the events, as they appeared in the chunk
	records int
	obj     *object
	// token names the batch of a FlushOnce ("" for Flush): its frames
	// carry it (kinds 4 and 5) and commit with it in the token journal.
	token string
}

// flushScratch is reused between flushes to keep the hot path free of
// allocations.
type flushScratch struct {
	reader   format.Reader
	ev       format.Event
	groups   []group
	dead     group // lines for records that cannot be read
	byRoute  map[string]int
	routeBuf []byte
	// The last slot seen (with its zone offset and record field values)
	// and its group: consecutive records of a chunk usually share their
	// route.
	lastSlot   int64
	lastOffset int64
	lastFields []byte
	lastGroup  int
	fields     []byte // the current record's $RECORD values
	// rejected counts this flush's records sent to the dead letters, by
	// reason; they reach the stats only if the flush is acknowledged.
	rejected [numRejectReasons]int64
	zone     zoneSpan // the key's time zone around the last event time
}

func newFlushScratch() any { return &flushScratch{byRoute: map[string]int{}} }

func (fs *flushScratch) reset() {
	for i := range fs.groups {
		fs.groups[i].data = fs.groups[i].data[:0]
		fs.groups[i].obj = nil
		fs.groups[i].records = 0
		fs.groups[i].token = ""
	}
	fs.groups = fs.groups[:0]
	fs.dead.data, fs.dead.records, fs.dead.obj = fs.dead.data[:0], 0, nil
	clear(fs.byRoute)
	clear(fs.rejected[:])
	fs.lastGroup = -1
}

// Flush takes one chunk of records with their tag. It returns OK only once
// every good record of the chunk is written to the buffer (and fsynced
// under sync always).
func (in *Instance) Flush(tag string, chunk []byte) Result {
	res := in.flush(tag, chunk, "")
	in.stats.Flushes[res].Add(1)
	return res
}

// flush writes the chunk's records; with a token, as one batch that
// commits with the token (see FlushOnce).
func (in *Instance) flush(tag string, chunk []byte, token string) Result {
	fs := in.flushes.Get().(*flushScratch)
	defer in.flushes.Put(fs)
	fs.reset()
	in.route(fs, tag, chunk)
	groups := fs.groups
	if fs.dead.records > 0 {
		fs.dead.kind, fs.dead.route = deadLetterKind, in.deadRoute(tag, time.Now())
		// A copy, never into the spare room of fs.groups: a later flush
		// reusing that slot would find the dead letters' data in it.
		groups = append(groups[:len(groups):len(groups)], fs.dead)
	}
	if len(groups) == 0 {
		if token != "" {
			// No record, and so no frame: the token alone commits, so
			// that OK still means Committed.
			if err := in.store.CommitToken(token, in.cfg.Sync == conf.SyncAlways); err != nil {
				in.log.Limitedf(LevelError, "tokens", "tag %q: committing batch %q in the token journal of %s failed, batch retried: %v", tag, token, in.store.Dir(), err)
				return Retry
			}
		}
		in.acknowledged(fs, chunk)
		return OK
	}
	for i := range groups {
		groups[i].token = token
	}
	for attempt := 0; ; attempt++ {
		res, err := in.appendGroups(tag, groups, false)
		if res == OK {
			in.acknowledged(fs, chunk)
		}
		var mf *misfitError
		if errors.As(err, &mf) {
			in.log.Limitedf(LevelInfo, "retype:"+tag, "tag %q: field %q of a record is %s, but %s holds it as %s: that object is sealed and a new one started", tag, mf.misfit.Field, article(mf.misfit.Got), mf.obj.key, mf.misfit.Want)
			in.sealObject(mf.obj, "a field changed type")
			err = errSealedMeanwhile
		}
		if !errors.Is(err, errSealedMeanwhile) || attempt == 100 {
			return res
		}
	}
}

// acknowledged counts a chunk answered OK: its records are the plugin's now.
func (in *Instance) acknowledged(fs *flushScratch, chunk []byte) {
	var records int64
	for i := range fs.groups {
		records += int64(fs.groups[i].records)
	}
	in.stats.RecordsAcknowledged.Add(records)
	in.stats.BytesAcknowledged.Add(int64(len(chunk)))
	in.stats.DeadLetterRecords.Add(int64(fs.dead.records))
	for r, n := range fs.rejected {
		in.stats.RecordsRejected[r].Add(n)
	}
}

// route splits the chunk's events into groups by route. A malformed chunk
// is reported with the tag and byte offset; the events before the fault are
// kept, and events whose framing is intact but content unfit are skipped.
func (in *Instance) route(fs *flushScratch, tag string, chunk []byte) {
	fs.reader.Reset(chunk)
	for {
		err := fs.reader.Next(&fs.ev)
		if err != nil {
			var de *format.DecodeError
			if errors.As(err, &de) && de.Rejected != nil {
				// A record its source could not read: a dead letter with
				// the source's reason, origin, line and original bytes, in
				// this flush's step (and under its token) like the rest.
				fs.rejected[RejectUnparsed]++
				fs.dead.data = appendRejectedLetter(fs.dead.data, time.Now(), tag, "", de.Rejected)
				fs.dead.records++
				in.log.Limitedf(LevelWarn, "unparsed:"+tag, "tag %q: its source could not read %s; sent to the dead-letter prefix %s", tag, de.Rejected, in.cfg.DeadLetterPrefix)
				continue
			}
			if errors.As(err, &de) {
				fs.rejected[RejectUnreadable]++
				raw := chunk[de.Offset:]
				if de.Skipped {
					raw = fs.ev.Raw
				}
				fs.dead.data = appendDeadLetter(fs.dead.data, time.Now(), tag, de.Error(), raw)
				fs.dead.records++
				in.log.Limitedf(LevelWarn, "decode:"+tag, "tag %q: chunk of %d bytes: %v; sent to the dead-letter prefix %s", tag, len(chunk), err, in.cfg.DeadLetterPrefix)
				if de.Skipped {
					continue
				}
			}
			return
		}
		if int64(len(fs.ev.Raw)) > in.cfg.UploadChunkSize {
			in.log.Limitedf(LevelWarn, "huge:"+tag, "tag %q: a record of %d bytes is larger than upload_chunk_size (%d): it is kept, and the part holding it is larger than the others", tag, len(fs.ev.Raw), in.cfg.UploadChunkSize)
		}
		g, unfit := fs.groupFor(in, tag, &fs.ev)
		if g == nil {
			fs.rejected[RejectKeyTooLong]++
			fs.dead.data = appendDeadLetter(fs.dead.data, time.Now(), tag, unfit, fs.ev.Raw)
			fs.dead.records++
			in.log.Limitedf(LevelWarn, "keylen:"+tag, "tag %q: %s; the record was sent to the dead-letter prefix %s", tag, unfit, in.cfg.DeadLetterPrefix)
			continue
		}
		g.data = append(g.data, fs.ev.Raw...)
		g.records++
	}
}

// groupFor is the group of the event's route, or nil and the reason when
// the record cannot have an object key. Slots are cut on the wall clock of
// the key's time zone, and the zone offset is part of the fast path's key,
// so the hour repeated when clocks go back never mixes with a %z it lacks.
func (fs *flushScratch) groupFor(in *Instance, tag string, ev *format.Event) (*group, string) {
	fs.zone.at(in.keys.loc, ev.Sec)
	slot := int64(0)
	if in.slot > 0 {
		slot = floorDiv(ev.Sec+fs.zone.offset, in.slot)
	}
	var sanitized bool
	fs.fields = fs.fields[:0]
	if in.keys.hasFields() {
		fs.fields, sanitized = in.keys.appendFields(fs.fields, ev.Record)
	}
	if fs.lastGroup >= 0 && slot == fs.lastSlot && fs.zone.offset == fs.lastOffset && bytes.Equal(fs.fields, fs.lastFields) {
		return &fs.groups[fs.lastGroup], ""
	}
	kt := fs.zone.keyTimeOf(ev.Sec)
	var changed bool
	fs.routeBuf, changed = in.keys.route(fs.routeBuf[:0], tag, &kt, fs.fields)
	if changed || sanitized {
		in.log.Limitedf(LevelWarn, "sanitized:"+tag, "tag %q: the tag or a record field has characters that would leave their place in the key ('/', .., control characters, invalid UTF-8): they are replaced by _ in %q", tag, readableRoute(fs.routeBuf))
	}
	if n := in.keys.keyLength(fs.routeBuf); n > conf.MaxKeyLength {
		fs.lastGroup = -1
		return nil, fmt.Sprintf("its object key would be up to %d bytes, over the S3 limit of %d", n, conf.MaxKeyLength)
	}
	i, ok := fs.byRoute[string(fs.routeBuf)]
	if !ok {
		i = len(fs.groups)
		if i < cap(fs.groups) {
			fs.groups = fs.groups[:i+1]
		} else {
			fs.groups = append(fs.groups, group{})
		}
		fs.groups[i].route = string(fs.routeBuf)
		fs.groups[i].kind = buffer.KindEvents
		fs.byRoute[fs.groups[i].route] = i
	}
	fs.lastSlot, fs.lastOffset, fs.lastGroup = slot, fs.zone.offset, i
	fs.lastFields = append(fs.lastFields[:0], fs.fields...)
	return &fs.groups[i], ""
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// deadLetterKind is the frame kind of dead-letter groups.
const deadLetterKind = buffer.KindDeadLetter

// errSealedMeanwhile: an object was sealed between lookup and append; the
// flush starts over with fresh objects (nothing was written).
var errSealedMeanwhile = errors.New("object sealed during flush")

// appendGroups writes every group to its object. Either all groups are
// written and synced, or none is: a failure rolls back what was written,
// so a retried chunk never leaves duplicates. Space is reserved before any
// object is opened, so a full buffer opens no new (empty) objects.
// force writes past store_dir_limit_size (dead letters of buffered records).
func (in *Instance) appendGroups(tag string, groups []group, force bool) (Result, error) {
	var need int64
	for i := range groups {
		if groups[i].token != "" {
			need += buffer.FrameSizeOnce(groups[i].token, len(groups[i].data))
		} else {
			need += buffer.FrameSize(len(groups[i].data))
		}
	}
	if force {
		in.store.ForceReserve(need)
	} else if err := in.store.Reserve(need); err != nil {
		in.log.Limitedf(LevelWarn, "full", "store_dir_limit_size (%d bytes) reached with %d bytes buffered: chunk of tag %q is retried later", in.cfg.StoreDirLimitSize, in.store.Used(), tag)
		return Retry, err
	}
	for i := range groups {
		o, err := in.openObject(tag, groups[i].route, force)
		if err != nil {
			in.store.Release(need)
			in.log.Limitedf(LevelError, "create", "tag %q: cannot open a buffer object in %s: %v", tag, in.store.Dir(), err)
			return Retry, err
		}
		groups[i].obj = o
	}
	// A canonical lock order keeps concurrent flushes from deadlocking.
	order := make([]*group, len(groups))
	for i := range groups {
		order[i] = &groups[i]
	}
	sort.Slice(order, func(a, b int) bool { return order[a].obj.buf.ID < order[b].obj.buf.ID })
	if res, err := in.commitGroups(tag, order, need); err != nil {
		return res, err
	}
	in.evictOpen(groups)
	// Objects are sealed or queued after their locks are released.
	for _, g := range order {
		o := g.obj
		pending := o.pending()
		if o.uploaded.Load()+int64(float64(pending)/in.currentRatio()) >= in.cfg.TotalFileSize {
			in.sealObject(o, "total_file_size")
		} else if pending >= in.readyThreshold(o) {
			in.schedule(o)
		}
	}
	return OK, nil
}

// commitGroups writes, syncs and commits the groups under their objects'
// locks, or rolls all of them back. need bytes were reserved for them;
// what is not written is released.
func (in *Instance) commitGroups(tag string, order []*group, need int64) (Result, error) {
	for _, g := range order {
		g.obj.buf.Lock()
	}
	defer func() {
		for _, g := range order {
			g.obj.buf.Unlock()
		}
	}()
	for _, g := range order {
		if g.obj.sealed.Load() {
			in.store.Release(need)
			return Retry, errSealedMeanwhile
		}
		if s := g.obj.schema.Load(); s != nil && g.kind == buffer.KindEvents {
			if m := firstMisfit(s, g.data); m != nil {
				in.store.Release(need)
				return Retry, &misfitError{obj: g.obj, misfit: m}
			}
		}
	}
	// All groups of a flush share its token (FlushOnce) or have none.
	token := order[0].token
	if token != "" {
		// Before any frame of the batch: a crash from here on leaves the
		// token begun, and recovery drops whatever frames of it it finds.
		if err := in.store.BeginToken(token, in.cfg.Sync == conf.SyncAlways); err != nil {
			in.store.Release(need)
			in.log.Limitedf(LevelError, "tokens", "tag %q: beginning batch %q in the token journal of %s failed, batch retried: %v", tag, token, in.store.Dir(), err)
			return Retry, err
		}
	}
	marks := make([]int64, len(order))
	for i, g := range order {
		marks[i] = g.obj.buf.SizeLocked()
	}
	err := in.writeLocked(order)
	if err == nil && token != "" {
		err = in.commitToken(tag, token, order)
		if errors.Is(err, errTokenUndecided) {
			return Retry, err
		}
	}
	if err != nil {
		written := int64(0)
		for i, g := range order {
			written += g.obj.buf.SizeLocked() - marks[i]
			if rerr := g.obj.buf.RollbackLocked(marks[i]); rerr != nil {
				in.log.Errorf("tag %q: rolling back %s after a failed write: %v", tag, g.obj.key, rerr)
				if token != "" {
					// The batch's frames stay past the committed end: no
					// later flush may append behind them and commit them
					// too. Recovery drops them (the token is void).
					g.obj.sealed.Store(true)
				}
			}
		}
		in.store.Release(need - written)
		in.log.Limitedf(LevelError, "write", "tag %q: writing to the buffer in %s failed, chunk retried: %v", tag, in.store.Dir(), err)
		return Retry, err
	}
	now := time.Now()
	for _, g := range order {
		g.obj.buf.CommitLocked()
		in.noteSlot(g.obj, g.data, now)
	}
	return OK, nil
}

func (in *Instance) writeLocked(order []*group) error {
	for _, g := range order {
		var err error
		if g.token != "" {
			err = g.obj.buf.AppendOnceLocked(g.kind, g.token, g.data)
		} else {
			err = g.obj.buf.AppendLocked(g.kind, g.data)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", g.obj.key, err)
		}
	}
	switch in.cfg.Sync {
	case conf.SyncNone:
		return nil
	case conf.SyncInterval:
		for _, g := range order {
			g.obj.dirty.Store(true)
		}
		return nil
	}
	for _, g := range order {
		if err := g.obj.buf.SyncLocked(); err != nil {
			return fmt.Errorf("fsync %s: %w", g.obj.key, err)
		}
	}
	return nil
}

// openObject returns the open object of route, opening a new one (with its
// key fixed now) when there is none or the last one was sealed.
func (in *Instance) openObject(tag, route string, force bool) (*object, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if o := in.open[route]; o != nil && !o.sealed.Load() {
		return o, nil
	}
	if in.closing && !force {
		return nil, errors.New("instance is shutting down")
	}
	id := buffer.NewID()
	var index uint64
	if in.keys.hasIndex() && !strings.HasPrefix(route, deadMarker) {
		var err error
		if index, err = in.index.take(route); err != nil {
			return nil, err
		}
	}
	key, dead := in.deadKey(route, id)
	if !dead {
		key = in.keys.objectKey(route, id, index) + in.keySuffix
	}
	now := time.Now()
	o := &object{route: route, key: key, tag: tag, created: now, comp: in.comp}
	m := buffer.Manifest{Key: key, Route: route, Tag: tag, Created: now,
		Format: string(conf.FormatJSONLines), Compression: in.comp.String()}
	if in.parquet && !dead {
		o.parquet, o.codec = true, string(in.cfg.Compression)
		m.Format, m.Compression = string(conf.FormatParquet), o.codec
	}
	put := in.putOptions(o)
	m.ContentType, m.ContentEncoding, m.StorageClass = put.ContentType, put.ContentEncoding, put.StorageClass
	b, err := in.store.CreateWithID(id, m)
	if err != nil {
		return nil, err
	}
	o.buf = b
	o.encodedOff.Store(b.DataStart())
	in.open[route] = o
	in.all[o] = struct{}{}
	return o, nil
}

// misfitError: a record does not fit the Parquet schema its object was
// started with; the flush seals the object and starts over.
type misfitError struct {
	obj    *object
	misfit *format.Misfit
}

func (e *misfitError) Error() string {
	return fmt.Sprintf("field %q does not fit the schema of %s", e.misfit.Field, e.obj.key)
}

// firstMisfit checks the records of a group against a schema.
func firstMisfit(s *format.ParquetSchema, data []byte) *format.Misfit {
	var r format.Reader
	var ev format.Event
	r.Reset(data)
	for r.Next(&ev) == nil {
		if m := s.Misfit(ev.Record); m != nil {
			return m
		}
	}
	return nil
}

// article names a kind for a log line: "an int64", "a string".
func article(k format.Kind) string {
	s := k.String()
	switch s[0] {
	case 'a', 'e', 'i', 'o', 'u':
		return "an " + s
	}
	return "a " + s
}
