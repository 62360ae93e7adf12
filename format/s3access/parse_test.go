package s3access

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Lines in the shape of the examples in S3's documentation: the current
// format (26 fields), and with the region S3 has since appended, which is
// an unknown field here and goes to ExtraKey.
const (
	owner   = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
	docLine = owner + ` amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ` + owner +
		` 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -` +
		` s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader` +
		` amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes`
	docLineRegion = owner + ` amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ` + owner +
		` 891CE47D2EXAMPLE REST.GET.LOGGING_STATUS - "GET /amzn-s3-demo-bucket1?logging HTTP/1.1" 200 - 242 - 11 - "-" "S3Console/0.4" -` +
		` 9vKBE6vMhrNiWHZmb2L0mXOcqPGzQOI5XLnCtZNPxev+Hf+7tpT6sxDwDty4LHBUOZJG96N1234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader` +
		` amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 - - us-east-1`
	docLineObject = owner + ` amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ` + owner +
		` 7B4A0FABBEXAMPLE REST.GET.OBJECT photos/2019/08/puppy.jpg "GET /amzn-s3-demo-bucket1/photos/2019/08/puppy.jpg?x-foo=bar HTTP/1.1"` +
		` 200 - 2662992 3462992 70 10 "-" "S3Console/0.4" - 6oFE0P1VVdM+N/MmSd5bMHs5VZTuzwlu5Tg8fWuL8tgj0Aq0BMZ0rRfrz6Bk6pcJnVAJhlBqlWk=` +
		` SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 - -`
)

var docTime = time.Date(2019, 2, 6, 0, 0, 38, 0, time.UTC)

func TestDocExamples(t *testing.T) {
	d, ts := mustParse(t, docLine)
	checkKeys(t, d)
	if !ts.Equal(docTime) || ts.Location() != time.UTC {
		t.Errorf("time %v, want %v in UTC", ts, docTime)
	}
	want := map[string]any{
		"bucket_owner": owner, "bucket": "amzn-s3-demo-bucket1", "remote_ip": "192.0.2.3", "requester": owner,
		"request_id": "3E57427F3EXAMPLE", "operation": "REST.GET.VERSIONING", "key": nil,
		"request_uri": "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1", "http_status": int64(200), "error_code": nil,
		"bytes_sent": int64(113), "object_size": nil, "total_time": int64(7), "turn_around_time": nil,
		"referer": nil, "user_agent": "S3Console/0.4", "version_id": nil,
		"host_id":           "s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=",
		"signature_version": "SigV4", "cipher_suite": "ECDHE-RSA-AES128-GCM-SHA256", "authentication_type": "AuthHeader",
		"host_header": "amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com", "tls_version": "TLSV1.2",
		"access_point_arn": "arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP", "acl_required": "Yes",
	}
	sameValues(t, d, want)

	d, _ = mustParse(t, docLineRegion)
	checkKeys(t, d, ExtraKey)
	sameValues(t, d, map[string]any{"operation": "REST.GET.LOGGING_STATUS", "bytes_sent": int64(242),
		"access_point_arn": nil, "acl_required": nil, ExtraKey: "us-east-1"})

	d, _ = mustParse(t, docLineObject)
	checkKeys(t, d)
	sameValues(t, d, map[string]any{"key": "photos/2019/08/puppy.jpg", "bytes_sent": int64(2662992),
		"object_size": int64(3462992), "total_time": int64(70), "turn_around_time": int64(10),
		"request_uri": "GET /amzn-s3-demo-bucket1/photos/2019/08/puppy.jpg?x-foo=bar HTTP/1.1"})
}

// sameValues checks the values of d named in want, types included.
func sameValues(t testing.TB, d decoded, want map[string]any) {
	t.Helper()
	for k, w := range want {
		got, ok := d.vals[k]
		if !ok {
			t.Errorf("%s missing", k)
		} else if got != w {
			t.Errorf("%s = %#v, want %#v", k, got, w)
		}
	}
}

// replace returns docLine with field i (0-based, the time counting as one
// token inside its brackets) replaced by v.
func replace(t testing.TB, i int, v string) string {
	t.Helper()
	tokens := strings.Split(docLine, " ")
	// The time is two tokens, the three quoted fields have none with
	// spaces but request_uri (three).
	idx := map[int]int{0: 0, 1: 1, 3: 4, 7: 8, 9: 12, 10: 13, 11: 14, 14: 17, 15: 18, 16: 19, 17: 20, 18: 21, 25: 28}
	j, ok := idx[i]
	if !ok {
		t.Fatalf("replace: no index for field %d", i)
	}
	tokens[j] = v
	return strings.Join(tokens, " ")
}

func TestDashIsNilEverywhere(t *testing.T) {
	var b strings.Builder
	b.WriteString("- - [06/Feb/2019:00:00:38 +0000]")
	for range len(fields) - 3 {
		b.WriteString(" -")
	}
	d, _ := mustParse(t, b.String())
	checkKeys(t, d)
	for _, k := range d.keys {
		if d.vals[k] != nil {
			t.Errorf("%s = %#v, want nil", k, d.vals[k])
		}
	}
	// Quoted dashes are null too, but a dash inside a value is text.
	d, _ = mustParse(t, replace(t, 7, `my-key`))
	sameValues(t, d, map[string]any{"key": "my-key", "referer": nil})
}

func TestEscapedQuotes(t *testing.T) {
	cases := []struct{ token, want string }{
		{`"Mozilla/5.0 (X11; \"quoted\" name)"`, `Mozilla/5.0 (X11; "quoted" name)`},
		{`"a \\ backslash"`, `a \ backslash`},
		{`"ends in a backslash \\"`, `ends in a backslash \`},
		{`"\"\""`, `""`},
		{`"other \x escapes stay"`, `other \x escapes stay`},
		// An unescaped backslash at the end: the quote after it still
		// closes the value.
		{`"C:\"`, `C:\`},
		{`""`, ``},
	}
	for _, c := range cases {
		line := replace(t, 16, c.token)
		d, _ := mustParse(t, line)
		checkKeys(t, d)
		sameValues(t, d, map[string]any{"user_agent": c.want, "version_id": nil, "signature_version": "SigV4"})
	}
}

func TestStrayQuotes(t *testing.T) {
	cases := []struct {
		name  string
		field int
		token string
		want  map[string]any
	}{
		{"quote inside a plain token", 7, `we"ird"key`, map[string]any{"key": `we"ird"key`, "request_uri": "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1"}},
		{"plain token starting with a quote", 7, `"key`, map[string]any{"key": `"key`, "http_status": int64(200)}},
		{"quote inside a quoted value, no space after it", 16, `"agent "v2"(beta) x"`, map[string]any{"user_agent": `agent "v2"(beta) x`, "version_id": nil}},
		{"an opening quote that nothing closes", 16, `"S3Console/0.4`, map[string]any{"user_agent": `"S3Console/0.4`, "version_id": nil}},
		{"a quoted field without quotes", 16, `S3Console/0.4`, map[string]any{"user_agent": "S3Console/0.4", "version_id": nil}},
		{"quote in the last field", 25, `Y"es`, map[string]any{"acl_required": `Y"es`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, _ := mustParse(t, replace(t, c.field, c.token))
			checkKeys(t, d)
			sameValues(t, d, c.want)
		})
	}
}

func TestOlderLinesHaveNullTrailingFields(t *testing.T) {
	tokens := strings.Split(docLine, " ")
	// 2008–2019: through version_id (18 fields, 21 tokens); the oldest:
	// through user_agent (17 fields).
	for _, n := range []int{21, 20} {
		d, ts := mustParse(t, strings.Join(tokens[:n], " "))
		checkKeys(t, d)
		if !ts.Equal(docTime) {
			t.Errorf("%d tokens: time %v", n, ts)
		}
		sameValues(t, d, map[string]any{"user_agent": "S3Console/0.4", "host_id": nil, "signature_version": nil,
			"tls_version": nil, "acl_required": nil, "bytes_sent": int64(113)})
	}
	// A line of 2019–2020: through tls_version.
	d, _ := mustParse(t, strings.Join(tokens[:27], " ")+"\n")
	checkKeys(t, d)
	sameValues(t, d, map[string]any{"tls_version": "TLSV1.2", "access_point_arn": nil, "acl_required": nil})
}

func TestFutureFieldsGoToExtra(t *testing.T) {
	d, _ := mustParse(t, docLine+` us-east-1 "new quoted" 42`+"\r\n")
	checkKeys(t, d, ExtraKey)
	sameValues(t, d, map[string]any{"acl_required": "Yes", ExtraKey: `us-east-1 "new quoted" 42`})
}

func TestTimeOffsets(t *testing.T) {
	cases := map[string]time.Time{
		"[06/Feb/2019:00:00:38 +0000]": docTime,
		"[06/Feb/2019:02:30:38 +0230]": docTime,
		"[05/Feb/2019:19:00:38 -0500]": docTime,
		"[31/Dec/2024:23:59:59 +0000]": time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC),
		"[29/Feb/2024:12:00:00 +0000]": time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC),
	}
	for stamp, want := range cases {
		line := strings.Replace(docLine, "[06/Feb/2019:00:00:38 +0000]", stamp, 1)
		_, ts := mustParse(t, line)
		if !ts.Equal(want) || ts.Location() != time.UTC {
			t.Errorf("%s: %v, want %v in UTC", stamp, ts, want)
		}
	}
}

func TestBadLines(t *testing.T) {
	timeAt := strings.Index(docLine, "[")
	statusAt := strings.Index(docLine, " 200 ") + 1
	cases := []struct {
		name, line, field string
		offset            int
		reason            string
	}{
		{"empty", "", "bucket_owner", 0, "ends after 0 fields"},
		{"spaces", "   \n", "bucket_owner", 0, "ends after 0 fields"},
		{"two fields", owner + " bucket", TimeKey, len(owner) + 7, "ends after 2 fields"},
		{"cut after the referer", strings.Join(strings.Split(docLine, " ")[:19], " "), "user_agent", len(strings.Join(strings.Split(docLine, " ")[:19], " ")), "ends after 16 fields"},
		{"no brackets", strings.Replace(docLine, "[06/Feb/2019:00:00:38 +0000]", "06/Feb/2019:00:00:38", 1), TimeKey, timeAt, `"06/Feb/2019:00:00:38" is not a [dd/Mon/yyyy`},
		{"no closing bracket", owner + " b [06/Feb/2019:00:00:38 +0000", TimeKey, len(owner) + 3, "no closing bracket"},
		{"bad month", strings.Replace(docLine, "Feb", "Fbr", 1), TimeKey, timeAt, "is not dd/Mon/yyyy"},
		{"bad day", strings.Replace(docLine, "06/Feb", "30/Feb", 1), TimeKey, timeAt, "not a valid date"},
		{"bad hour", strings.Replace(docLine, ":00:00:38", ":24:00:38", 1), TimeKey, timeAt, "not a valid date"},
		{"no offset", strings.Replace(docLine, " +0000]", "]", 1), TimeKey, timeAt, "is not dd/Mon/yyyy"},
		{"ISO time", strings.Replace(docLine, "[06/Feb/2019:00:00:38 +0000]", "[2019-02-06T00:00:38Z]", 1), TimeKey, timeAt, "is not dd/Mon/yyyy"},
		{"before 1970", strings.Replace(docLine, "2019", "1969", 1), TimeKey, timeAt, "outside the event time range"},
		{"after 2106", strings.Replace(docLine, "2019", "2107", 1), TimeKey, timeAt, "outside the event time range"},
		{"status not a number", replace(t, 9, "OK"), "http_status", statusAt, `"OK" is not a whole number`},
		{"negative size", replace(t, 11, "-113"), "bytes_sent", statusAt + 6, `"-113" is not a whole number`},
		{"size overflows", replace(t, 11, "9223372036854775808"), "bytes_sent", statusAt + 6, "is not a whole number"},
		{"fraction", replace(t, 14, "7.5"), "turn_around_time", statusAt + 14, `"7.5" is not a whole number`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := []byte("kept")
			out, ts, err := ParseLine(dst, []byte(c.line))
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("error %v, want a *LineError", err)
			}
			if le.Field != c.field || le.Offset != c.offset || !strings.Contains(le.Reason, c.reason) {
				t.Errorf("error %q: field %s at %d, want %s at %d with %q", err, le.Field, le.Offset, c.field, c.offset, c.reason)
			}
			if !strings.Contains(err.Error(), "field "+c.field+" at byte ") {
				t.Errorf("message %q does not name the field and offset", err)
			}
			if string(out) != "kept" || !ts.IsZero() {
				t.Errorf("on error: dst %q and time %v, want dst unchanged and no time", out, ts)
			}
		})
	}
	// The limit holds for the largest size.
	d, _ := mustParse(t, replace(t, 11, "9223372036854775807"))
	sameValues(t, d, map[string]any{"bytes_sent": int64(9223372036854775807)})
}

func TestAppendsAfterDst(t *testing.T) {
	var dst []byte
	for range 3 {
		var err error
		if dst, _, err = ParseLine(dst, []byte(docLineRegion)); err != nil {
			t.Fatal(err)
		}
	}
	one, _, _ := ParseLine(nil, []byte(docLineRegion))
	if len(dst) != 3*len(one) || string(dst[2*len(one):]) != string(one) {
		t.Fatalf("three records take %d bytes, one %d", len(dst), len(one))
	}
}

func TestNoAllocations(t *testing.T) {
	lines := [][]byte{[]byte(docLine), []byte(docLineRegion), []byte(replace(t, 16, `"a \"b\" c"`)), []byte(strings.Join(strings.Split(docLine, " ")[:21], " "))}
	dst := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		for _, l := range lines {
			if _, _, err := ParseLine(dst[:0], l); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per run of %d lines, want 0", allocs, len(lines))
	}
}
