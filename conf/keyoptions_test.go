package conf

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseRecordAndEnvParts(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []KeyPart
	}{
		{`/svc=$RECORD['service']/x`, []KeyPart{lit("/svc="), {Kind: KeyRecord, Path: []string{"service"}}, lit("/x")}},
		{`$RECORD["kubernetes"]['namespace_name']$UUID`, []KeyPart{{Kind: KeyRecord, Path: []string{"kubernetes", "namespace_name"}}, kind(KeyUUID)}},
		{`$RECORD['a']["b"]['c']['d']`, []KeyPart{{Kind: KeyRecord, Path: []string{"a", "b", "c", "d"}}}},
		// Quotes of the other kind, $, % and ] are part of a name.
		{`$RECORD["it's"]['say "hi"']['$TAG%Y]']`, []KeyPart{{Kind: KeyRecord, Path: []string{"it's", `say "hi"`, "$TAG%Y]"}}}},
		{`/${CLUSTER_1}/$TAG`, []KeyPart{lit("/"), {Kind: KeyEnv, Text: "CLUSTER_1"}, lit("/"), kind(KeyTag)}},
	} {
		got, err := ParseKeyTemplate(tc.in)
		if err != nil {
			t.Errorf("ParseKeyTemplate(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got.Parts, tc.want) {
			t.Errorf("ParseKeyTemplate(%q).Parts =\n %+v\nwant\n %+v", tc.in, got.Parts, tc.want)
		}
	}
}

func TestParseRecordAndEnvErrors(t *testing.T) {
	for _, tc := range []struct {
		in     string
		offset int
		reason string
	}{
		{"a/$RECORD/b", 2, `"$RECORD" needs a field`},
		{"a/$RECORD", 2, `"$RECORD" needs a field`},
		{"a/$RECORD[service]", 9, "must be quoted"},
		{"a/$RECORD['service]", 9, "is not closed"},
		{`a/$RECORD["service']`, 9, "is not closed"},
		{"a/$RECORD['service'", 9, `without a closing "]"`},
		{"a/$RECORD['a']['']", 14, "empty record field name"},
		{"a/$RECORD[", 9, "must be quoted"},
		{"$RECORD['a'][x", 12, "must be quoted"},
		{"a/$record['x']", 2, "upper case: $RECORD"},
		{"a/${HOME", 2, `"${" without a closing "}"`},
		{"a/${}", 2, "is not an environment variable name"},
		{"a/${1X}", 2, "is not an environment variable name"},
		{"a/${A-B}", 2, "is not an environment variable name"},
		{"a/$HOST", 2, "${ENV_VAR}"},
	} {
		_, err := ParseKeyTemplate(tc.in)
		var te *TemplateError
		if !errors.As(err, &te) || te.Offset != tc.offset || !strings.Contains(te.Reason, tc.reason) {
			t.Errorf("ParseKeyTemplate(%q) = %v; want offset %d and a reason with %q", tc.in, err, tc.offset, tc.reason)
		}
	}
}

func TestKeyTemplateHasRecordAndTag(t *testing.T) {
	k, _ := ParseKeyTemplate(`/a/$RECORD['x']/%H`)
	if !k.HasRecord() || k.HasTag() {
		t.Errorf("%s: HasRecord %v HasTag %v", k, k.HasRecord(), k.HasTag())
	}
	k, _ = ParseKeyTemplate(`/a/$TAG[1]/${X}`)
	if k.HasRecord() || !k.HasTag() {
		t.Errorf("%s: HasRecord %v HasTag %v", k, k.HasRecord(), k.HasTag())
	}
	if KeyRecord.String() != "record field" || KeyEnv.String() != "environment variable" {
		t.Errorf("kind names %q %q", KeyRecord, KeyEnv)
	}
}

func TestParseKeyOptions(t *testing.T) {
	c, err := Parse(withBucket("time_zone", "Asia/Kolkata", "s3_key_missing_value", "__HIVE_DEFAULT_PARTITION__",
		"index_format", "%04d", "static_file_path", "on", "s3_key_format", "/a/$INDEX"))
	if err != nil {
		t.Fatal(err)
	}
	if c.TimeZone.String() != "Asia/Kolkata" || c.S3KeyMissingValue != "__HIVE_DEFAULT_PARTITION__" ||
		c.IndexFormat != "%04d" || !c.StaticFilePath {
		t.Errorf("parsed %v %q %q %v", c.TimeZone, c.S3KeyMissingValue, c.IndexFormat, c.StaticFilePath)
	}
	// The zone offset is the zone's own, from the built-in database.
	if _, off := time.Date(2026, 1, 1, 0, 0, 0, 0, c.TimeZone).Zone(); off != 5*3600+1800 {
		t.Errorf("Asia/Kolkata offset %d", off)
	}
	d, err := Parse(withBucket())
	if err != nil {
		t.Fatal(err)
	}
	if d.TimeZone != time.UTC || d.S3KeyMissingValue != "_unknown" || d.IndexFormat != "%06d" || d.StaticFilePath {
		t.Errorf("defaults %v %q %q %v", d.TimeZone, d.S3KeyMissingValue, d.IndexFormat, d.StaticFilePath)
	}
}

func TestKeyOptionProblems(t *testing.T) {
	for _, tc := range []struct {
		kv   []string
		want string
	}{
		{[]string{"time_zone", "Mars/Olympus_Mons"}, `time_zone: "Mars/Olympus_Mons" is not an IANA time zone name`},
		{[]string{"time_zone", "+05:30"}, `time_zone: "+05:30" is not an IANA time zone name`},
		{[]string{"s3_key_missing_value", "a/b"}, `s3_key_missing_value: "a/b" must not contain "/"`},
		{[]string{"s3_key_missing_value", ".."}, `s3_key_missing_value: ".." must not be "." or contain ".."`},
		{[]string{"s3_key_missing_value", "."}, `must not be "." or contain ".."`},
		{[]string{"s3_key_missing_value", "a\tb"}, "must not contain control characters"},
		{[]string{"index_format", "%s"}, "must use an integer verb"},
		{[]string{"index_format", "%d-%d"}, "exactly one integer verb such as %06d (found 2)"},
		{[]string{"index_format", "part"}, "(found 0)"},
		{[]string{"index_format", "%100d"}, "width over 99"},
		{[]string{"index_format", "%-6d"}, "must use an integer verb"},
		{[]string{"index_format", "a/%d"}, `must not contain "/"`},
		{[]string{"index_format", "%06"}, "must use an integer verb"},
		{[]string{"static_file_path", "on", "s3_key_format", "/logs/$TAG/%H"},
			`static_file_path: "on" is on but s3_key_format "/logs/$TAG/%H" has neither $UUID nor $INDEX`},
		{[]string{"static_file_path", "maybe"}, `static_file_path: "maybe"`},
	} {
		_, err := Parse(withBucket(tc.kv...))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.kv, err, tc.want)
		}
	}
	for _, ok := range [][]string{
		{"index_format", "%d"}, {"index_format", "%x"}, {"index_format", "obj%%%012X"}, {"index_format", "%o"},
		{"static_file_path", "on", "s3_key_format", "/a/$UUID"}, {"static_file_path", "on", "s3_key_format", "/a/$INDEX"},
		{"static_file_path", "off", "s3_key_format", "/a/%H"},
		{"time_zone", "America/New_York"}, {"time_zone", "Etc/GMT+5"},
		{"s3_key_missing_value", "ünknown"},
	} {
		if _, err := Parse(withBucket(ok...)); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
}
