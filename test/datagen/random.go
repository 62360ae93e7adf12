package datagen

import (
	"encoding/base64"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// pick returns a uniformly chosen element of xs.
func pick[T any](rng *rand.Rand, xs []T) T {
	return xs[rng.IntN(len(xs))]
}

// weighted returns an index into weights, chosen in proportion to them.
func weighted(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := rng.IntN(total)
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}

// chance reports true with probability p.
func chance(rng *rand.Rand, p float64) bool { return rng.Float64() < p }

// expDuration returns an exponentially distributed duration of the given mean.
func expDuration(rng *rand.Rand, mean time.Duration) time.Duration {
	return time.Duration(exponential(rng) * float64(mean))
}

// between returns an int in [lo, hi].
func between(rng *rand.Rand, lo, hi int) int { return lo + rng.IntN(hi-lo+1) }

// logNormal returns a positive int around median with a spread of about
// sigma in log space: sizes and latencies have long right tails.
func logNormal(rng *rand.Rand, median, sigma float64) int {
	return max(1, int(median*exp(sigma*normal(rng))))
}

// The distributions below use only IEEE-exact arithmetic, so that every
// machine draws the same values: math.Exp and math.Log have per-CPU
// assembly, rand's ExpFloat64 and NormFloat64 call math.Exp, and the
// compiler may fuse a*b+c into one instruction on some CPUs unless the
// product is converted explicitly, as every product here is.

// exponential returns a draw with mean 1: -ln U for U uniform in (0, 1].
func exponential(rng *rand.Rand) float64 {
	return -ln(1 - rng.Float64())
}

// normal returns an approximately standard normal draw (Irwin–Hall: the
// sum of twelve uniforms, less six), bounded to ±6.
func normal(rng *rand.Rand) float64 {
	sum := 0.0
	for range 12 {
		sum += rng.Float64()
	}
	return sum - 6
}

// exp computes e^x by halving x until it is small, a Taylor series, and
// squaring back.
func exp(x float64) float64 {
	halvings := 0
	for x > 0.5 || x < -0.5 {
		x /= 2
		halvings++
	}
	sum, term := 1.0, 1.0
	for k := 1; k <= 12; k++ {
		term = float64(term*x) / float64(k)
		sum += term
	}
	for range halvings {
		sum = float64(sum * sum)
	}
	return sum
}

// ln computes the natural logarithm of x > 0 from its binary exponent and
// the series ln m = 2 atanh((m-1)/(m+1)) for the mantissa m in [0.5, 1).
func ln(x float64) float64 {
	m, e := math.Frexp(x)
	s := (m - 1) / (m + 1)
	s2 := float64(s * s)
	sum, power := 0.0, s
	for k := 1; k <= 41; k += 2 {
		sum += power / float64(k)
		power = float64(power * s2)
	}
	return float64(2*sum) + float64(float64(e)*math.Ln2)
}

const (
	lowerHex = "0123456789abcdef"
	upperHex = "0123456789ABCDEF"
	// kubeAlnum is the alphabet Kubernetes uses for generated name suffixes.
	kubeAlnum = "bcdfghjklmnpqrstvwxz2456789"
	alnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// randString returns n characters drawn from alphabet.
func randString(rng *rand.Rand, alphabet string, n int) string {
	var b strings.Builder
	b.Grow(n)
	for range n {
		b.WriteByte(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

// uuid4 returns a random version-4 UUID in its canonical text form.
func uuid4(rng *rand.Rand) string {
	h := randString(rng, lowerHex, 32)
	variant := string("89ab"[rng.IntN(4)])
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + variant + h[17:20] + "-" + h[20:32]
}

// base64Bytes returns n random bytes in standard base64.
func base64Bytes(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return base64.StdEncoding.EncodeToString(b)
}
