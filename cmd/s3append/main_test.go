package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runArgs(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpAndVersion(t *testing.T) {
	for _, h := range []string{"-h", "--help", "help"} {
		code, out, _ := runArgs(h)
		if code != 0 || !strings.Contains(out, "s3append check -c FILE") {
			t.Errorf("%s: exit %d, stdout %q", h, code, out)
		}
	}
	code, out, _ := runArgs("version")
	if code != 0 || !strings.HasPrefix(out, "s3append ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
	if code, _, errs := runArgs(); code != 2 || !strings.Contains(errs, "Usage") {
		t.Errorf("no arguments: exit %d, stderr %q; want usage and 2", code, errs)
	}
	if code, _, _ := runArgs("-c", "x", "extra"); code != 2 {
		t.Errorf("a stray argument: exit %d, want 2", code)
	}
}

func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// check reads the Fluent Bit configurations of the repository as a user
// would before a deploy, and lists every problem of a bad one.
func TestCheckFluentBitConfigurations(t *testing.T) {
	for _, f := range []string{"../../conf/fluent-bit.conf", "../../conf/fluent-bit.yaml", "../../conf/quickstart.conf"} {
		if code, out, errs := runArgs("check", "-c", f); code != 0 || !strings.Contains(out, "OK") {
			t.Errorf("check %s: exit %d, %s%s", f, code, out, errs)
		}
	}
	bad := write(t, "fluent-bit.conf", "[INPUT]\n    Name dummy\n\n[OUTPUT]\n    Name s3append\n    Match *\n    upload_timout 5m\n    format parket\n")
	code, _, errs := runArgs("check", "-c", bad)
	if code != 1 {
		t.Errorf("check of a bad Fluent Bit file: exit %d, want 1", code)
	}
	for _, want := range []string{`:7: s3append output 0: "upload_timout" is not an option of s3append and would be ignored; did you mean upload_timeout?`, "bucket: must be set", `format: "parket"`} {
		if !strings.Contains(errs, want) {
			t.Errorf("check does not say %q:\n%s", want, errs)
		}
	}
	yamlBad := write(t, "fluent-bit.yaml", "pipeline:\n  outputs:\n    - name: s3append\n      match: '*'\n      bucket: b\n      compresion: zstd\n")
	if code, _, errs := runArgs("check", "-c", yamlBad); code != 1 || !strings.Contains(errs, `:6: s3append output 0: "compresion"`) {
		t.Errorf("check of a bad Fluent Bit YAML file: exit %d:\n%s", code, errs)
	}
	none := write(t, "other.conf", "[OUTPUT]\n    Name stdout\n    Match *\n")
	if code, _, errs := runArgs("check", "-c", none); code != 1 || !strings.Contains(errs, "no s3append output") {
		t.Errorf("check of a file without s3append: exit %d:\n%s", code, errs)
	}
}

func TestCheckSidecarConfiguration(t *testing.T) {
	bad := write(t, "s3append.yaml", "sources:\n  - type: carrier-pigeon\noutputs:\n  - match: '*'\n")
	code, _, errs := runArgs("check", "-c", bad)
	if code != 1 || !strings.Contains(errs, `type: "carrier-pigeon" is not a source type`) || !strings.Contains(errs, "bucket: must be set") {
		t.Errorf("check of a bad sidecar file: exit %d:\n%s", code, errs)
	}
	if code, _, errs := runArgs("-c", bad); code != 1 || !strings.Contains(errs, "carrier-pigeon") {
		t.Errorf("run with a bad file: exit %d:\n%s", code, errs)
	}
	if code, _, _ := runArgs("check", "-c", filepath.Join(t.TempDir(), "missing.yaml")); code != 1 {
		t.Errorf("check of a missing file: exit %d, want 1", code)
	}
}
