package format

import (
	"unsafe"

	"github.com/parquet-go/parquet-go"
)

// Every value the encoder emits needs its repetition and definition
// levels and its column, which parquet.Value.Level sets. Level cannot be
// inlined, and it writes the three fields one byte at a time into a copy
// it then reads back whole, a stall of the store buffer on every call: a
// fifth of the encoder's time on flat records. appendLeveled writes the
// fields in place instead, through a mirror of parquet.Value's layout,
// which is checked at start against Level itself; should a parquet-go
// release lay Value out otherwise, the check fails and Level is used.

// valueLayout mirrors the fields of parquet.Value.
type valueLayout struct {
	ptr    unsafe.Pointer
	u64    uint64
	kind   int8
	def    byte
	rep    byte
	column uint16 // complemented, so that the zero Value has column -1
}

// levelsInPlace says the mirror matches parquet.Value.
var levelsInPlace = mirrorMatches()

// appendLeveled appends v at levels rep and def in column to vs. The
// levels are set on the value in place, once it is in vs: setting them on
// a copy in flight would stall as Level does.
func appendLeveled(vs []parquet.Value, v parquet.Value, rep, def, column int) []parquet.Value {
	vs = append(vs, v)
	if levelsInPlace {
		setLevels(&vs[len(vs)-1], rep, def, column)
	} else {
		setLevelsByCopy(&vs[len(vs)-1], rep, def, column)
	}
	return vs
}

// setLevels sets the levels and the column of v, which are in range: the
// schema compiler bounds them.
func setLevels(v *parquet.Value, rep, def, column int) {
	l := (*valueLayout)(unsafe.Pointer(v))
	l.rep, l.def, l.column = byte(rep), byte(def), ^uint16(column)
}

func setLevelsByCopy(v *parquet.Value, rep, def, column int) { *v = v.Level(rep, def, column) }

// mirrorMatches compares setLevels with Level on values of every kind the
// encoder writes, at levels and columns that touch every bit they use.
func mirrorMatches() bool {
	if unsafe.Sizeof(parquet.Value{}) != unsafe.Sizeof(valueLayout{}) ||
		unsafe.Alignof(parquet.Value{}) != unsafe.Alignof(valueLayout{}) {
		return false
	}
	probes := []parquet.Value{
		parquet.ByteArrayValue([]byte("probe")), parquet.Int64Value(-7), parquet.DoubleValue(1.5),
		parquet.BooleanValue(true), parquet.NullValue(),
	}
	levels := [][3]int{{0, 1, 0}, {1, 2, 3}, {parquet.MaxRepetitionLevel, parquet.MaxDefinitionLevel, parquet.MaxColumnIndex}, {0xaa, 0x55, 0x5aa5}}
	for _, p := range probes {
		for _, l := range levels {
			want := p.Level(l[0], l[1], l[2])
			got := p
			setLevels(&got, l[0], l[1], l[2])
			w, g := (*valueLayout)(unsafe.Pointer(&want)), (*valueLayout)(unsafe.Pointer(&got))
			if *w != *g || got.RepetitionLevel() != l[0] || got.DefinitionLevel() != l[1] || got.Column() != l[2] ||
				!parquet.Equal(got, want) || got.Kind() != want.Kind() || got.IsNull() != want.IsNull() {
				return false
			}
		}
	}
	return true
}
