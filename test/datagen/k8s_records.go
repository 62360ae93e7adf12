package datagen

import (
	"math/rand/v2"
	"time"
)

// Burst lengths and gaps: a pod writes a few lines in quick succession,
// then another pod gets a turn; overall a few milliseconds per record.
const (
	meanBurst    = 6
	burstGap     = 400 * time.Microsecond
	stackLineGap = 15 * time.Microsecond
	idleGap      = 12 * time.Millisecond
)

// next writes the next line of the current burst, or starts a burst from
// a pod chosen by log volume.
func (c *cluster) next(rng *rand.Rand, t time.Time) (map[string]any, string, time.Duration) {
	if c.cur == nil || (c.burstLeft <= 0 && len(c.cur.pending) == 0) {
		c.cur = c.pods[weighted(rng, c.weights)]
		c.burstLeft = 1 + int(exponential(rng)*(meanBurst-1))
	}
	p := c.cur
	var text string
	var stderr bool
	if len(p.pending) > 0 {
		text, stderr = p.pending[0], p.pendingStderr
		p.pending = p.pending[1:]
	} else {
		c.line = lineCtx{rng: rng, t: t, pod: p, cluster: c}
		text, stderr = styles[p.style](&c.line)
		c.burstLeft--
	}
	stream := "stdout"
	if stderr {
		stream = "stderr"
	}
	ts := t.Format(time.RFC3339Nano)
	record := map[string]any{
		"log":        text,
		"stream":     stream,
		"kubernetes": p.kubernetes(c.compact),
	}
	if !c.compact {
		record["time"] = ts // kept by the parser's Time_Keep On
	}
	var gap time.Duration
	switch {
	case len(p.pending) > 0:
		gap = expDuration(rng, stackLineGap)
	case c.burstLeft > 0:
		gap = expDuration(rng, burstGap)
	default:
		gap = expDuration(rng, idleGap)
	}
	return record, ts + " " + stream + " F " + text, gap
}
