package out_s3append

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/s3append/s3append/format"
)

// Records that cannot be read (not a map, a malformed chunk's rest) or
// encoded (no log_key field, unusable keys) are never dropped: they go to
// dead-letter objects under dead_letter_prefix, one JSON line each with the
// raw msgpack bytes, so nothing is lost and the reason is at hand. So do
// the records a source could not read itself (format.RejectedExt, a line
// of an access log that does not parse): their line has the origin and
// line number the source gave, and the original bytes in place of msgpack.

// deadMarker starts the route of a dead-letter object; a route rendered
// from a key template never starts with NUL.
const deadMarker = "\x00D"

// deadLetter is one line of a dead-letter object.
type deadLetter struct {
	Received string `json:"received"`
	Tag      string `json:"tag"`
	Reason   string `json:"reason"`
	// Origin and Line say where a record its source could not read comes
	// from (e.g. s3://bucket/key and the line's 1-based number there).
	Origin string `json:"origin,omitempty"`
	Line   int    `json:"line,omitempty"`
	// Raw is the record (or the unreadable rest of a chunk) as msgpack;
	// for a record its source could not read, its original bytes (the
	// line's text, perhaps cut).
	Raw []byte `json:"raw_msgpack"` // base64 in JSON
}

// appendDeadLetter appends the JSON line for one unfit record to dst.
func appendDeadLetter(dst []byte, now time.Time, tag, reason string, raw []byte) []byte {
	return appendDeadLetterLine(dst, deadLetter{Received: now.UTC().Format(time.RFC3339Nano), Tag: tag, Reason: reason, Raw: raw})
}

// appendRejectedLetter appends the JSON line for a record its source
// could not read: reason (the source's own, with where the record was
// read, when why is "") and the origin, line and original bytes.
func appendRejectedLetter(dst []byte, now time.Time, tag, why string, r *format.Rejection) []byte {
	reason := r.String()
	if why != "" {
		reason = why + ": " + reason
	}
	return appendDeadLetterLine(dst, deadLetter{Received: now.UTC().Format(time.RFC3339Nano), Tag: tag, Reason: reason,
		Origin: r.Origin, Line: r.Line, Raw: r.Raw})
}

func appendDeadLetterLine(dst []byte, d deadLetter) []byte {
	b, err := json.Marshal(d)
	if err != nil {
		// Marshal of strings and bytes cannot fail; keep the line anyway.
		b = []byte(`{"reason":"unencodable dead letter"}`)
	}
	return append(append(dst, b...), '\n')
}

// deadRoute is the route of the dead-letter object for tag at now:
// <dead_letter_prefix><tag>/YYYY/MM/DD/HH/.
func (in *Instance) deadRoute(tag string, now time.Time) string {
	b := []byte(deadMarker + in.cfg.DeadLetterPrefix)
	b, _ = appendSanitized(b, tag)
	b = append(b, '/')
	b = now.UTC().AppendFormat(b, "2006/01/02/15")
	return string(append(b, '/'))
}

// deadKey is the key of a new dead-letter object of route.
func (in *Instance) deadKey(route, id string) (string, bool) {
	if !strings.HasPrefix(route, deadMarker) {
		return "", false
	}
	return strings.TrimPrefix(route, deadMarker) + id + ".json" + in.comp.Extension(), true
}

// writeDeadLetters buffers dead-letter lines found while encoding an
// object; they go past store_dir_limit_size, since the records they stand
// for are about to leave the buffer.
func (in *Instance) writeDeadLetters(tag string, lines []byte, n int) error {
	if n == 0 {
		return nil
	}
	g := []group{{route: in.deadRoute(tag, time.Now()), kind: deadLetterKind, data: lines, records: n}}
	for attempt := 0; ; attempt++ {
		_, err := in.appendGroups(tag, g, true)
		if err == errSealedMeanwhile && attempt < 100 {
			continue
		}
		if err != nil {
			in.log.Errorf("tag %q: %d dead-letter records could not be buffered: %v", tag, n, err)
			return err
		}
		in.stats.DeadLetterRecords.Add(int64(n))
		in.mu.Lock()
		closing := in.closing
		in.mu.Unlock()
		if closing {
			// Written during shutdown: finish it with the rest.
			in.sealObject(g[0].obj, "shutdown")
		}
		return nil
	}
}

// FlushDeadLetters takes a chunk whose records cannot go to an object of
// this output, for why, and keeps each of them as a dead letter: the
// sidecar sends here the records whose tag no output's match takes, so
// they are never dropped and are easy to find and replay. Like Flush it
// answers OK only once they are durable, and Retry when the buffer is full.
func (in *Instance) FlushDeadLetters(tag string, chunk []byte, why RejectReason) Result {
	now := time.Now()
	var (
		r     format.Reader
		ev    format.Event
		lines []byte
		n     int
	)
	r.Reset(chunk)
	for {
		err := r.Next(&ev)
		if err == io.EOF {
			break
		}
		raw := ev.Raw
		if err != nil {
			var de *format.DecodeError
			if !errors.As(err, &de) || !de.Skipped {
				raw = chunk[r.Offset():]
				if de != nil {
					raw = chunk[de.Offset:]
				}
				lines = appendDeadLetter(lines, now, tag, why.String(), raw)
				n++
				break
			}
			if de.Rejected != nil {
				lines = appendRejectedLetter(lines, now, tag, why.String(), de.Rejected)
				n++
				continue
			}
		}
		lines = appendDeadLetter(lines, now, tag, why.String(), raw)
		n++
	}
	res := OK
	if n > 0 {
		g := []group{{route: in.deadRoute(tag, now), kind: deadLetterKind, data: lines, records: n}}
		for attempt := 0; ; attempt++ {
			var err error
			res, err = in.appendGroups(tag, g, false)
			if errors.Is(err, errSealedMeanwhile) && attempt < 100 {
				continue
			}
			break
		}
	}
	in.stats.Flushes[res].Add(1)
	if res == OK {
		in.stats.DeadLetterRecords.Add(int64(n))
		in.stats.RecordsRejected[why].Add(int64(n))
		in.stats.BytesAcknowledged.Add(int64(len(chunk)))
	}
	return res
}
