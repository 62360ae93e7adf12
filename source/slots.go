package source

// Slots bounds how many requests an HTTP source works on at once, and so
// the memory their bodies, decompressed bodies and events take: each may
// hold up to about three times max_body_size. A request that finds no
// slot free is answered at once with "busy, send it again later" (503 and
// Retry-After), which Vector's adaptive concurrency and the OpenTelemetry
// exporters read as a signal to slow down, rather than queued: a queue
// of bodies would be the unbounded memory this prevents.
type Slots chan struct{}

// DefaultMaxConcurrentRequests is max_concurrent_requests unless set.
const DefaultMaxConcurrentRequests = 16

// NewSlots makes n slots.
func NewSlots(n int) Slots { return make(Slots, n) }

// TryAcquire takes a slot if one is free.
func (s Slots) TryAcquire() bool {
	select {
	case s <- struct{}{}:
		return true
	default:
		return false
	}
}

// Release gives back a slot TryAcquire took.
func (s Slots) Release() { <-s }
