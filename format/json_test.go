package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// recordOf builds a raw msgpack map from alternating raw keys and values,
// keeping their order.
func recordOf(kv ...[]byte) []byte {
	b := msgp.AppendMapHeader(nil, uint32(len(kv)/2))
	for _, p := range kv {
		b = append(b, p...)
	}
	return b
}

func str(s string) []byte { return msgp.AppendString(nil, s) }

func encodeLine(t *testing.T, o JSONOptions, ev *Event) string {
	t.Helper()
	out, err := NewJSONEncoder(o).AppendLine(nil, ev)
	if err != nil {
		t.Fatalf("AppendLine: %v", err)
	}
	if len(out) == 0 || out[len(out)-1] != '\n' {
		t.Fatalf("line %q does not end in a newline", out)
	}
	return string(out[:len(out)-1])
}

func TestJSONValueTypes(t *testing.T) {
	nested := recordOf(str("z"), msgp.AppendInt64(nil, 1), str("a"), msgp.AppendArrayHeader(nil, 0))
	arr := msgp.AppendArrayHeader(nil, 3)
	arr = msgp.AppendInt64(arr, 1)
	arr = msgp.AppendString(arr, "two")
	arr = msgp.AppendNil(arr)
	cases := []struct {
		name string
		v    []byte
		want string
	}{
		{"nil", msgp.AppendNil(nil), `null`},
		{"true", msgp.AppendBool(nil, true), `true`},
		{"false", msgp.AppendBool(nil, false), `false`},
		{"zero", msgp.AppendInt64(nil, 0), `0`},
		{"negative fixint", msgp.AppendInt64(nil, -32), `-32`},
		{"int8", msgp.AppendInt64(nil, -100), `-100`},
		{"uint8", []byte{0xcc, 255}, `255`},
		{"int64 max", msgp.AppendInt64(nil, math.MaxInt64), `9223372036854775807`},
		{"int64 min", msgp.AppendInt64(nil, math.MinInt64), `-9223372036854775808`},
		{"uint64 max", msgp.AppendUint64(nil, math.MaxUint64), `18446744073709551615`},
		{"float", msgp.AppendFloat64(nil, 1.5), `1.5`},
		{"float tenth", msgp.AppendFloat64(nil, 0.1), `0.1`},
		{"float whole", msgp.AppendFloat64(nil, 3), `3.0`},
		{"float negative zero", msgp.AppendFloat64(nil, math.Copysign(0, -1)), `-0.0`},
		{"float large", msgp.AppendFloat64(nil, 1e21), `1e+21`},
		{"float below 1e21", msgp.AppendFloat64(nil, 1e20), `100000000000000000000.0`},
		{"float small", msgp.AppendFloat64(nil, 1e-7), `1e-7`},
		{"float max", msgp.AppendFloat64(nil, math.MaxFloat64), `1.7976931348623157e+308`},
		{"float NaN", msgp.AppendFloat64(nil, math.NaN()), `null`},
		{"float +Inf", msgp.AppendFloat64(nil, math.Inf(1)), `null`},
		{"float -Inf", msgp.AppendFloat64(nil, math.Inf(-1)), `null`},
		{"float32", msgp.AppendFloat32(nil, 0.1), `0.1`},
		{"float32 whole", msgp.AppendFloat32(nil, 3), `3.0`},
		{"float32 NaN", msgp.AppendFloat32(nil, float32(math.NaN())), `null`},
		{"string", str("hi"), `"hi"`},
		{"empty string", str(""), `""`},
		{"bin", msgp.AppendBytes(nil, []byte("raw")), `"raw"`},
		{"bin invalid utf-8", msgp.AppendBytes(nil, []byte{'a', 0xff, 'b'}), "\"a\uFFFDb\""},
		{"event time", []byte{0xd7, 0, 0x69, 0x21, 0x89, 0xa0, 0x1d, 0xcd, 0x65, 0x00}, `1763805600.5`},
		{"event time whole", []byte{0xd7, 0, 0x69, 0x21, 0x89, 0xa0, 0, 0, 0, 0}, `1763805600.0`},
		{"event time ext8", []byte{0xc7, 8, 0, 0x69, 0x21, 0x89, 0xa0, 0x1d, 0xcd, 0x65, 0x00}, `1763805600.5`},
		{"other ext", []byte{0xd4, 7, 1}, `null`},
		{"msgpack timestamp ext", msgp.AppendTime(nil, time.Unix(1, 0)), `null`},
		{"ext32", []byte{0xc9, 0, 0, 0, 2, 9, 1, 2}, `null`},
		{"map keeps order", nested, `{"z":1,"a":[]}`},
		{"empty map", msgp.AppendMapHeader(nil, 0), `{}`},
		{"array", arr, `[1,"two",null]`},
	}
	for _, c := range cases {
		ev := Event{Record: recordOf(str("v"), c.v)}
		got := encodeLine(t, JSONOptions{}, &ev)
		want := `{"v":` + c.want + `}`
		if got != want {
			t.Errorf("%s: got %s, want %s", c.name, got, want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("%s: %s is not valid JSON", c.name, got)
		}
	}
}

func TestJSONStringEscaping(t *testing.T) {
	cases := []struct{ in, want string }{
		{`plain text`, `"plain text"`},
		{"quote\" backslash\\ slash/", `"quote\" backslash\\ slash/"`},
		{"nl\n cr\r tab\t bs\b ff\f", `"nl\n cr\r tab\t bs\b ff\f"`},
		{"nul\x00 unit\x1f del\x7f", "\"nul\\u0000 unit\\u001f del\x7f\""},
		{"<html> & </html>", `"<html> & </html>"`},
		{"héllo ✓ 😀 \u2028", "\"héllo ✓ 😀 \u2028\""},
		{"bad \xff byte", "\"bad \uFFFD byte\""},
		{"cut \xe2\x82", "\"cut \uFFFD\uFFFD\""},
		{"surrogate \xed\xa0\x80", "\"surrogate \uFFFD\uFFFD\uFFFD\""},
		{"\xc0\xaf overlong", "\"\uFFFD\uFFFD overlong\""},
	}
	for _, c := range cases {
		got := string(appendJSONString(nil, []byte(c.in), nil))
		if got != c.want {
			t.Errorf("%q: got %s, want %s", c.in, got, c.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("%q: encoding/json rejects %s: %v", c.in, got, err)
		}
	}
}

func TestJSONNonStringKeys(t *testing.T) {
	rec := recordOf(
		msgp.AppendInt64(nil, 1), str("int"),
		msgp.AppendInt64(nil, -2), str("neg"),
		msgp.AppendUint64(nil, math.MaxUint64), str("uint"),
		msgp.AppendFloat64(nil, 2.5), str("float"),
		msgp.AppendBool(nil, true), str("bool"),
		msgp.AppendNil(nil), str("nil"),
		msgp.AppendBytes(nil, []byte("bin\"key")), str("bin"),
		[]byte{0xd7, 0, 0x69, 0x21, 0x89, 0xa0, 0x1d, 0xcd, 0x65, 0x00}, str("time"),
		[]byte{0xd4, 7, 1}, str("ext"),
	)
	got := encodeLine(t, JSONOptions{}, &Event{Record: rec})
	want := `{"1":"int","-2":"neg","18446744073709551615":"uint","2.5":"float","true":"bool",` +
		`"null":"nil","bin\"key":"bin","1763805600.5":"time","null":"ext"}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestJSONCompositeKeysRejected(t *testing.T) {
	arrayKey := append(msgp.AppendArrayHeader(nil, 1), str("x")...)
	// Keys within keys, 64 deep: stringifying would escape each level once
	// more and double the output every time.
	deep := recordOf(str("k"), str("v"))
	for range 64 {
		deep = recordOf(deep, str("v"))
	}
	for name, rec := range map[string][]byte{
		"map key":   recordOf(str("ok"), str("v"), recordOf(str("a"), msgp.AppendInt64(nil, 1)), str("map")),
		"array key": recordOf(str("n"), recordOf(arrayKey, str("array"))),
		"deep keys": deep,
	} {
		out, err := NewJSONEncoder(JSONOptions{}).AppendLine([]byte("x"), &Event{Record: rec})
		if err == nil || !strings.Contains(err.Error(), "map key is a msgpack") {
			t.Errorf("%s: err = %v, want a composite-key error", name, err)
		}
		if string(out) != "x" {
			t.Errorf("%s: dst = %q after error", name, out)
		}
	}
}

func TestJSONDateFormats(t *testing.T) {
	at := func(sec int64, nsec int32) *Event {
		return &Event{Sec: sec, Nsec: nsec, Record: recordOf(str("log"), str("x"))}
	}
	cases := []struct {
		format DateFormat
		ev     *Event
		want   string
	}{
		{DateISO8601, at(1763805600, 123456789), `"2025-11-22T10:00:00.123456Z"`},
		{DateISO8601, at(1763805600, 0), `"2025-11-22T10:00:00.000000Z"`},
		{DateISO8601, at(-1, 999999999), `"1969-12-31T23:59:59.999999Z"`},
		{DateEpoch, at(1763805600, 999999999), `1763805600`},
		{DateEpochMs, at(1763805600, 123456789), `1763805600123`},
		{DateEpochMs, at(-1, 500000000), `-500`},
		{DateDouble, at(1763805600, 123456789), `1763805600.123457`},
		{DateDouble, at(1763805600, 123456000), `1763805600.123456`},
		{DateDouble, at(1763805600, 500000000), `1763805600.5`},
		{DateDouble, at(1763805600, 0), `1763805600.0`},
		{DateDouble, at(1763805600, 1), `1763805600.0`},
		{DateDouble, at(-2, 500000000), `-1.5`},
		{DateJavaSQLTimestamp, at(1763805600, 123456789), `"2025-11-22 10:00:00.123456"`},
	}
	for _, c := range cases {
		got := encodeLine(t, JSONOptions{DateKey: "date", DateFormat: c.format}, c.ev)
		want := `{"date":` + c.want + `,"log":"x"}`
		if got != want {
			t.Errorf("%s at %d.%09d: got %s, want %s", c.format, c.ev.Sec, c.ev.Nsec, got, want)
		}
	}
}

func TestJSONDateKeyFirstAndUnique(t *testing.T) {
	rec := recordOf(
		str("zeta"), msgp.AppendInt64(nil, 1),
		str("@ts"), str("from the record"),
		str("alpha"), msgp.AppendInt64(nil, 2),
	)
	ev := &Event{Sec: 1763805600, Record: rec}
	got := encodeLine(t, JSONOptions{DateKey: "@ts", DateFormat: DateEpoch}, ev)
	if want := `{"@ts":1763805600,"zeta":1,"alpha":2}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// The clash is also caught when the record's field comes first.
	rec = recordOf(str("@ts"), str("x"), str("a"), msgp.AppendInt64(nil, 1))
	got = encodeLine(t, JSONOptions{DateKey: "@ts", DateFormat: DateEpoch}, &Event{Sec: 5, Record: rec})
	if want := `{"@ts":5,"a":1}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// Only the top level: a nested field of that name stays.
	rec = recordOf(str("n"), recordOf(str("@ts"), msgp.AppendInt64(nil, 1)))
	got = encodeLine(t, JSONOptions{DateKey: "@ts", DateFormat: DateEpoch}, &Event{Sec: 5, Record: rec})
	if want := `{"@ts":5,"n":{"@ts":1}}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// A date key that needs escaping, and an empty record.
	got = encodeLine(t, JSONOptions{DateKey: "d\"k", DateFormat: DateEpoch}, &Event{Sec: 5, Record: recordOf()})
	if want := `{"d\"k":5}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// Without a date key the record is written alone.
	got = encodeLine(t, JSONOptions{}, &Event{Sec: 5, Record: recordOf()})
	if got != `{}` {
		t.Errorf("got %s, want {}", got)
	}
}

func TestJSONLogKey(t *testing.T) {
	rec := recordOf(
		str("stream"), str("stdout"),
		str("log"), str("raw \"line\"\twith tab"),
		str("kube"), recordOf(str("pod"), str("p-1")),
		str("n"), msgp.AppendInt64(nil, 42),
		str("bin"), msgp.AppendBytes(nil, []byte("bytes\xff")),
	)
	cases := []struct{ key, want string }{
		{"log", "raw \"line\"\twith tab"},
		{"kube", `{"pod":"p-1"}`},
		{"n", `42`},
		{"bin", "bytes\xff"},
	}
	for _, c := range cases {
		got := encodeLine(t, JSONOptions{LogKey: c.key, DateKey: "date"}, &Event{Record: rec})
		if got != c.want {
			t.Errorf("log_key %q: got %q, want %q", c.key, got, c.want)
		}
	}
	enc := NewJSONEncoder(JSONOptions{LogKey: "message"})
	dst := []byte("prefix")
	out, err := enc.AppendLine(dst, &Event{Record: rec})
	if !errors.Is(err, ErrNoLogKey) || !strings.Contains(err.Error(), `"message"`) {
		t.Fatalf("err = %v, want ErrNoLogKey naming the key", err)
	}
	if string(out) != "prefix" {
		t.Fatalf("dst after error = %q, want it unchanged", out)
	}
}

func nestedMaps(levels int) []byte {
	// levels counts the record itself: {"k":{"k":...{"k":1}}}.
	var b []byte
	for range levels {
		b = msgp.AppendMapHeader(b, 1)
		b = msgp.AppendString(b, "k")
	}
	return msgp.AppendInt64(b, 1)
}

func TestJSONDeepNesting(t *testing.T) {
	for _, levels := range []int{64, maxNesting} {
		got := encodeLine(t, JSONOptions{DateKey: "date"}, &Event{Record: nestedMaps(levels)})
		if !json.Valid([]byte(got)) || strings.Count(got, "{") != levels {
			t.Fatalf("%d levels: bad output %.80s...", levels, got)
		}
	}
	for _, levels := range []int{maxNesting + 1, 100000} {
		_, err := NewJSONEncoder(JSONOptions{}).AppendLine(nil, &Event{Record: nestedMaps(levels)})
		if !errors.Is(err, ErrTooDeep) {
			t.Fatalf("%d levels: err = %v, want ErrTooDeep", levels, err)
		}
	}
	// Arrays count too.
	b := msgp.AppendMapHeader(nil, 1)
	b = msgp.AppendString(b, "a")
	for range maxNesting {
		b = msgp.AppendArrayHeader(b, 1)
	}
	b = msgp.AppendNil(b)
	if _, err := NewJSONEncoder(JSONOptions{}).AppendLine(nil, &Event{Record: b}); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("deep arrays: err = %v, want ErrTooDeep", err)
	}
}

func TestJSONMalformedRecord(t *testing.T) {
	rec := recordOf(str("a"), msgp.AppendInt64(nil, 1), str("b"), str("long enough string"))
	enc := NewJSONEncoder(JSONOptions{DateKey: "date"})
	for cut := 0; cut < len(rec); cut++ {
		dst := []byte("keep")
		out, err := enc.AppendLine(dst, &Event{Record: rec[:cut]})
		if err == nil {
			t.Fatalf("cut %d: no error for a truncated record", cut)
		}
		if string(out) != "keep" {
			t.Fatalf("cut %d: dst = %q after error, want it unchanged", cut, out)
		}
	}
	_, err := enc.AppendLine(nil, &Event{Record: str("not a map")})
	if err == nil || !strings.Contains(err.Error(), "not a map") {
		t.Fatalf("string record: err = %v", err)
	}
	bad := recordOf(str("a"), []byte{0xc1})
	_, err = enc.AppendLine(nil, &Event{Record: bad})
	if err == nil || !strings.Contains(err.Error(), "byte 3") {
		t.Fatalf("invalid type byte: err = %v, want its offset (3)", err)
	}
}

func TestJSONAppendsAfterExistingBytes(t *testing.T) {
	enc := NewJSONEncoder(JSONOptions{})
	var dst []byte
	var err error
	for i := range 3 {
		ev := &Event{Record: recordOf(str("i"), msgp.AppendInt64(nil, int64(i)))}
		if dst, err = enc.AppendLine(dst, ev); err != nil {
			t.Fatal(err)
		}
	}
	if want := "{\"i\":0}\n{\"i\":1}\n{\"i\":2}\n"; string(dst) != want {
		t.Fatalf("got %q, want %q", dst, want)
	}
}

func TestJSONEncoderDoesNotAllocate(t *testing.T) {
	chunk, n := k8sChunk(64 << 10)
	events := make([]Event, 0, n)
	r := NewReader(chunk)
	for {
		var ev Event
		if r.Next(&ev) != nil {
			break
		}
		events = append(events, ev)
	}
	// Exercise a stringified key too, which uses the scratch buffer.
	events = append(events, Event{Record: recordOf(msgp.AppendInt64(nil, 12345), str("v"))})
	for f := range dateFormatNames {
		for _, logKey := range []string{"", "log", "kubernetes"} {
			enc := NewJSONEncoder(JSONOptions{DateKey: "date", DateFormat: DateFormat(f), LogKey: logKey})
			dst := make([]byte, 0, 4<<20)
			allocs := testing.AllocsPerRun(10, func() {
				dst = dst[:0]
				for i := range events {
					var err error
					if dst, err = enc.AppendLine(dst, &events[i]); err != nil && !errors.Is(err, ErrNoLogKey) {
						t.Fatal(err)
					}
				}
			})
			if allocs != 0 {
				t.Errorf("date format %s, log_key %q: %v allocations per chunk, want 0", DateFormat(f), logKey, allocs)
			}
		}
	}
}

func TestParseDateFormat(t *testing.T) {
	cases := map[string]DateFormat{
		"iso8601": DateISO8601, "epoch": DateEpoch, "epoch_ms": DateEpochMs,
		"double": DateDouble, "java_sql_timestamp": DateJavaSQLTimestamp,
		"ISO8601": DateISO8601, " Epoch_Millis ": DateEpochMs, "epoch_milliseconds": DateEpochMs,
	}
	for in, want := range cases {
		got, err := ParseDateFormat(in)
		if err != nil || got != want {
			t.Errorf("ParseDateFormat(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "rfc3339", "epochs"} {
		if _, err := ParseDateFormat(in); err == nil || !strings.Contains(err.Error(), "json_date_format") {
			t.Errorf("ParseDateFormat(%q) error = %v, want one naming json_date_format", in, err)
		}
	}
	for f, name := range dateFormatNames {
		if DateFormat(f).String() != name {
			t.Errorf("DateFormat(%d).String() = %q, want %q", f, DateFormat(f), name)
		}
	}
}

// TestJSONRoundTripRandom checks each line against encoding/json's
// reading of it, over random records.
func TestJSONRoundTripRandom(t *testing.T) {
	rng := newTestRand(7)
	enc := NewJSONEncoder(JSONOptions{DateKey: "date", DateFormat: DateEpochMs})
	var chunk, out []byte
	var want []map[string]any
	for i := range 2000 {
		rec := randomMap(rng, 0)
		want = append(want, rec)
		chunk = AppendEvent(chunk, benchTime.Add(time.Duration(i)*time.Second), nil, rec)
	}
	r := NewReader(chunk)
	var ev Event
	for i := 0; r.Next(&ev) == nil; i++ {
		var err error
		start := len(out)
		if out, err = enc.AppendLine(out, &ev); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		line := out[start : len(out)-1]
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		var got map[string]any
		if err := d.Decode(&got); err != nil {
			t.Fatalf("record %d: encoding/json rejects %s: %v", i, line, err)
		}
		wantDate := benchTime.Add(time.Duration(i) * time.Second).UnixMilli()
		if got["date"] != json.Number(itoa(wantDate)) {
			t.Fatalf("record %d: date = %v, want %d", i, got["date"], wantDate)
		}
		delete(got, "date")
		sameJSON(t, "record", want[i], got)
	}
	if n := bytes.Count(out, []byte{'\n'}); n != 2000 {
		t.Fatalf("%d lines, want 2000", n)
	}
}
