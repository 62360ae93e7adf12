// Package sourcetest has an in-memory Sink for the sources' unit tests.
package sourcetest

import (
	"io"
	"sync"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/source"
)

// Batch is one Deliver call as the Sink saw it.
type Batch struct {
	Tag    string
	Events []byte // a copy
	Result source.Result
}

// Sink records every batch and answers with Answer (OK when nil). Its
// events are checked as the engine reads them: a batch the engine's
// reader cannot read whole fails Deliver's caller's test through Bad.
type Sink struct {
	mu      sync.Mutex
	Answer  func(tag string, events []byte) source.Result
	batches []Batch
	// Bad are the errors of batches whose events did not read.
	bad []error
}

func (s *Sink) Deliver(tag string, events []byte) source.Result {
	res := source.OK
	if s.Answer != nil {
		res = s.Answer(tag, events)
	}
	var r format.Reader
	var ev format.Event
	r.Reset(events)
	var err error
	for {
		if err = r.Next(&ev); err != nil {
			break
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil && err != io.EOF {
		s.bad = append(s.bad, err)
	}
	s.batches = append(s.batches, Batch{Tag: tag, Events: append([]byte(nil), events...), Result: res})
	return res
}

// Batches returns the batches delivered so far.
func (s *Sink) Batches() []Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Batch(nil), s.batches...)
}

// Bad returns the read errors of delivered batches.
func (s *Sink) Bad() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.bad...)
}

// Events returns every event of the batches answered OK, in order.
func (s *Sink) Events() []format.Event {
	var out []format.Event
	for _, b := range s.Batches() {
		if b.Result != source.OK {
			continue
		}
		var r format.Reader
		r.Reset(b.Events)
		for {
			var ev format.Event
			if r.Next(&ev) != nil {
				break
			}
			out = append(out, ev)
		}
	}
	return out
}
