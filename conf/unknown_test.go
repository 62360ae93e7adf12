package conf

import (
	"testing"

	"github.com/s3append/s3append/conf/fbfile"
)

func TestUnknownKeySuggestsTheOptionMeant(t *testing.T) {
	for _, tc := range []struct {
		key     string
		unknown bool
		nearest string
	}{
		{"total_file_size", false, ""},
		{"Total_File_Size", false, ""},
		{"match", false, ""},
		{"Retry_Limit", false, ""},
		{"net.keepalive", false, ""},
		{"tls.verify", false, ""},
		{"total_flie_size", true, "total_file_size"},
		{"upload_timout", true, "upload_timeout"},
		{"use_path_stlye", true, "use_path_style"},
		{"compresion", true, "compression"},
		{"bucket_name", true, ""}, // not near enough to anything
		{"zz", true, ""},
	} {
		unknown, nearest := UnknownKey(tc.key)
		if unknown != tc.unknown || nearest != tc.nearest {
			t.Errorf("UnknownKey(%q) = %v, %q; want %v, %q", tc.key, unknown, nearest, tc.unknown, tc.nearest)
		}
	}
}

func section(line int, kv ...string) fbfile.Section {
	s := fbfile.Section{Kind: "OUTPUT", File: "f.conf", Line: line}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Entries = append(s.Entries, fbfile.Entry{Key: kv[i], Value: kv[i+1]})
	}
	return s
}

// The section of an output is the one in its place when its options agree
// with what Fluent Bit handed the output, else the one that agrees.
func TestOutputSectionMatchesWhatTheOutputGot(t *testing.T) {
	a := section(1, "Name", "s3append", "bucket", "a", "upload_timout", "1m")
	b := section(10, "Name", "s3append", "Bucket", "b", "total_file_size", "50M")
	secs := []fbfile.Section{a, b}
	for _, tc := range []struct {
		name     string
		slot     int
		raw      map[string]string
		wantLine int // 0: none
	}{
		{"in its place", 0, map[string]string{"bucket": "a"}, 1},
		{"second in its place", 1, map[string]string{"bucket": "b", "total_file_size": "50M"}, 10},
		{"out of place, one match", 0, map[string]string{"bucket": "b", "total_file_size": "50M"}, 10},
		{"an option the file lacks", 0, map[string]string{"bucket": "a", "region": "x"}, 0},
		{"a value that differs", 1, map[string]string{"bucket": "c", "total_file_size": "50M"}, 0},
		{"slot past the sections", 5, map[string]string{"bucket": "a"}, 1},
	} {
		s, ok := OutputSection(secs, tc.slot, tc.raw)
		if tc.wantLine == 0 {
			if ok {
				t.Errorf("%s: matched the section at line %d", tc.name, s.Line)
			}
			continue
		}
		if !ok || s.Line != tc.wantLine {
			t.Errorf("%s: got %v (line %d), want line %d", tc.name, ok, s.Line, tc.wantLine)
		}
	}
}
