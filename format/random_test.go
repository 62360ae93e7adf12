package format

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func newTestRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// randomString mixes ASCII, control characters and multi-byte runes; it is
// always valid UTF-8 so that encoding/json returns it unchanged.
func randomString(rng *rand.Rand) string {
	var sb strings.Builder
	for range rng.IntN(24) {
		switch rng.IntN(8) {
		case 0:
			sb.WriteByte(byte(rng.IntN(0x20)))
		case 1:
			sb.WriteString([]string{`"`, `\`, "/", "é", "✓", "😀", "\u2028", "\x7f"}[rng.IntN(8)])
		case 2:
			sb.WriteRune(rune(rng.IntN(0xd7ff)))
		default:
			sb.WriteByte(byte(0x20 + rng.IntN(0x5f)))
		}
	}
	return sb.String()
}

func randomValue(rng *rand.Rand, depth int) any {
	n := 9
	if depth >= 4 {
		n = 7 // no more nesting
	}
	switch rng.IntN(n) {
	case 0:
		return nil
	case 1:
		return rng.IntN(2) == 0
	case 2:
		return int64(rng.Uint64())
	case 3:
		return rng.Uint64()
	case 4:
		switch rng.IntN(4) {
		case 0:
			return math.Float64frombits(rng.Uint64()&^(0x7ff<<52) | uint64(rng.IntN(0x7fe)+1)<<52)
		case 1:
			return float64(rng.IntN(1000))
		default:
			return rng.NormFloat64() * 1e6
		}
	case 5:
		return randomString(rng)
	case 6:
		return []byte(randomString(rng))
	case 7:
		return randomMap(rng, depth+1)
	default:
		a := make([]any, rng.IntN(5))
		for i := range a {
			a[i] = randomValue(rng, depth+1)
		}
		return a
	}
}

func randomMap(rng *rand.Rand, depth int) map[string]any {
	m := map[string]any{}
	for range rng.IntN(8) {
		k := randomString(rng)
		if depth == 0 && k == "date" {
			continue
		}
		m[k] = randomValue(rng, depth)
	}
	return m
}

// sameJSON compares a value given to AppendEvent with what encoding/json
// (UseNumber) read back from the encoder's output.
func sameJSON(t *testing.T, path string, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case nil:
		if got != nil {
			t.Fatalf("%s: got %v, want null", path, got)
		}
	case bool:
		if got != w {
			t.Fatalf("%s: got %v, want %v", path, got, w)
		}
	case int64:
		if got != json.Number(itoa(w)) {
			t.Fatalf("%s: got %v, want %d", path, got, w)
		}
	case uint64:
		if got != json.Number(strconv.FormatUint(w, 10)) {
			t.Fatalf("%s: got %v, want %d", path, got, w)
		}
	case float64:
		n, ok := got.(json.Number)
		f, err := strconv.ParseFloat(string(n), 64)
		if !ok || err != nil || f != w || !strings.ContainsAny(string(n), ".e") {
			t.Fatalf("%s: got %v, want float %v", path, got, w)
		}
	case string:
		if got != w {
			t.Fatalf("%s: got %q, want %q", path, got, w)
		}
	case []byte:
		if !utf8.Valid(w) || got != string(w) {
			t.Fatalf("%s: got %q, want %q", path, got, w)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Fatalf("%s: got %v, want %v", path, got, w)
		}
		for i := range w {
			sameJSON(t, path+"["+strconv.Itoa(i)+"]", w[i], g[i])
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			t.Fatalf("%s: got %v, want %v", path, got, w)
		}
		for k, v := range w {
			gv, ok := g[k]
			if !ok {
				t.Fatalf("%s: key %q missing", path, k)
			}
			sameJSON(t, path+"."+strconv.Quote(k), v, gv)
		}
	default:
		t.Fatalf("%s: unexpected test value %T", path, want)
	}
}
