package out_s3append

import (
	"context"
	"fmt"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
)

// finish completes the multipart upload, if any, writes the completion
// marker and removes the object from the buffer: only now is its data the
// bucket's. Each step is done once; a failed step is retried later from
// where it stopped.
func (in *Instance) finish(o *object) error {
	if o.uploadID != "" && !o.completed {
		parts := make([]s3api.Part, len(o.parts))
		for i, p := range o.parts {
			parts[i] = s3api.Part{Number: p.Number, ETag: p.ETag, Size: p.Size}
		}
		err := in.s3Call(o, "CompleteMultipartUpload", func(ctx context.Context) error {
			return in.s3.CompleteMultipartUpload(ctx, o.key, o.uploadID, parts)
		})
		switch {
		case uploadRejected(err):
			// Retrying cannot help: S3 refuses these parts.
			in.abortUpload(o)
			in.restartUpload(o, err)
			return nil
		case s3api.IsNoSuchUpload(err):
			in.restartUpload(o, err)
			return nil
		case err != nil:
			return err
		}
		o.completed, o.landed = true, true
	}
	if !o.marked {
		if err := in.writeMarker(o); err != nil {
			return err
		}
		o.marked = true
	}
	if err := in.recordForCommit(o); err != nil {
		return err
	}
	in.abortOrphans(o)
	if err := o.buf.Remove(); err != nil {
		return fmt.Errorf("removing the uploaded object from the buffer: %w", err)
	}
	in.releaseForCommit(o)
	if o.landed {
		in.stats.ObjectsUploaded.Add(1)
		in.stats.RecordsUploaded.Add(o.sentRecords)
		in.stats.BytesUploaded.Add(o.uploaded.Load())
		in.log.Infof("object %s complete in S3: %d bytes in %s (tag %q)", o.key, o.uploaded.Load(), partsText(len(o.parts)), o.tag)
	}
	in.retire(o)
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
	path, err := o.buf.Fail()
	in.retire(o)
	if err != nil {
		in.log.Errorf("object %s (tag %q): %v; moving its buffer to failed/ also failed: %v", o.key, o.tag, cause, err)
		return
	}
	in.stats.ObjectsFailed.Add(1)
	in.log.Errorf("object %s (tag %q) given up: %v; its records are kept in %s and are not uploaded", o.key, o.tag, cause, path)
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
	if err != nil && in.ctx.Err() != nil {
		return // stopping: the next start lists them
	}
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

// partsText says how an object went up: in one PutObject, or in parts.
func partsText(parts int) string {
	switch parts {
	case 0:
		return "one PutObject"
	case 1:
		return "1 part"
	}
	return fmt.Sprintf("%d parts", parts)
}
