package faultproxy

// MaxConsecutiveFaults bounds the faults one request can meet in a row: once
// the same request (same method and request target, so same operation, key,
// upload ID and part number) has been given this many faults in a row, the
// next attempt at it is forwarded untouched, whatever the draw says. A client
// that retries a failed request therefore always gets through, at the latest
// on attempt MaxConsecutiveFaults+1, even with a share of 1. Any attempt that
// passes clean starts the count again. Delays (Slow) count as faults here,
// since a client with a short timeout sees them as failures.
const MaxConsecutiveFaults = 5

// fault is what the proxy does to one request.
type fault int

const (
	faultNone fault = iota
	faultSlowDown
	faultServerError
	faultLostReply
	faultResetBefore
	faultResetAfter
	faultSlow
)

// decide draws the fault for one request, applies the consecutive-fault
// bound for its streak key, and counts the request under op.
func (p *Proxy) decide(op, streak string) fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.draw()
	spared := false
	if f != faultNone && p.streaks[streak] >= MaxConsecutiveFaults {
		f, spared = faultNone, true
	}
	if f == faultNone {
		delete(p.streaks, streak)
	} else {
		p.streaks[streak]++
	}
	p.count(op, func(c *Counts) {
		c.Requests++
		c.add(f)
		if spared {
			c.Spared++
		}
	})
	return f
}

// draw picks a fault from the configuration with one uniform draw over the
// shares laid end to end. Called with p.mu held.
func (p *Proxy) draw() fault {
	c := p.cfg
	u := p.rng.Float64()
	for _, s := range []struct {
		share float64
		f     fault
	}{
		{c.SlowDown, faultSlowDown},
		{c.ServerError, faultServerError},
		{c.LostReply, faultLostReply},
		{c.Reset, faultResetBefore},
		{c.Slow, faultSlow},
	} {
		if u < s.share {
			if s.f == faultResetBefore && p.rng.IntN(2) == 1 {
				return faultResetAfter
			}
			return s.f
		}
		u -= s.share
	}
	return faultNone
}

// count applies change to the totals and to op's counts. Called with p.mu
// held.
func (p *Proxy) count(op string, change func(*Counts)) {
	change(&p.stats.Counts)
	c := p.stats.ByOperation[op]
	change(&c)
	p.stats.ByOperation[op] = c
}
