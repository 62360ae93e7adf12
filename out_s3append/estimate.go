package out_s3append

import (
	"math"
	"sync/atomic"
)

// estimate is a ratio the upload workers learn from what their encoding
// passes measured (buffered bytes per uploaded byte, say), each pass
// weighing as much as all earlier ones together, so it follows the data
// as it changes. Safe for concurrent use.
type estimate struct{ bits atomic.Uint64 }

func newEstimate(initial float64) *estimate {
	e := &estimate{}
	e.bits.Store(math.Float64bits(initial))
	return e
}

func (e *estimate) get() float64 { return math.Float64frombits(e.bits.Load()) }

// learn folds one measured num/den into the estimate.
func (e *estimate) learn(num, den int64) {
	if num <= 0 || den <= 0 {
		return
	}
	r := float64(num) / float64(den)
	for {
		old := e.bits.Load()
		if e.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)*0.5+r*0.5)) {
			return
		}
	}
}
