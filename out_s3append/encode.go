package out_s3append

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/s3append/s3append/buffer"
	"github.com/s3append/s3append/format"
)

// partEncoder turns a range of buffered frames into the bytes of one part:
// JSON lines, compressed as a stream of its own. Each part being a complete
// gzip member or zstd frame is what lets a part be cut, retried or redone
// after a crash from its buffered range alone; concatenated members are one
// valid gzip or zstd file.
type partEncoder struct {
	json   *format.JSONEncoder
	comp   format.Compressor
	out    bytes.Buffer
	lines  []byte
	dead   []byte // dead-letter lines for records that failed to encode
	reader format.Reader
	ev     format.Event
	tag    string // of the object being encoded, for dead letters
}

// linesBatch is how many bytes of JSON lines go to the compressor at once.
const linesBatch = 64 << 10

func newPartEncoder(opts format.JSONOptions, c format.Compression, level int) (*partEncoder, error) {
	pe := &partEncoder{json: format.NewJSONEncoder(opts)}
	comp, err := format.NewCompressorLevel(c, level, &pe.out)
	if err != nil {
		return nil, err
	}
	pe.comp = comp
	return pe, nil
}

// encodeResult describes one encoding pass.
type encodeResult struct {
	end     int64 // offset just past the last frame consumed
	raw     int64 // buffered bytes consumed
	records int
	full    bool // stopped because the output reached the target
	bad     []error
	// invalidUTF8 counts records whose invalid UTF-8 became U+FFFD.
	invalidUTF8 int
	// dead holds a dead-letter line per record that failed to encode
	// (aliasing the encoder's buffer, valid until the next pass).
	dead []byte
}

// encode reads frames of o from `from` up to `to` and stops after the first
// frame at which the compressed output reaches target bytes. The part's
// bytes are in pe.out afterwards, its compressed stream closed.
func (pe *partEncoder) encode(o *buffer.Object, from, to, target int64) (encodeResult, error) {
	res := encodeResult{end: from}
	pe.out.Reset()
	pe.comp.Reset(&pe.out)
	pe.lines = pe.lines[:0]
	pe.dead = pe.dead[:0]
	frames := o.Frames(from, to)
	for frames.Next() {
		// Events and dead letters read the same whether or not their
		// batch was handed over with a token (kinds 4 and 5).
		if events, ok := buffer.EventsOf(frames.Kind, frames.Data); ok {
			if err := pe.encodeEvents(events, &res); err != nil {
				return res, err
			}
		} else if lines, ok := buffer.DeadLettersOf(frames.Kind, frames.Data); ok {
			if err := pe.flushLines(); err != nil {
				return res, err
			}
			if _, err := pe.comp.Write(lines); err != nil {
				return res, err
			}
			res.records += bytes.Count(lines, []byte{'\n'})
		} else if frames.Kind != buffer.KindHeader {
			return res, fmt.Errorf("frame of unknown kind %d (or a damaged token header) at offset %d", frames.Kind, res.end)
		}
		res.raw += frames.Offset() - res.end
		res.end = frames.Offset()
		if int64(pe.out.Len()) >= target {
			res.full = true
			break
		}
	}
	if err := frames.Err(); err != nil {
		return res, fmt.Errorf("reading buffered frames: %w", err)
	}
	if err := pe.flushLines(); err != nil {
		return res, err
	}
	if err := pe.comp.Close(); err != nil {
		return res, err
	}
	if int64(pe.out.Len()) >= target {
		res.full = true
	}
	res.dead = pe.dead
	return res, nil
}

func (pe *partEncoder) encodeEvents(data []byte, res *encodeResult) error {
	pe.reader.Reset(data)
	for {
		err := pe.reader.Next(&pe.ev)
		if err != nil {
			var de *format.DecodeError
			if errors.As(err, &de) {
				// Records were checked when they were buffered; one that
				// still fails here is reported, not fatal to the object.
				res.bad = append(res.bad, err)
				if de.Skipped {
					continue
				}
			}
			break
		}
		before, invalid := len(pe.lines), pe.json.InvalidUTF8()
		pe.lines, err = pe.json.AppendLine(pe.lines, &pe.ev)
		if err != nil {
			pe.lines = pe.lines[:before]
			res.bad = append(res.bad, err)
			pe.dead = appendDeadLetter(pe.dead, time.Now(), pe.tag, err.Error(), pe.ev.Raw)
			continue
		}
		res.records++
		if pe.json.InvalidUTF8() != invalid {
			res.invalidUTF8++
		}
		if len(pe.lines) >= linesBatch {
			if err := pe.flushLines(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (pe *partEncoder) flushLines() error {
	if len(pe.lines) == 0 {
		return nil
	}
	_, err := pe.comp.Write(pe.lines)
	pe.lines = pe.lines[:0]
	return err
}
