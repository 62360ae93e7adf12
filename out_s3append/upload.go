package out_s3append

import (
	"context"
	"errors"
	"strings"
	"time"

	"fmt"
	"github.com/aws/smithy-go"

	"github.com/s3append/s3append/buffer"
	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/out_s3append/s3api"
)

// maxParts is S3's limit on parts per multipart upload.
var maxParts = 10000 // a variable so tests can lower it

// worker takes objects from the queue and moves their data to S3.
func (in *Instance) worker() {
	defer in.wg.Done()
	ws := &workerScratch{json: map[format.Compression]*partEncoder{}}
	for {
		select {
		case <-in.ctx.Done():
			return
		case o := <-in.queue:
			o.queued.Store(false)
			o.work.Lock()
			err := in.advanceAny(o, ws)
			if errors.Is(err, errGivenUp) {
				in.giveUp(o, err)
			} else if err != nil && in.ctx.Err() == nil {
				in.log.Errorf("object %s (tag %q): %v", o.key, o.tag, err)
			}
			o.work.Unlock()
		}
	}
}

// workerScratch is an upload worker's reusable encoders.
type workerScratch struct {
	json    map[format.Compression]*partEncoder
	parquet parquetScratch
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
// them is worth it while it is open: a part's worth, or a row group's.
func (in *Instance) readyThreshold(o *object) int64 {
	if o.parquet {
		return in.rowGroupThreshold()
	}
	return in.partThreshold()
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
			in.learnRatio(res.raw, int64(pe.out.Len()))
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

// finish completes the multipart upload, if any, and removes the object
// from the buffer: only now is its data the bucket's.
func (in *Instance) finish(o *object) error {
	if o.uploadID != "" && !o.completed {
		parts := make([]s3api.Part, len(o.parts))
		for i, p := range o.parts {
			parts[i] = s3api.Part{Number: p.Number, ETag: p.ETag, Size: p.Size}
		}
		var rejected error
		err := in.s3Call(o, "CompleteMultipartUpload", func(ctx context.Context) error {
			err := in.s3.CompleteMultipartUpload(ctx, o.key, o.uploadID, parts)
			if uploadRejected(err) {
				// Retrying cannot help: S3 refuses these parts.
				rejected = err
				return nil
			}
			return err
		})
		if rejected != nil {
			in.abortUpload(o)
			in.restartUpload(o, rejected)
			return nil
		}
		if s3api.IsNoSuchUpload(err) {
			in.restartUpload(o, err)
			return nil
		}
		if err != nil {
			return err
		}
		o.completed, o.landed = true, true
	}
	if err := in.writeMarker(o); err != nil {
		return err
	}
	in.abortOrphans(o)
	if err := o.buf.Remove(); err != nil {
		return fmt.Errorf("removing the uploaded object from the buffer: %w", err)
	}
	if o.landed {
		in.stats.ObjectsUploaded.Add(1)
		in.stats.RecordsUploaded.Add(o.sentRecords)
		in.stats.BytesUploaded.Add(o.uploaded.Load())
		in.log.Infof("object %s complete in S3: %d bytes in %d parts (tag %q)", o.key, o.uploaded.Load(), max(len(o.parts), 1), o.tag)
	}
	in.mu.Lock()
	delete(in.all, o)
	in.mu.Unlock()
	select {
	case in.finished <- struct{}{}:
	default:
	}
	return nil
}

// giveUp takes an object out of the upload flow once upload_retry_limit
// attempts failed: its upload is aborted and its buffer moved to failed/,
// kept on disk for a person to look at. Nothing is deleted.
func (in *Instance) giveUp(o *object, cause error) {
	o.seal()
	if o.uploadID != "" {
		in.abortUpload(o)
	}
	in.mu.Lock()
	if in.open[o.route] == o {
		delete(in.open, o.route)
	}
	delete(in.all, o)
	in.mu.Unlock()
	path, err := o.buf.Fail()
	if err != nil {
		in.log.Errorf("object %s (tag %q): %v; moving its buffer to failed/ also failed: %v", o.key, o.tag, cause, err)
		return
	}
	in.stats.ObjectsFailed.Add(1)
	in.log.Errorf("object %s (tag %q) given up: %v; its records are kept in %s and are not uploaded", o.key, o.tag, cause, path)
	select {
	case in.finished <- struct{}{}:
	default:
	}
}

// abortOrphans aborts multipart uploads of o's key other than the one just
// completed: uploads started by a CreateMultipartUpload whose reply was
// lost, or by an earlier run that crashed before recording the upload ID.
// The key is unique to the object (it holds the object's ID or index), so
// these uploads are certainly this plugin's own; listing by exact key
// never touches uploads of other nodes writing under the same prefix.
func (in *Instance) abortOrphans(o *object) {
	ctx, cancel := context.WithTimeout(in.ctx, 30*time.Second)
	defer cancel()
	ups, err := in.s3.ListMultipartUploads(ctx, o.key)
	if err != nil {
		in.log.Limitedf(LevelWarn, "orphans", "object %s: listing its multipart uploads failed, leftovers stay until a bucket lifecycle rule removes them: %v", o.key, err)
		return
	}
	for _, u := range ups {
		if u.Key != o.key || u.UploadID == o.uploadID {
			continue
		}
		if err := in.s3.AbortMultipartUpload(ctx, u.Key, u.UploadID); err != nil && !s3api.IsNoSuchUpload(err) {
			in.log.Warnf("object %s: aborting orphaned multipart upload %s failed: %v", o.key, u.UploadID, err)
			continue
		}
		in.stats.UploadsAborted.Add(1)
		in.log.Infof("object %s: aborted orphaned multipart upload %s", o.key, u.UploadID)
	}
}

// uploadRejected says whether S3 refused to complete an upload for good:
// the upload is gone or its parts are unfit. The object is then redone.
func uploadRejected(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case s3api.CodeInvalidPart, s3api.CodeInvalidPartOrder, s3api.CodeEntityTooSmall, s3api.CodeMalformedXML:
		return true
	}
	return false
}

// abortUpload aborts o's multipart upload, once, best effort: a failed
// abort leaves the upload ID in the manifest for the next start.
func (in *Instance) abortUpload(o *object) {
	ctx, cancel := context.WithTimeout(context.Background(), abortTimeout)
	defer cancel()
	err := in.s3.AbortMultipartUpload(ctx, o.key, o.uploadID)
	if err != nil && !s3api.IsNoSuchUpload(err) {
		in.log.Warnf("object %s: aborting multipart upload %s failed (%v); it is aborted at the next start", o.key, o.uploadID, err)
		return
	}
	in.stats.UploadsAborted.Add(1)
	in.log.Infof("object %s: aborted multipart upload %s; its records stay buffered", o.key, o.uploadID)
	in.startOver(o)
}

// startOver forgets o's upload: the object is encoded and uploaded again
// from the start of its buffer, under the same key.
func (in *Instance) startOver(o *object) {
	forgetParquet(o)
	o.sentRecords = 0
	o.uploadID, o.parts = "", nil
	o.uploaded.Store(0)
	o.encodedOff.Store(o.buf.DataStart())
	if err := in.saveProgress(o); err != nil {
		in.log.Errorf("object %s: saving its manifest: %v", o.key, err)
	}
}

// abortTimeout bounds one abort at shutdown, which must fit in Fluent
// Bit's grace period.
const abortTimeout = 700 * time.Millisecond

// restartUpload forgets an upload S3 no longer knows (aborted by a bucket
// lifecycle rule, say): the object is redone from its buffer.
func (in *Instance) restartUpload(o *object, cause error) {
	in.log.Warnf("object %s: multipart upload %s is gone (%v); uploading the object again from the buffer", o.key, o.uploadID, cause)
	in.startOver(o)
}

// resumeUpload continues a multipart upload recorded by an earlier run.
// The parts S3 still holds (ListParts) with the ETag and size the manifest
// recorded are kept, in order from part 1; the object goes on from the end
// of the last kept part. An upload S3 no longer knows is redone from the
// buffer under the same key.
func (in *Instance) resumeUpload(o *object) error {
	var listed []s3api.Part
	err := in.s3Call(o, "ListParts", func(ctx context.Context) (err error) {
		listed, err = in.s3.ListParts(ctx, o.key, o.uploadID)
		if s3api.IsNoSuchUpload(err) {
			listed, err = nil, nil
			o.uploadID = ""
		}
		return err
	})
	if err != nil {
		return err
	}
	o.resume = false
	if o.uploadID == "" {
		in.stats.Recovery[RecoveryUploadRestarted].Add(1)
		in.log.Infof("object %s: the multipart upload of an earlier run is gone; uploading the object again from the buffer", o.key)
		o.parts = nil
		return in.saveProgress(o)
	}
	have := make(map[int32]s3api.Part, len(listed))
	for _, p := range listed {
		have[p.Number] = p
	}
	next, kept := o.buf.DataStart(), 0
	var size int64
	for i, p := range o.parts {
		l, ok := have[p.Number]
		if !ok || p.Number != int32(i+1) || p.Start != next || p.End > o.buf.Committed() ||
			strings.Trim(l.ETag, `"`) != strings.Trim(p.ETag, `"`) || (l.Size != 0 && l.Size != p.Size) {
			break
		}
		next, kept, size = p.End, i+1, size+p.Size
	}
	o.parts = o.parts[:kept]
	o.recordsUnknown = kept > 0
	o.encodedOff.Store(next)
	o.uploaded.Store(size)
	in.stats.Recovery[RecoveryUploadResumed].Add(1)
	in.log.Infof("object %s: resuming multipart upload %s of an earlier run with %d of its parts", o.key, o.uploadID, kept)
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

// s3Call runs one S3 operation with retries until it succeeds or the
// instance shuts down. Buffered data is never given up on.
func (in *Instance) s3Call(o *object, op string, call func(context.Context) error) error {
	limit := in.cfg.UploadRetryLimit
	return retry(in.ctx, limit, call, func(err error, class s3api.Class, attempt int) {
		in.stats.UploadErrors[class].Add(1)
		if limit == 0 || attempt < limit {
			in.stats.UploadRetries.Add(1)
		}
		in.log.Limitedf(LevelWarn, op+":"+class.String(), "%s %s (tag %q) failed, %s error, attempt %d, retrying: %v", op, o.key, o.tag, class, attempt, err)
	})
}
