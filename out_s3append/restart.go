package out_s3append

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/smithy-go"
	"github.com/s3append/s3append/out_s3append/s3api"
)

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
