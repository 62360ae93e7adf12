package faultproxy

// Counts are the proxy's tallies of requests and of the faults it injected.
type Counts struct {
	Requests  int64 // every request received
	Forwarded int64 // requests sent on to the server, whatever the client got back

	SlowDown    int64 // answered 503 SlowDown, not forwarded
	ServerError int64 // answered 500 InternalError, not forwarded
	LostReply   int64 // forwarded, then answered 500 InternalError
	ResetBefore int64 // connection reset before forwarding
	ResetAfter  int64 // forwarded, then connection reset
	Slow        int64 // delayed by SlowDelay, then forwarded

	// Spared counts requests whose draw picked a fault that the
	// consecutive-fault bound cancelled; they were forwarded untouched.
	Spared int64
}

// Faults is the number of requests that got a fault of any kind.
func (c Counts) Faults() int64 {
	return c.SlowDown + c.ServerError + c.LostReply + c.ResetBefore + c.ResetAfter + c.Slow
}

func (c *Counts) add(f fault) {
	switch f {
	case faultSlowDown:
		c.SlowDown++
	case faultServerError:
		c.ServerError++
	case faultLostReply:
		c.LostReply++
	case faultResetBefore:
		c.ResetBefore++
	case faultResetAfter:
		c.ResetAfter++
	case faultSlow:
		c.Slow++
	}
}

// Stats are the totals and the same counts per S3 operation (keys as
// Operation names them: "PutObject", "UploadPart", ...).
type Stats struct {
	Counts
	ByOperation map[string]Counts
}

func (s Stats) clone() Stats {
	out := Stats{Counts: s.Counts, ByOperation: make(map[string]Counts, len(s.ByOperation))}
	for op, c := range s.ByOperation {
		out.ByOperation[op] = c
	}
	return out
}
