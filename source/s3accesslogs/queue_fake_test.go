package s3accesslogs

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// fakeQueue is an in-memory queue with SQS's rules: a message received is
// hidden until its visibility ends, comes back under a new handle, and is
// deleted or extended only through the handle of its latest receive.
type fakeQueue struct {
	mu       sync.Mutex
	next     int
	msgs     []*fakeMessage
	received map[string]int // receives by message id
	extends  int            // handles extended, in all
	// removeErr, when set, fails every remove call.
	removeErr error
}

type fakeMessage struct {
	id, body, handle string
	visibleAt        time.Time
	deleted          bool
}

func newFakeQueue() *fakeQueue { return &fakeQueue{received: map[string]int{}} }

// send adds a message and returns its id.
func (q *fakeQueue) send(body string) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.next++
	m := &fakeMessage{id: fmt.Sprintf("m%d", q.next), body: body}
	q.msgs = append(q.msgs, m)
	return m.id
}

// expireAll makes every message not deleted visible now, as time passing
// beyond every visibility timeout would.
func (q *fakeQueue) expireAll() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, m := range q.msgs {
		m.visibleAt = time.Time{}
	}
}

// left is the ids of the messages not deleted.
func (q *fakeQueue) left() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []string
	for _, m := range q.msgs {
		if !m.deleted {
			out = append(out, m.id)
		}
	}
	return out
}

func (q *fakeQueue) receiveCount(id string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.received[id]
}

func (q *fakeQueue) extendCount() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.extends
}

func (q *fakeQueue) receive(ctx context.Context, max int, visibility, wait time.Duration) ([]queueMessage, error) {
	deadline := time.Now().Add(wait)
	for {
		q.mu.Lock()
		var out []queueMessage
		now := time.Now()
		for _, m := range q.msgs {
			if len(out) == max {
				break
			}
			if m.deleted || now.Before(m.visibleAt) {
				continue
			}
			q.next++
			m.handle = fmt.Sprintf("h%d-%s", q.next, m.id)
			m.visibleAt = now.Add(visibility)
			q.received[m.id]++
			out = append(out, queueMessage{id: m.id, handle: m.handle, body: m.body})
		}
		q.mu.Unlock()
		if len(out) > 0 || !time.Now().Before(deadline) {
			return out, nil
		}
		// A long poll: look again shortly, as SQS answers as soon as a
		// message is there.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// byHandle is the message whose latest handle is h.
func (q *fakeQueue) byHandle(h string) *fakeMessage {
	for _, m := range q.msgs {
		if !m.deleted && m.handle == h {
			return m
		}
	}
	return nil
}

func (q *fakeQueue) extend(_ context.Context, handles []string, visibility time.Duration) (map[string]string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	failed := map[string]string{}
	for _, h := range handles {
		m := q.byHandle(h)
		if m == nil {
			failed[h] = "ReceiptHandleIsInvalid"
			continue
		}
		m.visibleAt = time.Now().Add(visibility)
		q.extends++
	}
	return failed, nil
}

func (q *fakeQueue) remove(_ context.Context, handles []string) (map[string]string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.removeErr != nil {
		return nil, q.removeErr
	}
	failed := map[string]string{}
	for _, h := range handles {
		m := q.byHandle(h)
		if m == nil {
			failed[h] = "ReceiptHandleIsInvalid"
			continue
		}
		m.deleted = true
	}
	return failed, nil
}
