package host_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/s3append/s3append/test/e2e/host"
)

func TestSourcesCompileWithoutWarnings(t *testing.T) {
	files, err := filepath.Glob("csrc/*.c")
	if err != nil || len(files) == 0 {
		t.Fatalf("no C sources: %v", err)
	}
	args := append([]string{"-std=c11", "-fsyntax-only", "-Wall", "-Wextra", "-Werror"}, files...)
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
}

func TestPropertyLookup(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.log")
	feedPath := filepath.Join(dir, "feed.bin")
	writeFeed(t, feedPath)
	conf := writeFile(t, filepath.Join(dir, "fluent-bit.conf"), fmt.Sprintf(`
@SET from_set=setvalue
[SERVICE]
    Flush 1
# a comment line
[OUTPUT]
    Name          testplugin
    Match         *
    Alias         aliased
    Workers       0
    Retry_Limit   3
    Log_Level     info
    Host          example.com
    tls.verify    off
    net.keepalive on
    LABEL         P
    out_file      %s
    Mixed_Case    Value With  Spaces
    dup           first
    dup           second
    from_env      ${FLBHOST_TEST_VAR}
    from_set      ${from_set}
    empty         ${FLBHOST_TEST_UNSET}
    probe         label,mixed_case,MIXED_CASE,dup,from_env,from_set,empty,unset,name,match,alias,workers,retry_limit,log_level,host,tls.verify,net.keepalive
`, out))
	code, stderr := run(t, host.Run{Plugins: []string{pluginSO}, Config: conf, Feed: feedPath},
		"FLBHOST_TEST_VAR=fromenv")
	if code != 0 {
		t.Fatalf("exit status %d:\n%s", code, stderr)
	}
	want := []string{
		`prop P label "P"`,
		`prop P mixed_case "Value With  Spaces"`,
		`prop P MIXED_CASE "Value With  Spaces"`,
		`prop P dup "first"`,
		`prop P from_env "fromenv"`,
		`prop P from_set "setvalue"`,
		`prop P empty NULL`,
		`prop P unset NULL`,
		`prop P name NULL`,
		`prop P match NULL`,
		`prop P alias NULL`,
		`prop P workers NULL`,
		`prop P retry_limit NULL`,
		`prop P log_level NULL`,
		`prop P host NULL`,
		`prop P tls.verify NULL`,
		`prop P net.keepalive NULL`,
	}
	if got := withPrefix(lines(t, out), "prop "); !reflect.DeepEqual(got, want) {
		t.Fatalf("property lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(stderr, "variable ${FLBHOST_TEST_UNSET} is used but not set") {
		t.Errorf("no warning for the unset variable in:\n%s", stderr)
	}
	if !hasLine(out, "exit P") {
		t.Errorf("ExitCtx did not run at the end of the feed")
	}
}

func TestRoutingAndIndependentContexts(t *testing.T) {
	dir := t.TempDir()
	outA, outB, outC := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log"), filepath.Join(dir, "c.log")
	feedPath, ackPath := filepath.Join(dir, "feed.bin"), filepath.Join(dir, "acks.log")
	writeFeed(t, feedPath,
		entry{"app.a", 1}, entry{"app.b", 2}, entry{"sys.b", 3}, entry{"other", 4}, entry{"app", 5})
	conf := writeFile(t, filepath.Join(dir, "fluent-bit.conf"), fmt.Sprintf(`
[INPUT]
    Name tail
[OUTPUT]
    Name     testplugin
    Match    app.*
    label    A
    out_file %s
[OUTPUT]
    Name     testplugin
    Match    *.b
    label    B
    out_file %s
[OUTPUT]
    Name        testplugin
    Match_Regex ^(sys|other)
    label       C
    out_file    %s
`, outA, outB, outC))
	code, stderr := run(t, host.Run{Plugins: []string{pluginSO}, Config: conf, Feed: feedPath, Acks: ackPath})
	if code != 0 {
		t.Fatalf("exit status %d:\n%s", code, stderr)
	}
	flushed := func(path string) []string {
		var got []string
		for _, l := range withPrefix(lines(t, path), "flush ") {
			f := strings.Fields(l)
			got = append(got, f[1]+" "+f[2]+" "+field(l, "records"))
		}
		return got
	}
	// Each instance's flushes carry its own label: its remote context
	// survived the later instances' Init.
	checks := map[string][]string{
		outA: {"A app.a 1", "A app.b 2"},
		outB: {"B app.b 2", "B sys.b 3"},
		outC: {"C sys.b 3", "C other 4"},
	}
	for path, want := range checks {
		if got := flushed(path); !reflect.DeepEqual(got, want) {
			t.Errorf("%s flushes = %v, want %v", filepath.Base(path), got, want)
		}
	}
	var flushLine string
	for _, l := range lines(t, outB) {
		if strings.HasPrefix(l, "flush B sys.b ") {
			flushLine = l
		}
	}
	if want := fmt.Sprintf("%08x", crc32IEEE(chunk("sys.b", 3))); field(flushLine, "crc") != want {
		t.Errorf("sys.b chunk reached the plugin altered: %q, want crc=%s", flushLine, want)
	}
	final := finalAcks(t, ackPath)
	wantFinal := map[string]string{"0 0": "OK", "0 1": "OK", "1 1": "OK", "1 2": "OK", "2 2": "OK", "2 3": "OK"}
	if !reflect.DeepEqual(final, wantFinal) {
		t.Errorf("final acks = %v, want %v", final, wantFinal)
	}
	if !strings.Contains(stderr, "[input] section ignored") {
		t.Errorf("the [INPUT] section was not reported as ignored:\n%s", stderr)
	}
}

func TestWorkersConcurrency(t *testing.T) {
	dir := t.TempDir()
	pool, engine := filepath.Join(dir, "pool.log"), filepath.Join(dir, "engine.log")
	feedPath := filepath.Join(dir, "feed.bin")
	var entries []entry
	for i := 0; i < 6; i++ {
		entries = append(entries, entry{"pool", 1}, entry{"eng", 1})
	}
	writeFeed(t, feedPath, entries...)
	// The pool has 2 workers; the two Workers 0 instances share the single
	// engine thread, as in Fluent Bit, so they never overlap each other.
	conf := writeFile(t, filepath.Join(dir, "fluent-bit.conf"), fmt.Sprintf(`
[OUTPUT]
    Name     testplugin
    Match    pool
    Workers  2
    label    pool
    sleep_ms 150
    out_file %[1]s
[OUTPUT]
    Name     testplugin
    Match    eng
    label    e1
    sleep_ms 20
    out_file %[2]s
[OUTPUT]
    Name     testplugin
    Match    eng
    label    e2
    sleep_ms 20
    out_file %[2]s
`, pool, engine))
	code, stderr := run(t, host.Run{Plugins: []string{pluginSO}, Config: conf, Feed: feedPath})
	if code != 0 {
		t.Fatalf("exit status %d:\n%s", code, stderr)
	}
	exitLine := func(path, label string) string {
		for _, l := range lines(t, path) {
			if strings.HasPrefix(l, "exit "+label+" ") {
				return l
			}
		}
		t.Fatalf("no exit line for %s", label)
		return ""
	}
	if got := field(exitLine(pool, "pool"), "max_conc"); got != "2" {
		t.Errorf("Workers 2: max concurrent flushes = %s, want 2", got)
	}
	if got := field(exitLine(pool, "pool"), "flushes"); got != "6" {
		t.Errorf("Workers 2: flushes = %s, want 6", got)
	}
	for _, l := range withPrefix(lines(t, engine), "flush ") {
		// gconc counts all flushes in the process; an engine-thread flush
		// may overlap the pool but never the other engine-thread instance.
		if field(l, "conc") != "1" {
			t.Errorf("engine-thread flush overlapped its own instance: %s", l)
		}
	}
	if n := len(withPrefix(lines(t, engine), "flush ")); n != 12 {
		t.Errorf("engine-thread flushes = %d, want 12", n)
	}
	maxEngine := engineOverlap(t, engine)
	if maxEngine != 1 {
		t.Errorf("Workers 0 instances overlapped: %d flushes at once", maxEngine)
	}
}

// engineOverlap replays start/flush lines of one file and returns the most
// flushes that were running at once.
func engineOverlap(t *testing.T, path string) int {
	running, most := 0, 0
	for _, l := range lines(t, path) {
		switch {
		case strings.HasPrefix(l, "start "):
			running++
			most = max(most, running)
		case strings.HasPrefix(l, "flush "):
			running--
		}
	}
	return most
}
