package faultproxy

import (
	"fmt"
	"math"
	"time"
)

// Config is the fault mix. Each share is the probability, from 0 to 1, that
// a request gets that fault; the shares are exclusive (one draw picks at most
// one fault per request), so they must add up to at most 1. The zero Config
// injects nothing.
type Config struct {
	// Seed seeds the random draws. The same seed and the same sequence of
	// requests give the same faults.
	Seed int64
	// SlowDown answers 503 SlowDown without forwarding the request.
	SlowDown float64
	// ServerError answers 500 InternalError without forwarding the request.
	ServerError float64
	// LostReply forwards the request, so it takes effect on the server, but
	// answers 500 InternalError to the client, as when a reply is lost on the
	// way back.
	LostReply float64
	// Reset closes the client's connection with a TCP RST and no response:
	// half of these requests are reset before they are forwarded, half after
	// the server has answered them (so they took effect).
	Reset float64
	// Slow holds a request for SlowDelay before forwarding it.
	Slow      float64
	SlowDelay time.Duration
}

// validate reports the first field that is out of range.
func (c Config) validate() error {
	shares := []struct {
		name  string
		value float64
	}{
		{"SlowDown", c.SlowDown},
		{"ServerError", c.ServerError},
		{"LostReply", c.LostReply},
		{"Reset", c.Reset},
		{"Slow", c.Slow},
	}
	sum := 0.0
	for _, s := range shares {
		if math.IsNaN(s.value) || s.value < 0 || s.value > 1 {
			return fmt.Errorf("faultproxy: Config.%s is %v, want a share from 0 to 1", s.name, s.value)
		}
		sum += s.value
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("faultproxy: Config shares add up to %v, more than 1 (each request gets at most one fault)", sum)
	}
	if c.Slow > 0 && c.SlowDelay <= 0 {
		return fmt.Errorf("faultproxy: Config.Slow is %v but Config.SlowDelay is %v, want a positive delay", c.Slow, c.SlowDelay)
	}
	return nil
}
