package format

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestHasSpecialByte(t *testing.T) {
	plainWord := []byte("abcdefgh")
	for pos := range 8 {
		for c := range 256 {
			w := []byte(string(plainWord))
			w[pos] = byte(c)
			want := !plainASCII[c]
			if got := hasSpecialByte(binary.LittleEndian.Uint64(w)); got != want {
				t.Fatalf("byte 0x%02x at %d: hasSpecialByte = %v, want %v", c, pos, got, want)
			}
		}
	}
	rng := newTestRand(11)
	for range 200000 {
		x := rng.Uint64()
		if rng.IntN(2) == 0 {
			x &^= highBits // mostly ASCII words exercise the borrow logic
		}
		want := false
		for i := range 8 {
			want = want || !plainASCII[byte(x>>(8*i))]
		}
		if got := hasSpecialByte(x); got != want {
			t.Fatalf("word %#016x: hasSpecialByte = %v, want %v", x, got, want)
		}
	}
}

func TestJSONStringSpecialByteAtEveryPosition(t *testing.T) {
	base := strings.Repeat("0123456789abcdef", 3)
	for _, special := range []string{"\"", "\\", "\n", "\x01", "é", "\xff", "😀"} {
		for pos := 0; pos <= len(base); pos++ {
			in := base[:pos] + special + base[pos:]
			out := appendJSONString(nil, []byte(in), nil)
			var back string
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatalf("%q at %d: %s: %v", special, pos, out, err)
			}
			want := strings.ToValidUTF8(in, "\uFFFD")
			if back != want {
				t.Fatalf("%q at %d: round trip gives %q", special, pos, back)
			}
		}
	}
}

func TestJSONDateCacheAcrossEvents(t *testing.T) {
	rng := newTestRand(5)
	for _, f := range []DateFormat{DateISO8601, DateJavaSQLTimestamp} {
		layout := "2006-01-02T15:04:05.000000Z"
		if f == DateJavaSQLTimestamp {
			layout = "2006-01-02 15:04:05.000000"
		}
		enc := NewJSONEncoder(JSONOptions{DateKey: "d", DateFormat: f})
		sec := int64(1763805600)
		for range 5000 {
			// Mostly the same or the next second, sometimes far away or back.
			switch rng.IntN(10) {
			case 0:
				sec = rng.Int64N(1 << 35)
			case 1:
				sec -= int64(rng.IntN(100))
			case 2, 3:
				sec++
			}
			nsec := int32(rng.IntN(1e9))
			out, err := enc.AppendLine(nil, &Event{Sec: sec, Nsec: nsec, Record: recordOf()})
			if err != nil {
				t.Fatal(err)
			}
			want := `{"d":"` + time.Unix(sec, int64(nsec)).UTC().Format(layout) + "\"}\n"
			if string(out) != want {
				t.Fatalf("%s at %d.%09d: got %s, want %s", f, sec, nsec, out, want)
			}
		}
	}
}
