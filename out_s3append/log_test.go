package out_s3append

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// fluentBitLine is the shape of Fluent Bit's own log lines.
var fluentBitLine = regexp.MustCompile(`^\[\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}\.\d{9}\] \[(error| warn| info|debug|trace)\] \[output:s3append:s3append\.3\] (.*)$`)

func TestLoggerWritesFluentBitFormat(t *testing.T) {
	var b syncBuffer
	l := NewLogger(&b, "s3append.3")
	l.now = func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 121514599, time.Local) }
	l.Infof("bucket=%s", "logs")
	l.Warnf("slow")
	l.Errorf("broken")
	want := []string{
		"[2026/11/22 10:00:00.121514599] [ info] [output:s3append:s3append.3] bucket=logs",
		"[2026/11/22 10:00:00.121514599] [ warn] [output:s3append:s3append.3] slow",
		"[2026/11/22 10:00:00.121514599] [error] [output:s3append:s3append.3] broken",
	}
	got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, line := range got {
		if !fluentBitLine.MatchString(line) {
			t.Errorf("not in Fluent Bit's format: %q", line)
		}
	}
}

func TestLoggerHonoursLevel(t *testing.T) {
	if debugEnv {
		t.Skip("S3APPEND_DEBUG is set: debug lines are on whatever the level")
	}
	for _, tc := range []struct {
		level Level
		want  []string
	}{
		{LevelOff, nil},
		{LevelError, []string{"e"}},
		{LevelWarn, []string{"e", "w"}},
		{LevelInfo, []string{"e", "w", "i"}},
		{LevelDebug, []string{"e", "w", "i", "d"}},
		{LevelTrace, []string{"e", "w", "i", "d"}},
	} {
		var b syncBuffer
		l := NewLogger(&b, "s3append.3")
		l.SetLevel(tc.level)
		l.Errorf("e")
		l.Warnf("w")
		l.Infof("i")
		l.Debugf("d")
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
			if m := fluentBitLine.FindStringSubmatch(line); m != nil {
				got = append(got, m[2])
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("log_level %s: wrote %q, want %q", tc.level, got, tc.want)
		}
	}
}

func TestLoggerDefaultsToInfo(t *testing.T) {
	if debugEnv {
		t.Skip("S3APPEND_DEBUG is set")
	}
	var b syncBuffer
	l := NewLogger(&b, "s3append.3")
	l.Debugf("hidden")
	l.Infof("shown")
	if got := b.String(); strings.Contains(got, "hidden") || !strings.Contains(got, "shown") {
		t.Errorf("default level: %q", got)
	}
}

// A repeated message is written once per window, then with the count of
// the lines held back; other keys are not held back by it.
func TestLoggerRateLimitsRepeats(t *testing.T) {
	var b syncBuffer
	l := NewLogger(&b, "s3append.3")
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	for i := 0; i < 5; i++ {
		l.Limitedf(LevelWarn, "full", "store full %d", i)
	}
	l.Limitedf(LevelWarn, "other", "another problem")
	now = now.Add(repeatWindow - time.Second)
	l.Limitedf(LevelWarn, "full", "store full late")
	now = now.Add(2 * time.Second)
	l.Limitedf(LevelWarn, "full", "store full again")
	got := b.String()
	for _, want := range []string{"store full 0\n", "another problem\n", "store full again (5 similar messages suppressed)\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
	for _, not := range []string{"store full 1", "store full 4", "store full late"} {
		if strings.Contains(got, not) {
			t.Errorf("log has %q, which should have been held back:\n%s", not, got)
		}
	}
	if n := strings.Count(got, "\n"); n != 3 {
		t.Errorf("%d lines, want 3:\n%s", n, got)
	}
}

// A rate-limited message below the level is neither written nor counted.
func TestLoggerLimitedBelowLevel(t *testing.T) {
	var b syncBuffer
	l := NewLogger(&b, "s3append.3")
	l.SetLevel(LevelError)
	l.Limitedf(LevelWarn, "k", "quiet")
	l.SetLevel(LevelWarn)
	l.Limitedf(LevelWarn, "k", "loud")
	if got := b.String(); strings.Contains(got, "quiet") || !strings.Contains(got, "loud") || strings.Contains(got, "suppressed") {
		t.Errorf("log: %q", got)
	}
}
