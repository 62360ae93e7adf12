package fbfile

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// keysOf lists a section's entries as key=value@line.
func keysOf(s Section) []string {
	var out []string
	for _, e := range s.Entries {
		out = append(out, fmt.Sprintf("%s=%s@%s:%d", e.Key, e.Value, filepath.Base(s.File), e.Line))
	}
	return out
}

func TestClassicWithIncludesAndVariables(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("FBFILE_TEST_BUCKET", "from-env")
	write(t, dir, "outputs/a.conf", "[OUTPUT]\n    Name s3append\n    bucket ${FBFILE_TEST_BUCKET}\n    total_flie_size 50M\n")
	write(t, dir, "outputs/b.conf", "[OUTPUT]\n    Name  S3append\n    bucket  b-${TIER}  \n")
	main := write(t, dir, "fluent-bit.conf", `# a comment
@SET TIER=prod
[SERVICE]
    Flush 1

[INPUT]
    Name dummy

@INCLUDE outputs/*.conf
[OUTPUT]
    Name  stdout
    Match *
`)
	secs, err := Read(main)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, s := range secs {
		kinds = append(kinds, s.Kind+":"+s.Plugin())
	}
	if want := []string{"SERVICE:", "INPUT:dummy", "OUTPUT:s3append", "OUTPUT:s3append", "OUTPUT:stdout"}; !reflect.DeepEqual(kinds, want) {
		t.Fatalf("sections %v, want %v", kinds, want)
	}
	outs := Outputs(secs, "s3append")
	if got, want := keysOf(outs[0]), []string{"Name=s3append@a.conf:2", "bucket=from-env@a.conf:3", "total_flie_size=50M@a.conf:4"}; !reflect.DeepEqual(got, want) {
		t.Errorf("first output %v, want %v", got, want)
	}
	if v, _ := outs[1].Get("BUCKET"); v != "b-prod" {
		t.Errorf("bucket of the second output %q, want the @SET variable expanded: b-prod", v)
	}
}

func TestClassicIncludeCycleFails(t *testing.T) {
	dir := t.TempDir()
	main := write(t, dir, "a.conf", "@INCLUDE a.conf\n")
	if _, err := Read(main); err == nil || !strings.Contains(err.Error(), "nest deeper") {
		t.Fatalf("a file including itself: %v", err)
	}
}

func TestYAMLWithIncludesAndEnv(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "more.yaml", `pipeline:
  outputs:
    - name: s3append
      match: 'b.*'
      bucket: second
`)
	main := write(t, dir, "fluent-bit.yaml", `env:
  BUCKET: my-logs
includes:
  - more.yaml
service:
  flush: 1
pipeline:
  inputs:
    - name: dummy
  outputs:
    - name: s3append
      match: 'a.*'
      bucket: ${BUCKET}
      upload_timout: 1m
      processors:
        logs:
          - name: content_modifier
`)
	secs, err := Read(main)
	if err != nil {
		t.Fatal(err)
	}
	outs := Outputs(secs, "s3append")
	if len(outs) != 2 {
		t.Fatalf("%d s3append outputs, want 2: %+v", len(outs), secs)
	}
	// The included file is read before the rest of the including one.
	if v, _ := outs[0].Get("bucket"); v != "second" {
		t.Errorf("first output's bucket %q, want the included file's", v)
	}
	if got, want := keysOf(outs[1]), []string{"name=s3append@fluent-bit.yaml:11", "match=a.*@fluent-bit.yaml:12", "bucket=my-logs@fluent-bit.yaml:13", "upload_timout=1m@fluent-bit.yaml:14", "processors=@fluent-bit.yaml:15"}; !reflect.DeepEqual(got, want) {
		t.Errorf("second output %v, want %v", got, want)
	}
}

func TestYAMLThatIsNotAMap(t *testing.T) {
	main := write(t, t.TempDir(), "x.yaml", "- just\n- a list\n")
	if _, err := Read(main); err == nil {
		t.Fatal("a YAML list was read as a configuration")
	}
}

func TestCommandLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		file string
		outs []string // name and properties of each section
	}{
		{[]string{"fluent-bit", "-c", "/etc/fb.conf"}, "/etc/fb.conf", nil},
		{[]string{"fluent-bit", "-c/etc/fb.conf", "-e", "x.so"}, "/etc/fb.conf", nil},
		{[]string{"fluent-bit", "--config=/etc/fb.yaml"}, "/etc/fb.yaml", nil},
		{[]string{"fluent-bit", "--config", "fb.conf", "-Y"}, "fb.conf", nil},
		{[]string{"fluent-bit", "-e", "out.so", "-i", "dummy", "-p", "rate=5", "-o", "s3append", "-p", "bucket=b", "-p", "total_flie_size=5M", "-m", "*"}, "",
			[]string{"INPUT name=dummy rate=5", "OUTPUT name=s3append bucket=b total_flie_size=5M"}},
	} {
		cl := ParseCommandLine(tc.args)
		if cl.ConfigFile != tc.file {
			t.Errorf("%v: config file %q, want %q", tc.args, cl.ConfigFile, tc.file)
		}
		var outs []string
		for _, s := range cl.Sections {
			line := s.Kind
			for _, e := range s.Entries {
				line += " " + e.Key + "=" + e.Value
			}
			outs = append(outs, line)
		}
		if !reflect.DeepEqual(outs, tc.outs) {
			t.Errorf("%v: sections %q, want %q", tc.args, outs, tc.outs)
		}
	}
}
