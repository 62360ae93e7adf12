package out_s3append

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/s3append/s3append/buffer"
	"github.com/s3append/s3append/format"
)

// A Parquet object is written as one file, row group by row group: each
// row group is encoded from the buffer as records come, written out once
// it reaches the row group size, and its bytes join the sink, from which
// parts of upload_chunk_size are cut while the object is still open. The footer, which lists every row
// group, goes into the last part. Memory per object being uploaded is
// about one row group plus one part.
//
// The footer cannot be rebuilt from a part boundary, so a Parquet upload
// is never resumed: after a restart, or when S3 lost the upload, the
// object is encoded again from its buffer, from the start, under the
// same key.

// parquetFile is the Parquet file of one object while it is written.
type parquetFile struct {
	w      *format.ParquetWriter
	sink   bytes.Buffer // written, not yet uploaded
	raw    int64        // buffered bytes in the open row group
	closed bool         // the footer is in the sink
	// What the sink's records owe the log and the dead letters.
	res encodeResult
}

// parquetScratch is a worker's reusable state for Parquet objects.
type parquetScratch struct {
	reader format.Reader
	ev     format.Event
	infer  *format.Inferrer
}

// rowGroupSize is the estimated size a row group is cut at.
func (in *Instance) rowGroupSize() int64 {
	if in.cfg.ParquetRowGroupSize > 0 {
		return in.cfg.ParquetRowGroupSize
	}
	return in.cfg.UploadChunkSize
}

// rowGroupThreshold is how many buffered bytes are expected to make one
// row group.
func (in *Instance) rowGroupThreshold() int64 {
	return int64(float64(in.rowGroupSize()) * in.currentRatio() * 1.05)
}

// advanceParquet writes what o has ready: whole row groups and parts
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
		pf := o.pq
		if pf != nil && pf.closed {
			return in.uploadParquetTail(o, pf)
		}
		if pf != nil && int64(pf.sink.Len()) >= in.cfg.UploadChunkSize {
			if err := in.uploadParquetPart(o, pf); err != nil {
				return err
			}
			continue
		}
		sealed := o.sealed.Load()
		committed := o.buf.Committed()
		if pf == nil {
			if !sealed && committed-o.buf.DataStart() < in.rowGroupThreshold() {
				return nil
			}
			var err error
			if pf, err = in.startParquet(o, ps, committed, sealed); err != nil {
				return err
			}
			o.pq = pf
		}
		pending := committed - o.encodedOff.Load()
		if sealed && pending == 0 {
			if err := in.closeParquet(o, pf); err != nil {
				return err
			}
			continue
		}
		if !sealed && pending+pf.raw < in.rowGroupThreshold() {
			return nil
		}
		flushed, err := in.encodeRowGroup(o, pf, ps, committed)
		if err != nil {
			return err
		}
		if !flushed && !sealed {
			return nil // the row group waits for more records
		}
		if !sealed && o.uploaded.Load()+int64(pf.sink.Len()) >= in.cfg.TotalFileSize {
			in.sealObject(o, "total_file_size")
		}
	}
	return nil
}

// startParquet fixes o's schema and opens its file. An inferred schema is
// learnt from every record buffered so far; for an open object the last
// records are read under its lock, so that each later flush is checked
// against the schema (and seals the object for a record that does not
// fit) while none slips in unchecked.
func (in *Instance) startParquet(o *object, ps *parquetScratch, committed int64, sealed bool) (*parquetFile, error) {
	opts := in.pqOpts
	if o.codec != "" {
		opts.Codec = o.codec
	}
	if ps.infer == nil {
		ps.infer = format.NewInferrer(opts)
	}
	ps.infer.Reset()
	if err := in.learn(o, ps, o.buf.DataStart(), committed); err != nil {
		return nil, err
	}
	declared := in.pqFields != nil
	if !sealed && !declared {
		o.buf.Lock()
		defer o.buf.Unlock()
		if err := in.learn(o, ps, committed, o.buf.Committed()); err != nil {
			return nil, err
		}
	}
	var fields *format.Field
	if declared {
		// Parsed for each object: a schema is compiled in place.
		var err error
		if fields, err = format.ParseParquetSchema(in.cfg.ParquetSchema.Text); err != nil {
			return nil, fmt.Errorf("parquet_schema: %w", err)
		}
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
	pf := &parquetFile{}
	pf.w = format.NewParquetWriter(schema, &pf.sink)
	in.log.Debugf("object %s: Parquet schema %s", o.key, fields)
	return pf, nil
}

// learn feeds the records buffered in o between from and to to the
// inferrer. Records it cannot read are reported when encoded.
func (in *Instance) learn(o *object, ps *parquetScratch, from, to int64) error {
	frames := o.buf.Frames(from, to)
	for frames.Next() {
		if frames.Kind != buffer.KindEvents {
			continue
		}
		ps.reader.Reset(frames.Data)
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

// encodeRowGroup encodes frames of o up to `to` into the open row group,
// and writes the row group out once it reaches the row group size.
func (in *Instance) encodeRowGroup(o *object, pf *parquetFile, ps *parquetScratch, to int64) (bool, error) {
	from := o.encodedOff.Load()
	frames := o.buf.Frames(from, to)
	enc := pf.w.Encoder()
	flushed := false
	for frames.Next() {
		switch frames.Kind {
		case buffer.KindEvents:
			if err := in.encodeParquetEvents(o, pf, ps, frames.Data); err != nil {
				return false, err
			}
		case buffer.KindHeader:
		default:
			return false, fmt.Errorf("frame of kind %d at offset %d cannot go into a Parquet object", frames.Kind, from)
		}
		if err := pf.w.Commit(); err != nil {
			return false, err
		}
		pf.raw += frames.Offset() - from
		from = frames.Offset()
		o.encodedOff.Store(from)
		if pf.w.Buffered() >= in.rowGroupSize() {
			before := pf.w.Written()
			if err := pf.w.FlushRowGroup(); err != nil {
				return false, err
			}
			in.learnRatio(pf.raw, pf.w.Written()-before)
			pf.raw = 0
			flushed = true
			break
		}
	}
	if err := frames.Err(); err != nil {
		return false, fmt.Errorf("reading buffered frames: %w", err)
	}
	if enc.Misfits > 0 {
		in.log.Limitedf(LevelWarn, "misfit:"+o.tag, "tag %q: %d values in %s do not fit their Parquet column's type; they are kept in the %s column", o.tag, enc.Misfits, o.key, format.ExtraColumn)
		enc.Misfits = 0
	}
	return flushed, nil
}

func (in *Instance) encodeParquetEvents(o *object, pf *parquetFile, ps *parquetScratch, data []byte) error {
	ps.reader.Reset(data)
	for {
		err := ps.reader.Next(&ps.ev)
		if err != nil {
			var de *format.DecodeError
			if errors.As(err, &de) {
				pf.res.bad = append(pf.res.bad, err)
				if de.Skipped {
					continue
				}
			}
			return nil
		}
		invalid := pf.w.Encoder().InvalidUTF8()
		if err := pf.w.Write(&ps.ev); err != nil {
			pf.res.bad = append(pf.res.bad, err)
			pf.res.dead = appendDeadLetter(pf.res.dead, time.Now(), o.tag, err.Error(), ps.ev.Raw)
			continue
		}
		pf.res.records++
		if pf.w.Encoder().InvalidUTF8() != invalid {
			pf.res.invalidUTF8++
		}
	}
}

// closeParquet writes the last row group and the footer.
func (in *Instance) closeParquet(o *object, pf *parquetFile) error {
	before := pf.w.Written()
	if err := pf.w.Close(); err != nil {
		return err
	}
	in.learnRatio(pf.raw, pf.w.Written()-before)
	pf.raw, pf.closed = 0, true
	return nil
}

// uploadParquetPart sends the first upload_chunk_size bytes of the sink
// as one part, or all of it once the file is closed (the last part). Parts
// need not end where row groups do: the file is one byte stream.
func (in *Instance) uploadParquetPart(o *object, pf *parquetFile) error {
	body := pf.sink.Bytes()
	if !pf.closed {
		body = body[:in.cfg.UploadChunkSize]
	}
	res := pf.res
	res.end = o.encodedOff.Load()
	if err := in.uploadPart(o, body, res); err != nil {
		return err
	}
	if o.pq != pf {
		return nil // S3 lost the upload: the object starts again
	}
	in.reportBad(o, res)
	pf.sink.Next(len(body))
	pf.res = encodeResult{}
	return nil
}

// uploadParquetTail sends the rest of a closed file: the whole object in
// one PutObject when it never needed a part, else its last part; then
// completes the object.
func (in *Instance) uploadParquetTail(o *object, pf *parquetFile) error {
	res := pf.res
	res.end = o.encodedOff.Load()
	if o.uploadID == "" {
		// With no readable record (res.records 0) there is no object, only
		// dead letters.
		if err := in.putWhole(o, pf.sink.Bytes(), res); err != nil {
			return err
		}
		in.reportBad(o, res)
		return nil
	}
	if pf.sink.Len() > 0 {
		if err := in.uploadParquetPart(o, pf); err != nil {
			return err
		}
		if o.pq != pf {
			return nil
		}
	}
	return in.finish(o)
}

// forgetParquet drops o's file and schema: the object is encoded again
// from the start of its buffer.
func forgetParquet(o *object) {
	o.pq = nil
	o.schema.Store(nil)
}
