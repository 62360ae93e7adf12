package out_s3append

import (
	"errors"
	"fmt"
	"time"

	"github.com/s3append/s3append/buffer"
	"github.com/s3append/s3append/format"
)

// A Parquet object is one file written as a byte stream: "PAR1", row
// group after row group, then the footer. Its records stay in the buffer
// until a part's worth has arrived; then an upload worker encodes whole
// row groups from them, one after the other, until they make a part, and
// uploads it. Parts end where row groups end, so between two passes an
// open object holds no encoder, page or column buffer: only its schema
// and the footer entries of its row groups (a format.ParquetFile, a few
// hundred bytes per column and row group). Encoders belong to the workers
// (parquetScratch), so the memory spent encoding depends on
// upload_workers and parquet_row_group_size, not on how many objects are
// open.
//
// A pass that cannot make a whole part (the estimate of how many records
// fill one was high) or whose upload fails is undone: its row groups are
// dropped from the file and its records encoded again by a later pass.
// The last pass of a sealed object also writes the footer.
//
// The footer cannot be rebuilt from a part boundary, so a Parquet upload
// is never resumed: after a restart, or when S3 lost the upload, the
// object is encoded again from its buffer, from the start, under the
// same key.

// parquetScratch is a worker's reusable state for Parquet objects.
type parquetScratch struct {
	reader  format.Reader
	ev      format.Event
	infer   *format.Inferrer
	writers writerCache
	part    []byte // the part being built
}

// partBuffer returns the worker's part buffer, empty, with room for about
// size bytes: a part is a little over upload_chunk_size (it ends with the
// row group that filled it), and sizing it once spares the copies and the
// doubled capacity of growing it by appends.
func (ps *parquetScratch) partBuffer(size int64) []byte {
	if int64(cap(ps.part)) < size {
		ps.part = make([]byte, 0, size)
	}
	return ps.part[:0]
}

// keepPart keeps part's memory for the next pass, unless an estimate gone
// wrong grew it far past the usual size.
func (ps *parquetScratch) keepPart(part []byte) {
	if cap(part) > 2*cap(ps.part) {
		return
	}
	ps.part = part[:0]
}

// writerCache keeps a worker's row group writers by schema: objects of
// one source usually share their schema, so one writer serves them all.
// It keeps at most writersPerWorker, dropping the least recently used.
type writerCache struct {
	keys []string
	ws   []*format.RowGroupWriter
}

const writersPerWorker = 2

func (c *writerCache) get(s *format.ParquetSchema) *format.RowGroupWriter {
	key := s.Key()
	for i, k := range c.keys {
		if k == key {
			w := c.ws[i]
			copy(c.keys[1:i+1], c.keys[:i])
			copy(c.ws[1:i+1], c.ws[:i])
			c.keys[0], c.ws[0] = key, w
			return w
		}
	}
	w := format.NewRowGroupWriter(s)
	if len(c.keys) < writersPerWorker {
		c.keys, c.ws = append(c.keys, ""), append(c.ws, nil)
	}
	copy(c.keys[1:], c.keys)
	copy(c.ws[1:], c.ws)
	c.keys[0], c.ws[0] = key, w
	return w
}

// rowGroupSize is the estimated size a row group is cut at.
func (in *Instance) rowGroupSize() int64 {
	if in.cfg.ParquetRowGroupSize > 0 {
		return in.cfg.ParquetRowGroupSize
	}
	return in.cfg.UploadChunkSize
}

// advanceParquet uploads what o has ready: parts of whole row groups
// while it is open; everything, the footer and the completion once it is
// sealed.
func (in *Instance) advanceParquet(o *object, ps *parquetScratch) error {
	if o.resume {
		// Nothing is encoded before the old upload is gone: new parts must
		// never join the parts of an earlier run.
		if o.uploadID != "" {
			in.log.Infof("object %s: a Parquet upload cannot be resumed; aborting upload %s of an earlier run and encoding the object again from the buffer", o.key, o.uploadID)
			in.abortUpload(o)
			if o.uploadID != "" {
				return fmt.Errorf("aborting the multipart upload of an earlier run failed; retried later")
			}
			in.stats.Recovery[RecoveryUploadRestarted].Add(1)
		}
		o.resume = false
	}
	for in.ctx.Err() == nil {
		sealed := o.sealed.Load()
		// Read the committed end only after the sealed flag: once sealed,
		// it no longer moves.
		committed := o.buf.Committed()
		if !sealed && (committed-o.encodedOff.Load() < in.readyThreshold(o) || len(o.parts) >= maxParts-1) {
			return nil
		}
		if o.pq == nil {
			s, err := in.startParquet(o, ps, committed, sealed)
			if err != nil {
				return err
			}
			o.pq = format.NewParquetFile(s)
		}
		more, err := in.parquetPass(o, ps, committed, sealed)
		if err != nil || !more {
			return err
		}
		if !o.sealed.Load() && (len(o.parts) >= maxParts-1 || o.uploaded.Load() >= in.cfg.TotalFileSize) {
			in.sealObject(o, "part count or total_file_size")
		}
	}
	return nil
}

// parquetPass encodes row groups of o from where the last part ended
// until they make a part, and uploads it; for a sealed object that
// reached its end, the part is the last one, with the footer, and the
// object is finished. It says whether another pass may follow at once.
func (in *Instance) parquetPass(o *object, ps *parquetScratch, committed int64, sealed bool) (more bool, err error) {
	file := o.pq
	w := ps.writers.get(file.Schema())
	enc := w.Encoder()
	misfits := enc.Misfits
	mark := file.RowGroups()
	part := ps.partBuffer(in.cfg.UploadChunkSize + in.rowGroupSize()/2)
	undo := true
	defer func() {
		ps.keepPart(part)
		if undo {
			w.Discard()
			file.Truncate(mark)
		}
	}()
	var res encodeResult
	from := o.encodedOff.Load()
	res.end = from
	frames := o.buf.Frames(from, committed)
	for frames.Next() {
		if events, ok := buffer.EventsOf(frames.Kind, frames.Data); ok {
			if err := in.encodeParquetEvents(o, w, ps, events, &res); err != nil {
				return false, err
			}
		} else if frames.Kind != buffer.KindHeader {
			return false, fmt.Errorf("frame of kind %d at offset %d cannot go into a Parquet object", frames.Kind, res.end)
		}
		if err := w.Commit(); err != nil {
			return false, err
		}
		res.raw += frames.Offset() - res.end
		res.end = frames.Offset()
		// A row group ends at its size, or where it fills the part.
		open := w.Buffered()
		if open >= in.rowGroupSize() || int64(len(part))+int64(float64(open)*in.rowGroupShrink.get()) >= in.cfg.UploadChunkSize {
			before := len(part)
			if part, err = file.AppendRowGroup(part, w); err != nil {
				return false, err
			}
			in.rowGroupShrink.learn(int64(len(part)-before), open)
			if int64(len(part)) >= in.cfg.UploadChunkSize {
				break
			}
		}
	}
	if err := frames.Err(); err != nil {
		return false, fmt.Errorf("reading buffered frames: %w", err)
	}
	if n := enc.Misfits - misfits; n > 0 {
		in.log.Limitedf(LevelWarn, "misfit:"+o.tag, "tag %q: %d values in %s do not fit their Parquet column's type; they are kept in the %s column", o.tag, n, o.key, format.ExtraColumn)
	}
	last := sealed && res.end == committed
	if last {
		if part, err = file.AppendRowGroup(part, w); err != nil {
			return false, err
		}
		if part, err = file.AppendFooter(part); err != nil {
			return false, err
		}
	} else if int64(len(part)) < in.cfg.UploadChunkSize {
		// Fewer bytes than a part: undone, and tried again once the
		// records that were short have arrived.
		in.notEnoughForPart(o, res.raw, int64(len(part))+w.Buffered())
		return false, nil
	}
	in.ratio.learn(res.raw, int64(len(part)))
	if last && o.uploadID == "" {
		// With no readable record (res.records 0) there is no object,
		// only dead letters.
		if err := in.putWhole(o, part, res); err != nil {
			return false, err
		}
		undo = false
		in.reportBad(o, res)
		return false, nil
	}
	if err := in.uploadPart(o, part, res); err != nil {
		return false, err
	}
	undo = false
	if o.pq != file {
		return true, nil // S3 lost the upload: the object starts again
	}
	in.reportBad(o, res)
	if last {
		return false, in.finish(o)
	}
	return true, nil
}

// notEnoughForPart records that o's raw bytes made only out bytes, fewer
// than a part: o is not worked on again before enough has arrived.
func (in *Instance) notEnoughForPart(o *object, raw, out int64) {
	if out <= 0 {
		out = 1
	}
	in.ratio.learn(raw, out)
	o.minPending.Store(int64(float64(raw) * float64(in.cfg.UploadChunkSize) / float64(out) * 1.1))
}

// startParquet fixes o's schema. An inferred schema is learnt from every
// record buffered so far; for an open object the last records are read
// under its lock, so that each later flush is checked against the schema
// (and seals the object for a record that does not fit) while none slips
// in unchecked.
func (in *Instance) startParquet(o *object, ps *parquetScratch, committed int64, sealed bool) (*format.ParquetSchema, error) {
	opts := in.pqOpts
	if o.codec != "" {
		opts.Codec = o.codec
	}
	declared := in.pqFields != nil
	var fields *format.Field
	if declared {
		// Parsed for each object: a schema is compiled in place.
		var err error
		if fields, err = format.ParseParquetSchema(in.cfg.ParquetSchema.Text); err != nil {
			return nil, fmt.Errorf("parquet_schema: %w", err)
		}
	}
	if ps.infer == nil {
		ps.infer = format.NewInferrer(opts)
	}
	ps.infer.Reset()
	if err := in.learn(o, ps, o.buf.DataStart(), committed); err != nil {
		return nil, err
	}
	if !sealed && !declared {
		o.buf.Lock()
		defer o.buf.Unlock()
		if err := in.learn(o, ps, committed, o.buf.Committed()); err != nil {
			return nil, err
		}
	}
	if declared {
		ps.infer.ApplyStats(fields)
	} else {
		fields = ps.infer.Fields()
	}
	schema, err := format.NewParquetSchema(fields, opts)
	if err != nil {
		return nil, err
	}
	if !sealed && !declared {
		o.schema.Store(schema)
	}
	in.log.Debugf("object %s: Parquet schema %s", o.key, fields)
	return schema, nil
}

// learn feeds the records buffered in o between from and to to the
// inferrer. Records it cannot read are reported when encoded.
func (in *Instance) learn(o *object, ps *parquetScratch, from, to int64) error {
	frames := o.buf.Frames(from, to)
	for frames.Next() {
		events, ok := buffer.EventsOf(frames.Kind, frames.Data)
		if !ok {
			continue
		}
		ps.reader.Reset(events)
		for {
			err := ps.reader.Next(&ps.ev)
			var de *format.DecodeError
			if errors.As(err, &de) && de.Skipped {
				continue
			}
			if err != nil {
				break
			}
			_ = ps.infer.Add(ps.ev.Record)
		}
	}
	if err := frames.Err(); err != nil {
		return fmt.Errorf("reading buffered frames: %w", err)
	}
	return nil
}

// encodeParquetEvents writes the events of one frame into w's row group;
// records that cannot be encoded are noted in res for the dead letters.
func (in *Instance) encodeParquetEvents(o *object, w *format.RowGroupWriter, ps *parquetScratch, data []byte, res *encodeResult) error {
	ps.reader.Reset(data)
	enc := w.Encoder()
	for {
		err := ps.reader.Next(&ps.ev)
		if err != nil {
			var de *format.DecodeError
			if errors.As(err, &de) {
				res.bad = append(res.bad, err)
				if de.Skipped {
					continue
				}
			}
			return nil
		}
		invalid, rows := enc.InvalidUTF8(), w.Rows()
		if err := w.Write(&ps.ev); err != nil {
			if w.Rows() < rows {
				// The column writers failed and dropped the row group.
				return err
			}
			res.bad = append(res.bad, err)
			res.dead = appendDeadLetter(res.dead, time.Now(), o.tag, err.Error(), ps.ev.Raw)
			continue
		}
		res.records++
		if enc.InvalidUTF8() != invalid {
			res.invalidUTF8++
		}
	}
}

// forgetParquet drops o's file and schema: the object is encoded again
// from the start of its buffer.
func forgetParquet(o *object) {
	o.pq = nil
	o.schema.Store(nil)
	o.minPending.Store(0)
}
