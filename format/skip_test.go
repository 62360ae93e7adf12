package format

import (
	"bytes"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// skipSeeds are values of every shape skip handles itself and some it
// leaves to msgp.
func skipSeeds() [][]byte {
	var seeds [][]byte
	add := func(b []byte) { seeds = append(seeds, b) }
	add(msgp.AppendInt(nil, 5))
	add(msgp.AppendInt(nil, -5))
	add(msgp.AppendInt(nil, -300))
	add(msgp.AppendInt64(nil, 1<<40))
	add(msgp.AppendUint64(nil, 1<<63))
	add(msgp.AppendUint(nil, 200))
	add(msgp.AppendFloat32(nil, 1.5))
	add(msgp.AppendFloat64(nil, 2.5))
	add(msgp.AppendNil(nil))
	add(msgp.AppendBool(nil, true))
	add(msgp.AppendString(nil, "short"))
	add(msgp.AppendString(nil, string(bytes.Repeat([]byte("x"), 40))))
	add(msgp.AppendString(nil, string(bytes.Repeat([]byte("y"), 300))))
	add(msgp.AppendString(nil, string(bytes.Repeat([]byte("z"), 70000))))
	add(msgp.AppendBytes(nil, []byte{1, 2, 3}))
	add(msgp.AppendBytes(nil, bytes.Repeat([]byte{7}, 300)))
	m := msgp.AppendMapHeader(nil, 2)
	m = msgp.AppendString(m, "a")
	m = msgp.AppendArrayHeader(m, 3)
	m = msgp.AppendInt(m, 1)
	m = msgp.AppendString(m, "two")
	m = msgp.AppendMapHeader(m, 0)
	m = msgp.AppendString(m, "b")
	m = msgp.AppendTime(m, time.Unix(1, 2))
	add(m)
	big := msgp.AppendArrayHeader(nil, 20)
	for i := range 20 {
		big = msgp.AppendInt(big, i)
	}
	add(big)
	bigMap := msgp.AppendMapHeader(nil, 17)
	for i := range 17 {
		bigMap = msgp.AppendString(bigMap, string(rune('a'+i)))
		bigMap = msgp.AppendInt(bigMap, i)
	}
	add(bigMap)
	deep := []byte{}
	for range 100 {
		deep = msgp.AppendArrayHeader(deep, 1)
	}
	add(msgp.AppendNil(deep))
	// Extensions of every size form: fixext 1 to 16, ext 8, 16 and 32.
	for _, n := range []int{1, 2, 4, 8, 16, 3, 300, 70000} {
		ext, _ := msgp.AppendExtension(nil, &msgp.RawExtension{Type: 9, Data: bytes.Repeat([]byte{1}, n)})
		add(ext)
		add(ext[:len(ext)-1])
	}
	add(appendEventTime(nil, 1700000000, 5))
	// 32-bit containers, as some encoders write even small ones.
	add([]byte{0xdd, 0, 0, 0, 2, 0x01, 0xa1, 'x'})
	add([]byte{0xdf, 0, 0, 0, 1, 0xa1, 'k', 0xc0})
	add([]byte{0xdd, 0xff, 0xff, 0xff, 0xff, 0x01})
	add([]byte{0xdf, 0, 0})
	// Truncated and malformed.
	add(m[:len(m)-3])
	add([]byte{0xd9})
	add([]byte{0xda, 0x01})
	add([]byte{0xdc, 0x00, 0x05, 0x01})
	add([]byte{0xc1})
	add(append([]byte{0xc1}, bytes.Repeat([]byte{0}, 300)...))
	add(msgp.AppendArrayHeader(append([]byte{}, deep...), 0))
	add(nil)
	return seeds
}

func checkSkip(t *testing.T, b []byte) {
	t.Helper()
	want, wantErr := msgp.Skip(b)
	got, gotErr := skip(b)
	if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
		t.Fatalf("skip(% x): error %v, msgp.Skip says %v", b, gotErr, wantErr)
	}
	if wantErr == nil && len(got) != len(want) {
		t.Fatalf("skip(% x) left %d bytes, msgp.Skip leaves %d", b, len(got), len(want))
	}
}

func TestSkipAgreesWithMsgp(t *testing.T) {
	for _, b := range skipSeeds() {
		checkSkip(t, b)
		checkSkip(t, append(append([]byte{}, b...), 0x01, 0xa1, 'x'))
	}
}

func FuzzSkip(f *testing.F) {
	for _, b := range skipSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkSkip(t, b) })
}
