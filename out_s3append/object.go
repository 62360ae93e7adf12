package out_s3append

import (
	"sync/atomic"
	"time"

	"github.com/s3append/s3append/buffer"
	"github.com/s3append/s3append/format"
)

// object is one S3 object on its way: open for records until sealed, then
// finished by an upload worker and removed from the buffer.
type object struct {
	buf     *buffer.Object
	route   string
	key     string
	tag     string
	created time.Time // when its first record arrived (upload_timeout counts from here)

	// sealed is set under buf's lock, so no flush can append after it.
	sealed atomic.Bool
	// sched says whether the object is queued or held by a worker (see
	// lifecycle.go); backingOff keeps it out of the queue after a failure.
	sched      atomic.Int32
	backingOff atomic.Bool
	backoffGen atomic.Uint64 // the backoff whose timer may end it
	// dirty is set when frames were written but not fsynced (sync interval).
	dirty atomic.Bool
	// slotEnd is when the event-time slot of the object's key ends (Unix
	// seconds; 0 when the key has none); lastWrite when records were last
	// written to it (Unix nanoseconds).
	slotEnd   atomic.Int64
	lastWrite atomic.Int64

	// parquet marks an object written as Parquet; the dead-letter objects
	// of a Parquet output are JSON lines. comp is a JSON-lines object's
	// compression, as its manifest recorded it.
	parquet bool
	comp    format.Compression
	codec   string // a Parquet object's page compression
	// schema is the inferred Parquet schema, fixed when the object's first
	// row group was written: flushes check records against it, and seal
	// the object for one that does not fit.
	schema atomic.Pointer[format.ParquetSchema]

	// The fields below belong to the worker holding the object (sched
	// schedWorking); only one worker holds an object at a time.
	uploadID string
	parts    []buffer.PartRecord
	// encodedOff is the buffered offset up to which parts were uploaded and
	// uploaded the bytes they hold; flushes read both, so they are atomic.
	encodedOff atomic.Int64
	uploaded   atomic.Int64
	// resume is set for an object recovered at start with a multipart
	// upload in its manifest: its parts are checked against ListParts
	// before the upload goes on.
	resume bool
	// pq is the Parquet file being written, from its first pass on: its
	// schema and its row groups' footer entries. minPending is how many
	// buffered bytes a pass found too few for a part (0: none yet).
	pq         *format.ParquetFile
	minPending atomic.Int64
	// sentRecords counts the records in the parts (or PutObject) of this
	// run; recordsUnknown is set when parts of an earlier run were kept.
	sentRecords    int64
	recordsUnknown bool
	// completed is set once CompleteMultipartUpload succeeded, landed once
	// the object exists in S3 (it does not when every record was unfit),
	// marked once its completion marker is written.
	completed, landed, marked bool
	// journaled is set once the object is recorded for its Iceberg commit.
	journaled bool
	// failures counts the object's failed steps in a row; backoff spaces
	// their retries. retired is set when the object left the instance
	// (complete, given up or refused).
	failures int
	backoff  backoff
	retired  atomic.Bool
}

// pending is the buffered, acknowledged data not yet in an uploaded part.
func (o *object) pending() int64 { return o.buf.Committed() - o.encodedOff.Load() }

// seal stops the object taking records. It returns false if it was sealed
// already.
func (o *object) seal() bool {
	o.buf.Lock()
	defer o.buf.Unlock()
	return o.sealed.CompareAndSwap(false, true)
}
