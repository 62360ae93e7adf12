package format

import (
	"testing"

	"github.com/parquet-go/parquet-go"
)

// The levels are set in place with the parquet-go release this module
// requires; a release that lays Value out otherwise fails here (and the
// encoder falls back to Level, slower but right).
func TestValueLevelsSetInPlace(t *testing.T) {
	if !levelsInPlace {
		t.Fatal("parquet.Value is not laid out as valueLayout mirrors it: the encoder sets levels with Level")
	}
}

func TestAppendLeveledIsLevel(t *testing.T) {
	values := []parquet.Value{
		parquet.ByteArrayValue([]byte("a longer string value")), parquet.ByteArrayValue(nil), parquet.Int64Value(1 << 40),
		parquet.DoubleValue(-0.25), parquet.BooleanValue(false), {},
	}
	for _, inPlace := range []bool{true, false} {
		var got []parquet.Value
		var want []parquet.Value
		for i, v := range values {
			rep, def, col := i%3, i%4+1, 7*i
			if inPlace {
				got = appendLeveled(got, v, rep, def, col)
			} else {
				got = append(got, v)
				setLevelsByCopy(&got[len(got)-1], rep, def, col)
			}
			want = append(want, v.Level(rep, def, col))
		}
		for i := range want {
			g, w := got[i], want[i]
			if !parquet.Equal(g, w) || g.Kind() != w.Kind() || g.IsNull() != w.IsNull() ||
				g.RepetitionLevel() != w.RepetitionLevel() || g.DefinitionLevel() != w.DefinitionLevel() || g.Column() != w.Column() {
				t.Errorf("in place %v, value %d: %v (r%d d%d c%d), Level gives %v (r%d d%d c%d)", inPlace, i,
					g, g.RepetitionLevel(), g.DefinitionLevel(), g.Column(), w, w.RepetitionLevel(), w.DefinitionLevel(), w.Column())
			}
		}
	}
}
