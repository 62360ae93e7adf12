package source

import (
	"sort"
	"sync"
	"sync/atomic"
)

// Stats are a source's counters, exported by the sidecar's metrics
// endpoint labelled with the source's name and type.
type Stats struct {
	// ConnectionsOpen is the connections open now (HTTP: requests being
	// served); ConnectionsTotal every one accepted.
	ConnectionsOpen  atomic.Int64
	ConnectionsTotal atomic.Int64
	// Batches, Records and Bytes count what the Sink acknowledged (OK):
	// batches, records in them, and their bytes as received (before
	// decompression).
	Batches atomic.Int64
	Records atomic.Int64
	Bytes   atomic.Int64

	mu      sync.Mutex
	rejects map[string]*atomic.Int64
}

// Reject counts n of what the source refused, by reason (e.g.
// buffer_full, malformed, too_large, unauthorized). What n counts (records
// when known, else batches) is the reason's to say in the README.
func (s *Stats) Reject(reason string, n int64) {
	s.mu.Lock()
	if s.rejects == nil {
		s.rejects = map[string]*atomic.Int64{}
	}
	c := s.rejects[reason]
	if c == nil {
		c = new(atomic.Int64)
		s.rejects[reason] = c
	}
	s.mu.Unlock()
	c.Add(n)
}

// Rejects returns the reject counters by reason, sorted by reason.
func (s *Stats) Rejects() (reasons []string, counts []int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for r := range s.rejects {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		counts = append(counts, s.rejects[r].Load())
	}
	return reasons, counts
}

// Acknowledged counts a batch the Sink took.
func (s *Stats) Acknowledged(records, bytes int64) {
	s.Batches.Add(1)
	s.Records.Add(records)
	s.Bytes.Add(bytes)
}
