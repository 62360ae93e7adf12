package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/tinylib/msgp/msgp"
)

func fuzzSeedChunks() [][]byte {
	full, _ := threeEvents()
	k8s, _ := k8sChunk(2 << 10)
	mixed := AppendLegacyEvent(nil, benchTime, map[string]any{"log": "x", "f": 1.5, "b": []byte{0xff}})
	mixed = append(mixed, rawEvent(msgp.AppendFloat64(nil, -1.25), true)...)
	mixed = append(mixed, rawEvent(str("bad time"), false)...)
	mixed = append(mixed, rawEvent([]byte{0xc7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8}, false)...)
	mixed = AppendRejectedEvent(mixed, benchTime, &Rejection{Reason: "why", Origin: "s3://b/k", Line: 2, Raw: []byte("a line")})
	return [][]byte{nil, full, full[:len(full)-3], k8s, mixed, {0xc1}, {0x92, 0x01}}
}

func FuzzReader(f *testing.F) {
	for _, c := range fuzzSeedChunks() {
		f.Add(c)
	}
	enc := NewJSONEncoder(JSONOptions{DateKey: "date", DateFormat: DateDouble})
	f.Fuzz(func(t *testing.T, chunk []byte) {
		r := NewReader(chunk)
		var ev Event
		var line []byte
		for calls := 0; ; calls++ {
			if calls > len(chunk)+1 {
				t.Fatalf("reader made no progress: %d calls on %d bytes", calls, len(chunk))
			}
			start := r.Offset()
			err := r.Next(&ev)
			if err == io.EOF {
				if start != len(chunk) {
					t.Fatalf("EOF at offset %d of %d", start, len(chunk))
				}
				return
			}
			var de *DecodeError
			if err != nil && !errors.As(err, &de) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if de != nil && !de.Skipped {
				if de.Offset != start {
					t.Fatalf("fatal error at offset %d, event started at %d", de.Offset, start)
				}
				if again := r.Next(&ev); again != err {
					t.Fatalf("fatal error not sticky: %v then %v", err, again)
				}
				return
			}
			end := r.Offset()
			if end <= start || !bytes.Equal(ev.Raw, chunk[start:end]) {
				t.Fatalf("event [%d,%d) has Raw of %d bytes", start, end, len(ev.Raw))
			}
			if de != nil {
				if de.Offset != start {
					t.Fatalf("skip reported at offset %d, event started at %d", de.Offset, start)
				}
				continue
			}
			if ev.Nsec < 0 || ev.Nsec >= 1e9 {
				t.Fatalf("nanoseconds %d out of range", ev.Nsec)
			}
			if msgp.NextType(ev.Record) != msgp.MapType {
				t.Fatalf("record is not a map")
			}
			var jerr error
			line, jerr = enc.AppendLine(line[:0], &ev)
			if jerr == nil && !json.Valid(line) {
				t.Fatalf("invalid JSON line %q", line)
			}
		}
	})
}

func FuzzJSONEncoder(f *testing.F) {
	k8s, _ := k8sChunk(1 << 10)
	var ev Event
	r := NewReader(k8s)
	for r.Next(&ev) == nil {
		f.Add(ev.Record, int64(ev.Sec), uint32(ev.Nsec), uint8(0))
	}
	f.Add(recordOf(str("log"), str("x\xff\n"), msgp.AppendInt64(nil, 3), msgp.AppendFloat32(nil, 1e30)), int64(-1), uint32(5), uint8(9))
	f.Add(recordOf(str("date"), msgp.AppendNil(nil), str("log"), recordOf()), int64(math.MaxInt64), uint32(999999999), uint8(27))
	f.Add(nestedMaps(maxNesting+1), int64(0), uint32(0), uint8(1))
	f.Add([]byte{0x81, 0xc1}, int64(0), uint32(0), uint8(2))
	f.Fuzz(func(t *testing.T, record []byte, sec int64, nsec uint32, mode uint8) {
		o := JSONOptions{DateFormat: DateFormat(int(mode) % len(dateFormatNames))}
		if mode&8 != 0 {
			o.DateKey = "date"
		}
		if mode&16 != 0 {
			o.LogKey = "log"
		}
		ev := &Event{Sec: sec, Nsec: int32(nsec % 1e9), Record: record}
		prefix := []byte("prefix")
		out, err := NewJSONEncoder(o).AppendLine(prefix, ev)
		if !bytes.HasPrefix(out, prefix) {
			t.Fatalf("output %q lost the bytes already in dst", out)
		}
		if err != nil {
			if len(out) != len(prefix) {
				t.Fatalf("error %v but dst grew to %q", err, out)
			}
			return
		}
		line := out[len(prefix):]
		if len(line) == 0 || line[len(line)-1] != '\n' {
			t.Fatalf("line %q does not end in a newline", line)
		}
		if o.LogKey == "" && !json.Valid(line) {
			t.Fatalf("invalid JSON line %q from record %x", line, record)
		}
	})
}
