package out_s3append

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/s3append/s3append/buffer"
	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/out_s3append/s3api"
)

// refuse handles an object whose key the store will never accept (a name
// too long for its file system, say): no retry can land it, and waiting
// would hold its records for ever. They are written to the dead letters,
// under a key of the dead_letter_prefix with the store's reason, then the
// object leaves the buffer and the output goes on with the others.
//
// A crash half-way redoes the object from its buffer: its records may
// then be in the dead letters twice, never lost. A dead-letter object
// whose own key is refused has nowhere else to go: it is given up, kept
// under failed/.
func (in *Instance) refuse(o *object, cause error) {
	if strings.HasPrefix(o.route, deadMarker) {
		in.giveUp(o, fmt.Errorf("the store refuses the dead-letter key: %w", cause))
		return
	}
	in.sealObject(o, "the store refuses its key")
	if o.uploadID != "" {
		in.abortUpload(o)
	}
	reason := fmt.Sprintf("the store refuses the object key %s: %v", o.key, cause)
	n, err := in.deadLetterAll(o, reason)
	if err == nil {
		err = o.buf.Remove()
	}
	if err != nil {
		// The disk failed us: try the whole object again later.
		in.log.Limitedf(LevelError, "refuse:"+o.tag, "object %s (tag %q): the store refuses its key, and moving its records to the dead letters failed: %v; retried", o.key, o.tag, err)
		in.backOff(o, o.backoff.next(s3api.Retryable))
		return
	}
	in.stats.RecordsRejected[RejectKeyRefused].Add(n)
	in.log.Errorf("object %s (tag %q): %s; its %d records were sent to the dead-letter prefix %s", o.key, o.tag, reason, n, in.cfg.DeadLetterPrefix)
	in.retire(o)
}

// deadLetterBatch is how many bytes of dead-letter lines are buffered at
// once while an object is moved to the dead letters.
const deadLetterBatch = 1 << 20

// deadLetterAll writes a dead letter for every record buffered in o and
// returns how many it wrote.
func (in *Instance) deadLetterAll(o *object, reason string) (int64, error) {
	var (
		r     format.Reader
		ev    format.Event
		lines []byte
		batch int
		total int64
	)
	flush := func() error {
		err := in.writeDeadLetters(o.tag, lines, batch)
		total += int64(batch)
		lines, batch = lines[:0], 0
		return err
	}
	now := time.Now()
	frames := o.buf.Frames(o.buf.DataStart(), o.buf.Committed())
	for frames.Next() {
		events, ok := buffer.EventsOf(frames.Kind, frames.Data)
		if !ok {
			continue
		}
		r.Reset(events)
		for {
			err := r.Next(&ev)
			var de *format.DecodeError
			if err != nil && !errors.As(err, &de) {
				break
			}
			raw := ev.Raw
			if de != nil && !de.Skipped {
				raw = events[de.Offset:]
			}
			lines = appendDeadLetter(lines, now, o.tag, reason, raw)
			batch++
			if len(lines) >= deadLetterBatch {
				if err := flush(); err != nil {
					return total, err
				}
			}
			if de != nil && !de.Skipped {
				break
			}
		}
	}
	if err := frames.Err(); err != nil {
		return total, fmt.Errorf("reading buffered frames: %w", err)
	}
	if batch > 0 {
		if err := flush(); err != nil {
			return total, err
		}
	}
	return total, nil
}
