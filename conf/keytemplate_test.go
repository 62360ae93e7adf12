package conf

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func lit(s string) KeyPart       { return KeyPart{Kind: KeyLiteral, Text: s} }
func conv(c byte) KeyPart        { return KeyPart{Kind: KeyStrftime, Conv: c} }
func tagPart(n int) KeyPart      { return KeyPart{Kind: KeyTagPart, TagIndex: n} }
func kind(k KeyPartKind) KeyPart { return KeyPart{Kind: k} }

func TestParseKeyTemplate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []KeyPart
	}{
		{"plain/key", []KeyPart{lit("plain/key")}},
		{"/fluent-bit-logs/$TAG/%Y/%m/%d/%H/%M/%S-$UUID", []KeyPart{
			lit("/fluent-bit-logs/"), kind(KeyTag), lit("/"), conv('Y'), lit("/"), conv('m'), lit("/"),
			conv('d'), lit("/"), conv('H'), lit("/"), conv('M'), lit("/"), conv('S'), lit("-"), kind(KeyUUID)}},
		{"$TAG[0]/$TAG[9]/$INDEX", []KeyPart{tagPart(0), lit("/"), tagPart(9), lit("/"), kind(KeyIndex)}},
		{"100%%/x", []KeyPart{lit("100%/x")}},
		{"%%%Y%%", []KeyPart{lit("%"), conv('Y'), lit("%")}},
		{"%j%y%b%a%p%Z%z%s", []KeyPart{conv('j'), conv('y'), conv('b'), conv('a'), conv('p'), conv('Z'), conv('z'), conv('s')}},
		// A known variable followed by letters: the variable, then literal text.
		{"$TAGS/$UUIDx/$INDEX_1", []KeyPart{kind(KeyTag), lit("S/"), kind(KeyUUID), lit("x/"), kind(KeyIndex), lit("_1")}},
		{"$TAG[1]x", []KeyPart{tagPart(1), lit("x")}},
		{"/dt=%Y-%m-%d/ünïcode", []KeyPart{lit("/dt="), conv('Y'), lit("-"), conv('m'), lit("-"), conv('d'), lit("/ünïcode")}},
	} {
		got, err := ParseKeyTemplate(tc.in)
		if err != nil {
			t.Errorf("ParseKeyTemplate(%q): %v", tc.in, err)
			continue
		}
		if got.Raw != tc.in || got.String() != tc.in {
			t.Errorf("ParseKeyTemplate(%q).Raw = %q", tc.in, got.Raw)
		}
		if !reflect.DeepEqual(got.Parts, tc.want) {
			t.Errorf("ParseKeyTemplate(%q).Parts =\n %+v\nwant\n %+v", tc.in, got.Parts, tc.want)
		}
	}
}

func TestParseKeyTemplateErrors(t *testing.T) {
	for _, tc := range []struct {
		in     string
		offset int
		reason string
	}{
		{"", 0, "empty template"},
		{"logs/%Y/%q/x", 8, `unknown strftime conversion "%q"`},
		{"logs/%F", 5, `unknown strftime conversion "%F"`},
		{"logs/%ü", 5, `unknown strftime conversion "%ü"`},
		{"logs/% Y", 5, `unknown strftime conversion "% "`},
		{"logs/%", 5, `lone "%" at the end`},
		{"a/$HOST/b", 2, `unknown variable "$HOST"`},
		{"a/$tag", 2, `unknown variable "$tag" (variables are upper case: $TAG)`},
		{"a/$Uuid", 2, "upper case: $UUID"},
		{"a/$", 2, `lone "$"`},
		{"a/$/b", 2, `lone "$"`},
		{"x$TAG[", 1, `"$TAG[" without a closing "]"`},
		{"x$TAG[10]", 1, `"$TAG[10]": the tag part index must be a single digit 0-9`},
		{"x$TAG[]", 1, "single digit"},
		{"x$TAG[a]", 1, "single digit"},
		{"x$TAG[-1]", 1, "single digit"},
	} {
		got, err := ParseKeyTemplate(tc.in)
		var te *TemplateError
		if !errors.As(err, &te) {
			t.Errorf("ParseKeyTemplate(%q) = %+v, %v; want a *TemplateError", tc.in, got, err)
			continue
		}
		if te.Offset != tc.offset || !strings.Contains(te.Reason, tc.reason) {
			t.Errorf("ParseKeyTemplate(%q): offset %d reason %q; want offset %d reason containing %q",
				tc.in, te.Offset, te.Reason, tc.offset, tc.reason)
		}
		if !strings.HasSuffix(err.Error(), " at offset "+strconv.Itoa(tc.offset)) {
			t.Errorf("ParseKeyTemplate(%q) error %q does not end with its offset", tc.in, err)
		}
	}
}

func TestKeyTemplateHas(t *testing.T) {
	for _, tc := range []struct {
		in                   string
		uuid, index, hasTime bool
	}{
		{"static/key", false, false, false},
		{"$TAG/%Y", false, false, true},
		{"$TAG/100%%", false, false, false},
		{"$TAG/$UUID", true, false, false},
		{"$TAG[2]/$INDEX", false, true, false},
		{"%s-$UUID-$INDEX", true, true, true},
	} {
		kt, err := ParseKeyTemplate(tc.in)
		if err != nil {
			t.Fatalf("ParseKeyTemplate(%q): %v", tc.in, err)
		}
		if kt.HasUUID() != tc.uuid || kt.HasIndex() != tc.index || kt.HasTime() != tc.hasTime {
			t.Errorf("%q: HasUUID %v HasIndex %v HasTime %v; want %v %v %v",
				tc.in, kt.HasUUID(), kt.HasIndex(), kt.HasTime(), tc.uuid, tc.index, tc.hasTime)
		}
	}
}

func TestKeyPartKindString(t *testing.T) {
	if KeyTagPart.String() != "tag part" || KeyStrftime.String() != "strftime" {
		t.Errorf("KeyPartKind names: %q %q", KeyTagPart, KeyStrftime)
	}
	if got := KeyPartKind(42).String(); got != "KeyPartKind(42)" {
		t.Errorf("unknown kind prints %q", got)
	}
}
