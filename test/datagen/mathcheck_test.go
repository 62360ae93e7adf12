package datagen

import (
	"math"
	"testing"
)

func TestExpLnAccuracy(t *testing.T) {
	for _, x := range []float64{-20, -6.5, -1, -0.3, 0, 0.1, 0.49, 0.51, 1, 2.7, 6, 9.9} {
		if got, want := exp(x), math.Exp(x); math.Abs(got-want) > 1e-12*want {
			t.Errorf("exp(%g) = %g, want %g", x, got, want)
		}
	}
	for _, x := range []float64{1e-12, 1e-6, 0.001, 0.37, 0.5, 0.999999, 1, 1.5, 2, 10, 1e6} {
		if got, want := ln(x), math.Log(x); math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("ln(%g) = %.17g, want %.17g", x, got, want)
		}
	}
}
