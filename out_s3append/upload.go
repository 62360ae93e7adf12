package out_s3append

import (
	"context"

	"github.com/s3append/s3append/buffer"
	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/out_s3append/s3api"
)

// maxParts is S3's limit on parts per multipart upload.
var maxParts = 10000 // a variable so tests can lower it

// workerScratch is an upload worker's reusable encoders.
type workerScratch struct {
	json    map[format.Compression]*partEncoder
	parquet parquetScratch
}

func newWorkerScratch() *workerScratch {
	return &workerScratch{json: map[format.Compression]*partEncoder{}}
}

// advanceAny moves o along with the encoder of its format.
func (in *Instance) advanceAny(o *object, ws *workerScratch) error {
	if o.parquet {
		return in.advanceParquet(o, &ws.parquet)
	}
	pe := ws.json[o.comp]
	if pe == nil {
		var err error
		if pe, err = newPartEncoder(in.json, o.comp, in.cfg.CompressionLevel); err != nil {
			return err
		}
		ws.json[o.comp] = pe
	}
	return in.advance(o, pe)
}

// readyThreshold is how many bytes o must have buffered before encoding
// them is worth it while it is open: a part's worth.
func (in *Instance) readyThreshold(o *object) int64 {
	return max(in.partThreshold(), o.minPending.Load())
}

// advance uploads what o has ready: whole parts while it is open, and
// everything, then the completion, once it is sealed.
func (in *Instance) advance(o *object, pe *partEncoder) error {
	if o.resume {
		if err := in.resumeUpload(o); err != nil {
			return err
		}
	}
	for in.ctx.Err() == nil {
		sealed := o.sealed.Load()
		// Read the committed end only after the sealed flag: once sealed,
		// it no longer moves.
		committed := o.buf.Committed()
		pending := committed - o.encodedOff.Load()
		if !sealed {
			if pending < in.partThreshold() || len(o.parts) >= maxParts-1 {
				return nil
			}
		} else if pending == 0 {
			return in.finish(o)
		}
		pe.tag = o.tag
		res, err := pe.encode(o.buf, o.encodedOff.Load(), committed, in.cfg.UploadChunkSize)
		if err != nil {
			return err
		}
		in.reportBad(o, res)
		if !in.parquet {
			in.ratio.learn(res.raw, int64(pe.out.Len()))
		}
		last := res.end == committed
		if !sealed && !res.full {
			// Not a whole part yet: wait for more records.
			return nil
		}
		if sealed && last && o.uploadID == "" {
			return in.putWhole(o, pe.out.Bytes(), res)
		}
		if err := in.uploadPart(o, pe.out.Bytes(), res); err != nil {
			return err
		}
		if !sealed && (len(o.parts) >= maxParts-1 || o.uploaded.Load() >= in.cfg.TotalFileSize) {
			in.sealObject(o, "part count or total_file_size")
		}
	}
	return nil
}

func (in *Instance) reportBad(o *object, res encodeResult) {
	if res.invalidUTF8 > 0 {
		in.log.Limitedf(LevelWarn, "utf8:"+o.tag, "tag %q: %d records in %s hold invalid UTF-8; each bad byte is written as U+FFFD", o.tag, res.invalidUTF8, o.key)
	}
	for _, err := range res.bad {
		in.stats.RecordsRejected[RejectUnencodable].Add(1)
		in.log.Limitedf(LevelWarn, "encode:"+o.tag, "tag %q: record in %s cannot be encoded: %v; it goes to the dead-letter prefix %s", o.tag, o.key, err, in.cfg.DeadLetterPrefix)
	}
}

// putWhole writes a sealed object that fits one part with a single
// PutObject: a small object is never a run of small parts.
func (in *Instance) putWhole(o *object, body []byte, res encodeResult) error {
	if res.records > 0 {
		err := in.s3Call(o, "PutObject", func(ctx context.Context) error {
			return in.s3.PutObject(ctx, o.key, body, in.putOptions(o))
		})
		if err != nil {
			return err
		}
		o.uploaded.Store(int64(len(body)))
		o.sentRecords, o.landed = int64(res.records), true
	}
	in.writeDeadLetters(o.tag, res.dead, len(res.bad))
	o.encodedOff.Store(res.end)
	return in.finish(o)
}

// uploadPart uploads one part, starting the multipart upload if needed, and
// records it in the manifest.
func (in *Instance) uploadPart(o *object, body []byte, res encodeResult) error {
	if o.uploadID == "" {
		var id string
		err := in.s3Call(o, "CreateMultipartUpload", func(ctx context.Context) (err error) {
			id, err = in.s3.CreateMultipartUpload(ctx, o.key, in.putOptions(o))
			return err
		})
		if err != nil {
			return err
		}
		o.uploadID = id
		if err := in.saveProgress(o); err != nil {
			return err
		}
	}
	number := int32(len(o.parts) + 1)
	var etag string
	err := in.s3Call(o, "UploadPart", func(ctx context.Context) (err error) {
		etag, err = in.s3.UploadPart(ctx, o.key, o.uploadID, number, body)
		return err
	})
	if s3api.IsNoSuchUpload(err) {
		in.restartUpload(o, err)
		return nil
	}
	if err != nil {
		return err
	}
	// Dead letters are buffered before the part is recorded: a crash in
	// between redoes the part and its dead letters (at least once), never
	// loses them.
	in.writeDeadLetters(o.tag, res.dead, len(res.bad))
	o.parts = append(o.parts, buffer.PartRecord{Number: number, ETag: etag, Start: o.encodedOff.Load(), End: res.end, Size: int64(len(body))})
	o.encodedOff.Store(res.end)
	o.uploaded.Add(int64(len(body)))
	o.sentRecords += int64(res.records)
	in.stats.PartsUploaded.Add(1)
	in.log.Debugf("object %s: part %d uploaded, %d bytes, %d records", o.key, number, len(body), res.records)
	return in.saveProgress(o)
}

// saveProgress writes the upload's state to the object's manifest, so a
// restart knows which upload to abort or resume.
func (in *Instance) saveProgress(o *object) error {
	m := o.buf.Manifest()
	m.Sealed = o.sealed.Load()
	m.UploadID = o.uploadID
	m.Parts = append(m.Parts[:0], o.parts...)
	return o.buf.SaveManifest(m)
}
