package s3accesslogs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/format/s3access"
	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/source"
)

const (
	// maxJunkRun is how many unparseable lines in a row make an object
	// "not a log": it is given up rather than turned into junk records.
	maxJunkRun = 100
	// maxUnparsedText bounds the text of a line that does not parse kept
	// in its dead letter.
	maxUnparsedText = 16 << 10
	// headLen is the size of source.AppendEventHead's output, reserved
	// before a record so that the record can be parsed in place and its
	// time written in front of it afterwards.
	headLen = 11
)

var headRoom [headLen]byte

// outcome is how a try at reading an object ended.
type outcome struct {
	done   bool   // every line delivered
	failed string // given up, for this reason (also a Reject reason)
	retry  error  // a request failed and may pass later
	// stopped: the source stops; the object stays in progress.
}

// readObject reads an admitted object to its end, from its first batch
// not taken, and records it taken (or failed).
func (s *src) readObject(key string) {
	var obj objectState
	var found bool
	s.keep.read(func(st *state) {
		if o := st.Objects[key]; o != nil {
			obj, found = *o, true
			obj.Segments = append([]segment(nil), o.Segments...)
		}
	})
	if !found {
		return
	}
	pos, ok := s.resume(key, &obj)
	if !ok {
		return
	}
	for n := 0; ; n++ {
		out := s.readFrom(key, &obj, &pos)
		switch {
		case out.done:
			s.take(key, &obj, pos, "")
			return
		case out.failed != "":
			s.env.Stats.Reject(out.failed, 1)
			s.take(key, &obj, pos, out.failed)
			return
		case out.retry != nil:
			s.log.Limitedf(out_s3append.LevelWarn, "get", "reading s3://%s/%s failed at batch %d (%s): trying again: %v",
				s.cfg.bucket, key, pos, s3api.Classify(out.retry), out.retry)
			if !s.sleep(s.backoff(n)) {
				return
			}
		default:
			return // stopping
		}
	}
}

// resume finds the batch to read the object from. In the run that
// admitted it, that is its first. An object a previous run was reading
// continues after the batches of that run's generation the engine
// committed (a crash can come between the engine's commit and this
// source's state write), and this run's segment is written before any
// batch of it is delivered.
func (s *src) resume(key string, obj *objectState) (int, bool) {
	last := obj.Segments[len(obj.Segments)-1]
	pos := last.From
	if last.Gen == s.gen {
		return pos, true
	}
	// A batch holds a line at least, a line a byte: obj.Size bounds the
	// walk even if the engine said yes to everything.
	for int64(pos) <= obj.Size && s.sink.Committed(s.cfg.tag, token(obj.ETag, last.Gen, pos)) {
		pos++
	}
	seg := segment{Gen: s.gen, From: pos}
	v := s.keep.change(func(st *state) {
		o := st.Objects[key]
		o.Segments = append(o.Segments, seg)
	})
	obj.Segments = append(obj.Segments, seg)
	if pos > last.From {
		s.log.Debugf("s3://%s/%s: the engine had taken batches %d to %d before the restart; reading on from batch %d", s.cfg.bucket, key, last.From, pos-1, pos)
	}
	return pos, s.saveOrWait(v, "resuming "+key)
}

// batch is a batch being built.
type batch struct {
	events   []byte
	lines    int   // lines in it, parsed or not
	unparsed int   // of which did not parse
	text     int64 // bytes of log text, newlines included
}

// mark is where a batch stood before the current run of unparseable
// lines began: if the object turns out not to be a log, it ends there.
type mark struct {
	events, lines, unparsed int
	text                    int64
}

func (b *batch) mark() mark { return mark{len(b.events), b.lines, b.unparsed, b.text} }

func (b *batch) cut(m mark) *batch {
	return &batch{events: b.events[:m.events], lines: m.lines, unparsed: m.unparsed, text: m.text}
}

// maxRunsLogged is how many runs of unparseable lines an object logs one
// by one; the rest are counted in one line at its end.
const maxRunsLogged = 3

// reader is the reading of one object from a batch on. Batches are cut
// every BatchLines lines that are not blank, always at the same lines.
// While a run of unparseable lines goes on, the batches it fills are held
// back (at most maxJunkRun lines' worth): if the run reaches maxJunkRun
// the object is no log and they are dropped, so a binary object costs no
// junk records; if a good line ends the run they go.
type reader struct {
	s   *src
	key string
	obj *objectState
	pos *int // the next batch to deliver

	b        batch
	held     []*batch // full batches held back by a run, oldest first
	junkRun  int
	runMark  mark
	runInOld bool // the run began in a batch taken before (a re-read)
	// runLine and runReason are the current run's first line, logged
	// when the run ends short of maxJunkRun (a binary object gets one log
	// line, the give-up); runsLogged and notLogged bound the log lines of
	// one object.
	runLine    int
	runEnd     int // the run's last line so far
	runReason  string
	runsLogged int
	notLogged  int
}

// readFrom reads the object from batch *pos on, delivering each batch,
// and advances *pos past every batch the engine took.
func (s *src) readFrom(key string, obj *objectState, pos *int) outcome {
	rc, ver, err := s.store.OpenObject(s.ctx, key)
	if err != nil {
		return s.getFailed(key, err)
	}
	defer rc.Close()
	if etag := strings.Trim(ver.ETag, `"`); etag != obj.ETag {
		if out, ok := s.changed(key, obj, etag, *pos); !ok {
			return out
		}
	}
	r := &reader{s: s, key: key, obj: obj, pos: pos}
	return r.run(newLineReader(rc))
}

func (r *reader) run(lr *lineReader) outcome {
	var (
		scratch []byte
		skip    = *r.pos * r.obj.BatchLines // lines of the batches already taken
		counted int                         // lines that are not blank
		lineNo  int
	)
	for {
		line, size, cut, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if r.s.ctx.Err() != nil {
				return outcome{}
			}
			return outcome{retry: err}
		}
		lineNo++
		if len(bytes.TrimSpace(line)) == 0 {
			continue // no record, and no part of where batches are cut
		}
		counted++
		skipping := counted <= skip
		dst := &r.b.events
		if skipping {
			// The lines of taken batches are parsed all the same: whether
			// the object is given up depends on runs of bad lines, which
			// may begin in a batch taken before a crash.
			scratch = scratch[:0]
			dst = &scratch
		}
		before := r.b.mark()
		ok, reason := r.s.appendLine(dst, line, cut, size, r.key, lineNo, r.obj)
		if ok {
			if r.junkRun > 0 {
				r.logRun()
				r.junkRun = 0
				if out, ok := r.release(); !ok {
					return out
				}
			}
		} else {
			if r.junkRun == 0 {
				r.runMark, r.runInOld = before, skipping
				r.runLine, r.runReason = lineNo, reason
			}
			r.junkRun++
			r.runEnd = lineNo
			if !skipping {
				r.b.unparsed++
			}
			if r.junkRun >= maxJunkRun {
				return r.giveUp(lineNo)
			}
		}
		if skipping {
			continue
		}
		r.b.lines++
		r.b.text += int64(size)
		if r.b.lines == r.obj.BatchLines {
			full := r.b
			r.b = batch{}
			if r.junkRun > 0 {
				r.held = append(r.held, &full)
				continue
			}
			if out, ok := r.s.deliver(r.key, r.obj, *r.pos, &full); !ok {
				return out
			}
			*r.pos++
			r.b.events = full.events[:0] // reuse the buffer
		}
	}
	if r.junkRun > 0 {
		r.logRun()
	}
	if r.notLogged > 0 {
		r.s.log.Warnf("s3://%s/%s: %d more line(s) do not parse, sent to the dead letters with the key and line number", r.s.cfg.bucket, r.key, r.notLogged)
	}
	if r.b.lines > 0 {
		r.held = append(r.held, &r.b)
	}
	if out, ok := r.release(); !ok {
		return out
	}
	return outcome{done: true}
}

// logRun says that the lines of the run that just ended do not parse.
func (r *reader) logRun() {
	end := r.runEnd
	if r.runsLogged == maxRunsLogged {
		r.notLogged += r.junkRun
		return
	}
	r.runsLogged++
	which := fmt.Sprintf("line %d does not parse", r.runLine)
	if end > r.runLine {
		which = fmt.Sprintf("lines %d to %d (%d lines) do not parse; the first", r.runLine, end, r.junkRun)
	}
	r.s.log.Warnf("s3://%s/%s %s: %s; sent to the dead letters with the key and line number", r.s.cfg.bucket, r.key, which, r.runReason)
}

// release delivers the batches held back, in order.
func (r *reader) release() (outcome, bool) {
	for len(r.held) > 0 {
		if out, ok := r.s.deliver(r.key, r.obj, *r.pos, r.held[0]); !ok {
			return out, false
		}
		*r.pos++
		r.held = r.held[1:]
	}
	r.held = nil
	return outcome{}, true
}

// giveUp ends an object found not to be a log: the lines before the run
// of unparseable ones still go, as its last batch, and the object is
// recorded failed. The cut is where the run began, so a re-read after a
// crash cuts at the same line (and delivers nothing when that batch was
// taken before the crash).
func (r *reader) giveUp(lineNo int) outcome {
	first := &r.b
	if len(r.held) > 0 {
		first = r.held[0] // the run began in the oldest batch held
	}
	last := first.cut(r.runMark)
	kept := !r.runInOld && last.lines > 0
	r.s.log.Errorf("s3://%s/%s is not an S3 access log: lines %d to %d do not parse; given up (recorded as failed, not read again)%s",
		r.s.cfg.bucket, r.key, r.runLine, lineNo, map[bool]string{true: "; the lines before them are kept", false: ""}[kept || *r.pos > 0])
	if kept {
		if out, ok := r.s.deliver(r.key, r.obj, *r.pos, last); !ok {
			return out
		}
		*r.pos++
	}
	return outcome{failed: "unparseable_object"}
}

// appendLine appends line's event to *dst: its record, or when it does
// not parse a rejected record (format.RejectedExt) at the object's key
// time, which the engine writes to the dead letters with the object's
// key, the line number and the line, in the same step as the batch. ok
// says it parsed; reason says why not.
func (s *src) appendLine(dst *[]byte, line []byte, cut bool, size int, key string, lineNo int, obj *objectState) (ok bool, reason string) {
	start := len(*dst)
	if !cut {
		out, t, err := s3access.ParseLine(append(*dst, headRoom[:]...), line)
		if err == nil {
			source.AppendEventHead(out[:start], t) // over the room reserved
			*dst = out
			return true, ""
		}
		reason = err.Error()
	} else {
		reason = fmt.Sprintf("a line of %d bytes, longer than %d", size, maxLine)
	}
	text := line
	if len(text) > maxUnparsedText {
		text = text[:maxUnparsedText]
	}
	*dst = format.AppendRejectedEvent((*dst)[:start], obj.Time, &format.Rejection{
		Reason: reason, Origin: "s3://" + s.cfg.bucket + "/" + key, Line: lineNo, Raw: text})
	return false, reason
}

// deliver hands batch number n to the engine until it is taken, and
// counts it. ok is false when the source stops or the engine refuses the
// batch for good.
func (s *src) deliver(key string, obj *objectState, n int, b *batch) (outcome, bool) {
	tok := token(obj.ETag, s.gen, n)
	for attempt := 0; ; attempt++ {
		// Within a run a batch answered Retry goes again under the same
		// token: nothing of it was written.
		switch s.sink.DeliverOnce(s.cfg.tag, b.events, tok) {
		case source.OK:
			s.env.Stats.Acknowledged(int64(b.lines), b.text)
			if b.unparsed > 0 {
				s.env.Stats.Reject("unparsed_line", int64(b.unparsed))
			}
			return outcome{}, true
		case source.Retry:
			if !s.sleep(s.backoff(attempt)) {
				return outcome{}, false
			}
		default:
			s.log.Errorf("s3://%s/%s: the engine refused batch %d (lines %d on) for good; the rest of the object is given up (recorded as failed)",
				s.cfg.bucket, key, n, n*obj.BatchLines+1)
			return outcome{failed: "sink_error"}, false
		}
	}
}

// getFailed sorts a failed GET: a missing object and a permanent refusal
// are given up (logged, recorded as failed), anything else is tried again.
func (s *src) getFailed(key string, err error) outcome {
	if s.ctx.Err() != nil {
		return outcome{}
	}
	switch {
	case s3api.IsNoSuchKey(err):
		s.log.Warnf("s3://%s/%s was listed but is gone (NoSuchKey): skipped", s.cfg.bucket, key)
		return outcome{failed: "object_missing"}
	case s3api.Classify(err) == s3api.Permanent || s3api.Classify(err) == s3api.KeyRefused:
		s.log.Errorf("s3://%s/%s cannot be read (%s): skipped, recorded as failed and not read again: %v",
			s.cfg.bucket, key, orCode(s3api.ErrorCode(err)), err)
		return outcome{failed: "get_failed"}
	}
	return outcome{retry: err}
}

func orCode(code string) string {
	if code == "" {
		return "permanent error"
	}
	return code
}

// changed handles an object whose ETag is not the one admitted: before
// any batch was delivered the new content is simply the one read; after,
// the batches taken came from other content, and the rest cannot be
// matched to them.
func (s *src) changed(key string, obj *objectState, etag string, pos int) (outcome, bool) {
	delivered := pos > 0
	for _, seg := range obj.Segments {
		delivered = delivered || seg.From > 0
	}
	if delivered {
		s.log.Errorf("s3://%s/%s changed while it was being read (ETag %s, now %s): the batches taken stay, the rest is given up (recorded as failed)",
			s.cfg.bucket, key, obj.ETag, etag)
		return outcome{failed: "object_changed"}, false
	}
	obj.ETag = etag
	v := s.keep.change(func(st *state) { st.Objects[key].ETag = etag })
	if !s.saveOrWait(v, "new ETag of "+key) {
		return outcome{}, false
	}
	return outcome{}, true
}

// take records an object done (failed says why when it was given up),
// then has the engine forget its tokens and does after_read. The record
// comes first: after it, no run reads the object again, so the tokens
// are no longer needed and the object may go.
func (s *src) take(key string, obj *objectState, batches int, failed string) {
	c := cleanup{Key: key, ETag: obj.ETag, Segments: obj.Segments, Batches: batches}
	if failed == "" && s.cfg.afterRead != afterKeep {
		c.AfterRead = s.cfg.afterRead
	}
	v := s.keep.change(func(st *state) {
		delete(st.Objects, key)
		now := time.Now()
		st.Taken[key] = takenObject{Time: obj.Time, At: now, Failed: failed}
		if obj.Time.After(st.Newest) {
			st.Newest = obj.Time
		}
		if s.cfg.discovery == discoverSQS {
			s.pruneTaken(st, now)
		}
		st.Cleanup = append(st.Cleanup, c)
	})
	if !s.saveOrWait(v, "taking "+key) {
		return
	}
	if failed == "" {
		s.log.Debugf("s3://%s/%s taken: %d batch(es)", s.cfg.bucket, key, batches)
	}
	s.messageTaken(key)
	s.cleanup(c)
}

// cleanup forgets an object's tokens and does its after_read. What fails
// for a reason that may pass stays in the state for the next start.
func (s *src) cleanup(c cleanup) {
	done := true
	if toks := tokens(c.ETag, c.Segments, c.Batches); len(toks) > 0 {
		if err := s.sink.Forget(s.cfg.tag, toks...); err != nil {
			s.log.Warnf("s3://%s/%s: the engine could not forget the object's %d batch token(s) (tried again at the next start): %v", s.cfg.bucket, c.Key, len(toks), err)
			done = false
		}
	}
	if done && c.AfterRead != "" {
		err := s.afterRead(c.Key, c.AfterRead)
		if err != nil {
			class := s3api.Classify(err)
			again := class == s3api.Retryable || class == s3api.Throttled
			s.log.Errorf("s3://%s/%s: after_read %s failed (%s%s): %v", s.cfg.bucket, c.Key, c.AfterRead, class, map[bool]string{true: "; tried again at the next start", false: ""}[again], err)
			done = !again
		}
	}
	if done {
		s.keep.change(func(st *state) {
			for i := range st.Cleanup {
				if st.Cleanup[i].Key == c.Key {
					st.Cleanup = append(st.Cleanup[:i], st.Cleanup[i+1:]...)
					break
				}
			}
		})
	}
}

// afterRead deletes or tags a source object whose records are taken.
func (s *src) afterRead(key, action string) error {
	switch action {
	case afterDelete:
		return s.store.DeleteObject(s.ctx, key)
	case afterTag:
		tags, err := s.store.GetObjectTagging(s.ctx, key)
		if s3api.IsNoSuchKey(err) {
			return nil // gone already: nothing to mark
		}
		if err != nil {
			return err
		}
		if tags["s3append"] == "taken" {
			return nil
		}
		tags["s3append"] = "taken"
		return s.store.PutObjectTagging(s.ctx, key, tags)
	}
	return errors.New("unknown after_read " + action)
}
