package s3accesslogs

import (
	"sync"
	"time"

	"github.com/s3append/s3append/out_s3append"
)

// Discovery sqs: S3 event notifications reach an SQS queue, and each
// message names objects to read. A message is deleted only once every
// object it names is taken (its records durable in the buffer, the state
// file written), and is kept hidden from other receivers meanwhile by
// extending its visibility every third of visibility_timeout. A message
// that comes back anyway (a crash, a failed delete, SQS delivering twice)
// finds its object taken, and is deleted, or being read, and waits for
// it: the taken set is the deduplication, kept dedupe_window long.

// heldMessage is a message received whose objects are not all taken.
type heldMessage struct {
	id      string
	handle  string
	pending int // objects named and not yet taken
}

// messages tracks the held messages by handle and by object key.
type messages struct {
	mu       sync.Mutex
	byHandle map[string]*heldMessage
	byKey    map[string][]*heldMessage
}

func newMessages() *messages {
	return &messages{byHandle: map[string]*heldMessage{}, byKey: map[string][]*heldMessage{}}
}

// handles is every handle held, for extending.
func (m *messages) handles() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.byHandle))
	for h := range m.byHandle {
		out = append(out, h)
	}
	return out
}

// objectTaken releases key's messages and returns the handles of those
// that have no object pending left: they may be deleted.
func (m *messages) objectTaken(key string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var done []string
	for _, h := range m.byKey[key] {
		h.pending--
		if h.pending == 0 {
			delete(m.byHandle, h.handle)
			done = append(done, h.handle)
		}
	}
	delete(m.byKey, key)
	return done
}

// forget drops handles, whose messages are gone or no longer ours.
func (m *messages) forget(handles map[string]string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h := range handles {
		delete(m.byHandle, h)
	}
}

// receiveLoop receives messages while the objects in flight leave room,
// and admits the objects they name.
func (s *src) receiveLoop() {
	defer s.wg.Done()
	for n := 0; s.ctx.Err() == nil; {
		var inFlight int
		s.keep.read(func(st *state) { inFlight = len(st.Objects) })
		room := s.cfg.maxInFlight - inFlight
		if room <= 0 {
			select {
			case <-s.ctx.Done():
				return
			case <-s.wake:
			}
			continue
		}
		msgs, err := s.queue.receive(s.ctx, min(room, sqsBatch), s.cfg.visibility, receiveWait)
		if err != nil {
			if s.ctx.Err() != nil {
				return
			}
			s.log.Limitedf(out_s3append.LevelError, "receive", "receiving from %s failed: trying again: %v", s.cfg.queueURL, err)
			if !s.sleep(s.backoff(n)) {
				return
			}
			n++
			continue
		}
		n = 0
		s.handleMessages(msgs)
	}
}

// handleMessages admits the objects msgs name that are new, ties each
// message to its objects not taken, and deletes the messages that name
// nothing left to read.
func (s *src) handleMessages(msgs []queueMessage) {
	var (
		admit     []candidate
		admitting = map[string]bool{}
		deleteNow []string
	)
	s.msgs.mu.Lock()
	for _, m := range msgs {
		n, err := parseNotification([]byte(m.body))
		if err != nil {
			// Not ours to delete: it goes back to the queue after the
			// visibility timeout, and to its dead-letter queue if the
			// queue has a redrive policy.
			s.env.Stats.Reject("bad_message", 1)
			s.log.Limitedf(out_s3append.LevelWarn, "bad-message", "message %s on %s is not an S3 event notification (%v): left on the queue (give the queue a redrive policy to move such messages to a dead-letter queue)", m.id, s.cfg.queueURL, err)
			continue
		}
		if n.test {
			s.log.Infof("message %s on %s is S3's test event (a notification configuration was saved): deleted", m.id, s.cfg.queueURL)
			deleteNow = append(deleteNow, m.handle)
			continue
		}
		held := &heldMessage{id: m.id, handle: m.handle}
		for _, o := range n.objects {
			c, ok := s.notifiedCandidate(m.id, o)
			if !ok {
				continue
			}
			var taken, admitted bool
			s.keep.read(func(st *state) { _, taken = st.Taken[c.key]; _, admitted = st.Objects[c.key] })
			if taken {
				s.log.Debugf("message %s names s3://%s/%s, taken already: a duplicate", m.id, s.cfg.bucket, c.key)
				continue
			}
			held.pending++
			s.msgs.byKey[c.key] = append(s.msgs.byKey[c.key], held)
			if !admitted && !admitting[c.key] {
				admitting[c.key] = true
				admit = append(admit, c)
			}
		}
		if held.pending == 0 {
			deleteNow = append(deleteNow, m.handle)
		} else {
			s.msgs.byHandle[m.handle] = held
		}
	}
	s.msgs.mu.Unlock()
	if len(admit) > 0 {
		v := s.keep.change(func(st *state) {
			for _, c := range admit {
				st.Objects[c.key] = &objectState{Time: c.t, ETag: c.etag, Size: c.size, BatchLines: s.cfg.batchLines,
					Segments: []segment{{Gen: s.gen, From: 0}}}
			}
		})
		// Until this write the objects are known only to messages still
		// hidden; should it never happen, they come back and admit again.
		if !s.saveOrWait(v, "admitting objects from the queue") {
			return
		}
		for _, c := range admit {
			select {
			case s.work <- c.key:
			case <-s.ctx.Done():
				return
			}
		}
	}
	s.removeMessages(deleteNow)
}

// notifiedCandidate is the object of a notified event to read; ok is
// false, with a log line, for what this source does not read.
func (s *src) notifiedCandidate(id string, o notifiedObject) (candidate, bool) {
	switch {
	case !o.created:
		s.log.Limitedf(out_s3append.LevelDebug, "not-created", "message %s: event %s of s3://%s/%s is not an object creation: nothing to read", id, o.event, o.bucket, o.key)
		return candidate{}, false
	case o.bucket != s.cfg.bucket:
		s.env.Stats.Reject("other_bucket", 1)
		s.log.Limitedf(out_s3append.LevelWarn, "other-bucket", "message %s names s3://%s/%s, not in bucket %s that this source reads: skipped (the message is deleted once the rest of it is read)", id, o.bucket, o.key, s.cfg.bucket)
		return candidate{}, false
	}
	t, ok := logKeyTime(s.cfg.prefix, o.key)
	if !ok {
		s.env.Stats.Reject("not_a_log_key", 1)
		s.log.Limitedf(out_s3append.LevelWarn, "skipped-key", "message %s names s3://%s/%s, which is not named as S3 names access log objects under prefix %q: skipped (narrow the notification with a prefix filter)", id, o.bucket, o.key, s.cfg.prefix)
		return candidate{}, false
	}
	return candidate{key: o.key, etag: o.etag, size: o.size, t: t}, true
}

// removeMessages deletes the messages of handles; one that fails is
// logged and comes back to find its objects taken.
func (s *src) removeMessages(handles []string) {
	if len(handles) == 0 {
		return
	}
	failed, err := s.queue.remove(s.ctx, handles)
	if err != nil {
		if s.ctx.Err() == nil {
			s.log.Limitedf(out_s3append.LevelWarn, "delete-message", "deleting %d message(s) from %s failed (they come back after visibility_timeout and are recognised as done): %v", len(handles), s.cfg.queueURL, err)
		}
		return
	}
	for h, why := range failed {
		s.log.Limitedf(out_s3append.LevelWarn, "delete-message", "deleting a message from %s failed (it comes back after visibility_timeout and is recognised as done): %s (handle %.16s...)", s.cfg.queueURL, why, h)
	}
}

// extendLoop keeps the held messages hidden while their objects are read.
func (s *src) extendLoop() {
	defer s.wg.Done()
	every := s.cfg.visibility / 3
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		handles := s.msgs.handles()
		if len(handles) == 0 {
			continue
		}
		failed, err := s.queue.extend(s.ctx, handles, s.cfg.visibility)
		if err != nil {
			if s.ctx.Err() == nil {
				s.log.Limitedf(out_s3append.LevelWarn, "extend", "extending the visibility of %d message(s) on %s failed (tried again in %v; a message that comes back meanwhile waits for its object): %v", len(handles), s.cfg.queueURL, every, err)
			}
			continue
		}
		if len(failed) > 0 {
			// A handle SQS no longer knows will not become valid: its
			// message came back or was deleted. Its objects stay tied
			// to the message received again, if any.
			s.msgs.forget(failed)
			for h, why := range failed {
				s.log.Limitedf(out_s3append.LevelWarn, "extend", "extending a message's visibility on %s failed: %s (handle %.16s...)", s.cfg.queueURL, why, h)
			}
		}
	}
}

// messageTaken deletes the messages whose objects are all taken now.
func (s *src) messageTaken(key string) {
	if s.msgs != nil {
		s.removeMessages(s.msgs.objectTaken(key))
	}
}

// pruneTaken drops from the taken set the objects taken more than
// dedupe_window ago, but only once this run has itself run that long:
// after a restart, messages that were hidden when the last run ended come
// back within visibility_timeout and must still find their objects taken,
// however long the source was down.
func (s *src) pruneTaken(st *state, now time.Time) {
	if now.Sub(s.started) < s.cfg.dedupe {
		return
	}
	floor := now.Add(-s.cfg.dedupe)
	for k, t := range st.Taken {
		if t.At.Before(floor) {
			delete(st.Taken, k)
		}
	}
}
