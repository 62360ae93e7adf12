package host_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/test/e2e/host"
)

// retryRun runs one instance with the given extra properties over one
// entry and returns the ack lines and stderr.
func retryRun(t *testing.T, props string) ([]string, string) {
	t.Helper()
	dir := t.TempDir()
	feedPath, ackPath := filepath.Join(dir, "feed.bin"), filepath.Join(dir, "acks.log")
	writeFeed(t, feedPath, entry{"t", 2})
	conf := writeFile(t, filepath.Join(dir, "fluent-bit.conf"), fmt.Sprintf(`
[OUTPUT]
    Name     testplugin
    Match    *
    out_file %s
%s
`, filepath.Join(dir, "out.log"), props))
	code, stderr := run(t, host.Run{Plugins: []string{pluginSO}, Config: conf, Feed: feedPath,
		Acks: ackPath, RetryBase: 5 * time.Millisecond})
	if code != 0 {
		t.Fatalf("exit status %d:\n%s", code, stderr)
	}
	return ackStrings(acks(t, ackPath)), stderr
}

func TestRetryThenOK(t *testing.T) {
	got, stderr := retryRun(t, "    retry_first 2\n    Retry_Limit 3")
	want := []string{"RETRY 0 0", "RETRY 0 0", "OK 0 0"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("acks = %v, want %v", got, want)
	}
	if !strings.Contains(stderr, "succeeded at retry 2") {
		t.Errorf("no 'succeeded at retry 2' log line:\n%s", stderr)
	}
	if strings.Count(stderr, "[ warn] [engine] failed to flush chunk '0.flb', retry in") != 2 {
		t.Errorf("want two retry warnings:\n%s", stderr)
	}
}

func TestRetryLimits(t *testing.T) {
	cases := []struct {
		name, props string
		want        []string
		log         string
	}{
		{"limit 2", "    retry_first 100\n    Retry_Limit 2",
			[]string{"RETRY 0 0", "RETRY 0 0", "DROP 0 0"}, "cannot be retried"},
		{"default limit is 1", "    retry_first 100",
			[]string{"RETRY 0 0", "DROP 0 0"}, "cannot be retried"},
		{"invalid limit falls back to 1", "    retry_first 100\n    Retry_Limit abc",
			[]string{"RETRY 0 0", "DROP 0 0"}, "invalid retry_limit. set default."},
		{"no_retries", "    retry_first 100\n    Retry_Limit no_retries",
			[]string{"DROP 0 0"}, "is not retried (no retry config)"},
		{"unlimited", "    retry_first 7\n    Retry_Limit no_limits",
			[]string{"RETRY 0 0", "RETRY 0 0", "RETRY 0 0", "RETRY 0 0", "RETRY 0 0", "RETRY 0 0", "RETRY 0 0", "OK 0 0"},
			"succeeded at retry 7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, stderr := retryRun(t, c.props)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("acks = %v, want %v", got, c.want)
			}
			if !strings.Contains(stderr, c.log) {
				t.Errorf("stderr lacks %q:\n%s", c.log, stderr)
			}
		})
	}
}

func TestErrorAndInvalidReturnCodes(t *testing.T) {
	dir := t.TempDir()
	feedPath, ackPath := filepath.Join(dir, "feed.bin"), filepath.Join(dir, "acks.log")
	writeFeed(t, feedPath, entry{"bad", 1}, entry{"weird", 1}, entry{"good", 1})
	conf := writeFile(t, filepath.Join(dir, "fluent-bit.conf"), fmt.Sprintf(`
[OUTPUT]
    Name       testplugin
    Match      *
    return_for bad=0,weird=7
    out_file   %s
`, filepath.Join(dir, "out.log")))
	code, stderr := run(t, host.Run{Plugins: []string{pluginSO}, Config: conf, Feed: feedPath, Acks: ackPath})
	if code != 0 {
		t.Fatalf("exit status %d:\n%s", code, stderr)
	}
	want := map[string]string{"0 0": "ERROR", "0 1": "ERROR", "0 2": "OK"}
	if got := finalAcks(t, ackPath); !reflect.DeepEqual(got, want) {
		t.Fatalf("final acks = %v, want %v", got, want)
	}
	if !strings.Contains(stderr, "returned invalid code 7") {
		t.Errorf("invalid code not reported:\n%s", stderr)
	}
}
