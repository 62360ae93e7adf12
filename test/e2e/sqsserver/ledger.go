package sqsserver

import (
	"sync"
	"time"
)

// ledger records, for each message sent through the adapter, what goaws
// reports wrongly: when it was sent, how often and first when it was
// received. It also maps receipt handles to messages, so that a deleted
// message's record goes with it.
type ledger struct {
	mu       sync.Mutex
	messages map[string]*delivery // by message id
	handles  map[string]string    // receipt handle to message id
}

// delivery is the record of one message.
type delivery struct {
	queue        string
	sent         time.Time // zero for a message that did not come through the adapter
	firstReceive time.Time
	receives     int
	handles      []string
}

func newLedger() *ledger {
	return &ledger{messages: map[string]*delivery{}, handles: map[string]string{}}
}

func (l *ledger) sent(queue, id string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.messages[id] = &delivery{queue: queue, sent: at}
}

// received counts a receive of message id under handle and returns the
// message's record as it now stands.
func (l *ledger) received(queue, id, handle string, at time.Time) delivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := l.messages[id]
	if d == nil {
		d = &delivery{queue: queue}
		l.messages[id] = d
	}
	if d.receives == 0 {
		d.firstReceive = at
	}
	d.receives++
	d.handles = append(d.handles, handle)
	l.handles[handle] = id
	return *d
}

// deleted forgets the message that handle was received for.
func (l *ledger) deleted(handle string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	id, ok := l.handles[handle]
	if !ok {
		return
	}
	l.forget(id)
}

// forgetQueue forgets every message of queue (purged or deleted).
func (l *ledger) forgetQueue(queue string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, d := range l.messages {
		if d.queue == queue {
			l.forget(id)
		}
	}
}

func (l *ledger) forget(id string) {
	if d, ok := l.messages[id]; ok {
		for _, h := range d.handles {
			delete(l.handles, h)
		}
		delete(l.messages, id)
	}
}
