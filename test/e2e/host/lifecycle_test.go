package host_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/s3append/s3append/test/e2e/feed"
	"github.com/s3append/s3append/test/e2e/host"
)

func TestInitFailureExits1(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.log")
	conf := writeFile(t, filepath.Join(dir, "fluent-bit.conf"), fmt.Sprintf(`
[OUTPUT]
    Name     testplugin
    Match    *
    label    good
    out_file %[1]s
[OUTPUT]
    Name      testplugin
    Match     *
    label     bad
    fail_init true
    out_file  %[1]s
[OUTPUT]
    Name     testplugin
    Match    *
    label    never
    out_file %[1]s
`, out))
	code, stderr := run(t, host.Run{Plugins: []string{pluginSO}, Config: conf})
	if code != 1 {
		t.Fatalf("exit status %d, want 1:\n%s", code, stderr)
	}
	for _, want := range []string{
		"[error] [go proxy]: plugin 'testplugin' failed to initialize",
		"[error] [output] could not initialize 'testplugin' plugin",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !hasLine(out, "init good") || !hasLine(out, "init-failed bad") {
		t.Errorf("Init calls not in file order: %q", lines(t, out))
	}
	if hasLine(out, "init never") {
		t.Errorf("an instance after the failed one was initialized")
	}
	if !hasLine(out, "exit good") {
		t.Errorf("the initialized instance did not get its exit callback")
	}
}

func TestSIGTERMFinishesInFlightFlush(t *testing.T) {
	dir := t.TempDir()
	out, ackPath := filepath.Join(dir, "out.log"), filepath.Join(dir, "acks.log")
	conf := writeFile(t, filepath.Join(dir, "fluent-bit.conf"), fmt.Sprintf(`
[OUTPUT]
    Name     testplugin
    Match    *
    label    S
    sleep_ms 400
    out_file %s
`, out))
	p := start(t, host.Run{Plugins: []string{pluginSO}, Config: conf, Feed: "-", Acks: ackPath, Grace: 5 * time.Second})
	w := feed.NewWriter(p.stdin)
	for _, tag := range []string{"first", "second"} {
		if err := w.Write(tag, chunk(tag, 1)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the first flush to start", func() bool { return hasLine(out, "start S first") })
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit status %d, want 0:\n%s", code, p.stderr.String())
	}
	if got := ackStrings(acks(t, ackPath)); len(got) != 1 || got[0] != "OK 0 0" {
		t.Errorf("acks = %v, want only the in-flight entry: [OK 0 0]", got)
	}
	if hasLine(out, "start S second") {
		t.Errorf("a queued entry was flushed after SIGTERM")
	}
	if !hasLine(out, "exit S") || field(strings.Join(withPrefix(lines(t, out), "exit S"), ""), "preexit") != "1" {
		t.Errorf("exit sequence incomplete: %q", lines(t, out))
	}
	stderr := p.stderr.String()
	for _, want := range []string{"[engine] caught signal (SIGTERM)", "service will stop in 5 seconds", "(1 pending tasks)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestShutdownOverGraceExits2(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.log")
	conf := writeFile(t, filepath.Join(dir, "fluent-bit.conf"), fmt.Sprintf(`
[SERVICE]
    Grace 1
[OUTPUT]
    Name          testplugin
    Match         *
    label         G
    exit_sleep_ms 20000
    out_file      %s
`, out))
	p := start(t, host.Run{Plugins: []string{pluginSO}, Config: conf})
	waitFor(t, "Init", func() bool { return hasLine(out, "init G") })
	began := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 15*time.Second); code != 2 {
		t.Fatalf("exit status %d, want 2:\n%s", code, p.stderr.String())
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("took %v to give up after a 1 s grace", took)
	}
	if !strings.Contains(p.stderr.String(), "did not finish within the grace period of 1 seconds") {
		t.Errorf("no grace log line:\n%s", p.stderr.String())
	}
	if !hasLine(out, "exit-start G") || hasLine(out, "exit G") {
		t.Errorf("want ExitCtx started and cut short: %q", lines(t, out))
	}
}

func TestSecondSignalExitsAtOnce(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.log")
	conf := writeFile(t, filepath.Join(dir, "fluent-bit.conf"), fmt.Sprintf(`
[OUTPUT]
    Name          testplugin
    Match         *
    label         D
    exit_sleep_ms 60000
    out_file      %s
`, out))
	p := start(t, host.Run{Plugins: []string{pluginSO}, Config: conf, Grace: 120 * time.Second})
	waitFor(t, "Init", func() bool { return hasLine(out, "init D") })
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ExitCtx to begin", func() bool { return hasLine(out, "exit-start D") })
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 20*time.Second); code != 2 {
		t.Fatalf("exit status %d, want 2:\n%s", code, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "caught signal (SIGTERM) again") {
		t.Errorf("no second-signal log line:\n%s", p.stderr.String())
	}
}

func TestStreamingStdin(t *testing.T) {
	dir := t.TempDir()
	ackPath := filepath.Join(dir, "acks.log")
	conf := writeFile(t, filepath.Join(dir, "fluent-bit.conf"), fmt.Sprintf(`
[OUTPUT]
    Name     testplugin
    Match    *
    out_file %s
`, filepath.Join(dir, "out.log")))
	p := start(t, host.Run{Plugins: []string{pluginSO}, Config: conf, Feed: "-", Acks: ackPath})
	w := feed.NewWriter(p.stdin)
	for i := 0; i < 3; i++ {
		if err := w.Write("s", chunk("s", i+1)); err != nil {
			t.Fatal(err)
		}
		// Each entry is acknowledged while stdin is still open.
		want := fmt.Sprintf("OK 0 %d", i)
		waitFor(t, want, func() bool {
			data, _ := os.ReadFile(ackPath)
			return strings.Contains(string(data), want+"\n")
		})
	}
	if err := p.stdin.Close(); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit status %d:\n%s", code, p.stderr.String())
	}
	if n := len(acks(t, ackPath)); n != 3 {
		t.Errorf("%d acks, want 3", n)
	}
}

func TestBadFeeds(t *testing.T) {
	dir := t.TempDir()
	conf := writeFile(t, filepath.Join(dir, "fluent-bit.conf"), fmt.Sprintf(`
[OUTPUT]
    Name     testplugin
    Match    *
    out_file %s
`, filepath.Join(dir, "out.log")))
	good := filepath.Join(dir, "good.bin")
	writeFeed(t, good, entry{"a", 1}, entry{"b", 1})
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated chunk", whole[:len(whole)-3], "entry 1 ends inside its chunk"},
		{"truncated header", append(append([]byte{}, whole...), 5, 0), "entry 2 ends inside its tag length"},
		{"chunk over 1 GiB", append(append([]byte{}, whole...), 1, 0, 0, 0, 'x', 1, 0, 0, 0x40),
			"entry 2 at byte offset " + fmt.Sprint(len(whole)) + " has chunk length 1073741825, over the limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path, ackPath := filepath.Join(t.TempDir(), "feed.bin"), filepath.Join(t.TempDir(), "acks.log")
			writeFile(t, path, string(c.data))
			code, stderr := run(t, host.Run{Plugins: []string{pluginSO}, Config: conf, Feed: path, Acks: ackPath})
			if code != 1 {
				t.Fatalf("exit status %d, want 1:\n%s", code, stderr)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr lacks %q:\n%s", c.want, stderr)
			}
			if got := finalAcks(t, ackPath); got["0 0"] != "OK" {
				t.Errorf("entries before the bad one were not flushed: %v", got)
			}
		})
	}
}

func TestPluginsFileAndConfigErrors(t *testing.T) {
	dir := t.TempDir()
	soDir := filepath.Join(dir, "lib")
	if err := os.Mkdir(soDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(pluginSO, filepath.Join(soDir, "testplugin.so")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "plugins.conf"), "[PLUGINS]\n    Path lib/testplugin.so\n")
	out := filepath.Join(dir, "out.log")
	feedPath := filepath.Join(dir, "feed.bin")
	writeFeed(t, feedPath, entry{"x", 1})
	conf := writeFile(t, filepath.Join(dir, "fluent-bit.conf"), fmt.Sprintf(`
[SERVICE]
    plugins_file plugins.conf
[OUTPUT]
    Name     testplugin
    Match    *
    out_file %s
`, out))
	// Run from elsewhere: relative paths resolve against the config's directory.
	cmd := host.Run{Config: conf, Feed: feedPath}.Command(hostBin)
	cmd.Dir = t.TempDir()
	if outb, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("host with plugins_file: %v\n%s", err, outb)
	}
	if len(withPrefix(lines(t, out), "flush ")) != 1 {
		t.Errorf("plugin from plugins_file did not flush: %q", lines(t, out))
	}

	errCases := []struct{ name, conf, want string }{
		{"unknown plugin", "[OUTPUT]\n    Name nosuch\n    Match *\n", "plugin name that doesn't exist: nosuch"},
		{"missing name", "[OUTPUT]\n    Match *\n", "missing the 'name' property"},
		{"bad workers", "[OUTPUT]\n    Name testplugin\n    Workers two\n", "workers 'two' must be an integer"},
		{"unknown section", "[OUTPUTS]\n    Name testplugin\n", "unknown section [outputs]"},
		{"no value", "[OUTPUT]\n    Name testplugin\n    Match\n", "key 'Match' has no value"},
		{"include", "@INCLUDE other.conf\n", "not supported"},
	}
	for _, c := range errCases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, filepath.Join(t.TempDir(), "bad.conf"), c.conf)
			code, stderr := run(t, host.Run{Plugins: []string{pluginSO}, Config: path})
			if code != 1 || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr lacks %q:\n%s", code, c.want, stderr)
			}
		})
	}
}

func TestMemoryLimitPausesTheFeed(t *testing.T) {
	dir := t.TempDir()
	out, feedPath := filepath.Join(dir, "out.log"), filepath.Join(dir, "feed.bin")
	// Each chunk is over half of the 1 MiB limit, so only one can be held
	// at a time: the second worker never gets work while the first flushes.
	var entries []entry
	for i := 0; i < 4; i++ {
		entries = append(entries, entry{"big", 20000})
	}
	writeFeed(t, feedPath, entries...)
	if n := len(chunk("big", 20000)); n <= 1<<19 || n > 1<<20 {
		t.Fatalf("chunk is %d bytes, want between 512 KiB and 1 MiB", n)
	}
	conf := writeFile(t, filepath.Join(dir, "fluent-bit.conf"), fmt.Sprintf(`
[OUTPUT]
    Name     testplugin
    Match    *
    Workers  2
    label    M
    sleep_ms 100
    out_file %s
`, out))
	code, stderr := run(t, host.Run{Plugins: []string{pluginSO}, Config: conf, Feed: feedPath, MemLimit: 1})
	if code != 0 {
		t.Fatalf("exit status %d:\n%s", code, stderr)
	}
	exit := withPrefix(lines(t, out), "exit M ")
	if len(exit) != 1 || field(exit[0], "max_conc") != "1" || field(exit[0], "flushes") != "4" {
		t.Errorf("exit line %q: want flushes=4 max_conc=1 under a 1 MiB limit", exit)
	}
}

func TestMissingPluginFile(t *testing.T) {
	dir := t.TempDir()
	conf := writeFile(t, filepath.Join(dir, "fluent-bit.conf"), "[OUTPUT]\n    Name testplugin\n    Match *\n")
	code, stderr := run(t, host.Run{Plugins: []string{filepath.Join(dir, "nope.so")}, Config: conf})
	if code != 1 || !strings.Contains(stderr, "[proxy] error opening plugin "+filepath.Join(dir, "nope.so")) {
		t.Errorf("exit %d; stderr:\n%s", code, stderr)
	}
}

// -x reloads as Fluent Bit's hot reload does: the entries routed so far
// are flushed, every output's exit callback runs (told it is a reload),
// and the outputs are initialized again in file order, in the same
// process; the feed then goes on into the new instances.
func TestReloadExitsAndInitsAgain(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.log")
	feedPath := filepath.Join(dir, "feed.bin")
	writeFeed(t, feedPath, entry{"a", 2}, entry{"a", 2}, entry{"a", 2}, entry{"a", 2}, entry{"a", 2})
	ackPath := filepath.Join(dir, "acks.log")
	conf := writeFile(t, filepath.Join(dir, "fluent-bit.conf"), fmt.Sprintf(`
[OUTPUT]
    Name     testplugin
    Match    *
    label    A
    out_file %[1]s
[OUTPUT]
    Name     testplugin
    Match    *
    label    B
    out_file %[1]s
`, out))
	code, stderr := run(t, host.Run{Plugins: []string{pluginSO}, Config: conf, Feed: feedPath, Acks: ackPath, ReloadAfter: 3})
	if code != 0 {
		t.Fatalf("exit status %d:\n%s", code, stderr)
	}
	var seq []string
	for _, l := range lines(t, out) {
		if f := strings.Fields(l); len(f) >= 2 && (f[0] == "init" || f[0] == "exit") {
			seq = append(seq, f[0]+" "+f[1]+" flushes="+field(l, "flushes")+" reload="+field(l, "reload"))
		}
	}
	want := []string{
		"init A flushes= reload=", "init B flushes= reload=",
		"exit A flushes=3 reload=1", "exit B flushes=3 reload=1",
		"init A flushes= reload=", "init B flushes= reload=",
		"exit A flushes=2 reload=0", "exit B flushes=2 reload=0",
	}
	if strings.Join(seq, "\n") != strings.Join(want, "\n") {
		t.Fatalf("init and exit calls:\n%s\nwant:\n%s", strings.Join(seq, "\n"), strings.Join(want, "\n"))
	}
	if n := len(withPrefix(ackStrings(acks(t, ackPath)), "OK")); n != 10 {
		t.Errorf("%d entries acknowledged OK, want 5 for each of the 2 outputs", n)
	}
	if !strings.Contains(stderr, "[reload] done: 2 outputs started again") {
		t.Errorf("no reload line:\n%s", stderr)
	}
}
