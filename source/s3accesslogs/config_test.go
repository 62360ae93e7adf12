package s3accesslogs

import (
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/source"
	"github.com/s3append/s3append/source/sourcetest"
)

func build(values map[string]string) (*src, []string) {
	s := &source.Settings{Name: "s3_access_logs.0", Values: values}
	built := Kind.Build(s).(*src)
	return built, s.Problems()
}

func TestConfigDefaults(t *testing.T) {
	s, problems := build(map[string]string{"bucket": "logs", "prefix": "access/"})
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	c := s.cfg
	if c.tag != Type || c.pollInterval != time.Minute || c.window != 2*time.Hour || c.afterRead != afterKeep ||
		c.maxInFlight != 100 || c.getWorkers != 4 || c.batchLines != 1000 {
		t.Errorf("defaults %+v", c)
	}
	if want := "/tmp/fluent-bit/s3append/sources/s3_access_logs/logs/access%2F"; c.stateDir != want {
		t.Errorf("state dir %s, want %s", c.stateDir, want)
	}
	if c.client.Bucket != "logs" || c.client.Region != "us-east-1" {
		t.Errorf("client %+v", c.client)
	}
	if !Kind.NoListen || s.Addr() != "s3://logs/access/" {
		t.Errorf("NoListen %v, Addr %s", Kind.NoListen, s.Addr())
	}
}

// The S3 client options are read by conf, as the outputs read them; the
// source's own are checked here. Every problem is reported, by name.
func TestConfigProblems(t *testing.T) {
	_, problems := build(map[string]string{
		"endpoint": "ftp://x", "checksum": "sometimes", "discovery": "sqs", "after_read": "burn", "visibility_timeout": "1s",
		"get_workers": "8", "max_objects_in_flight": "2", "relist_window": "0s", "prefix": "/logs",
		"poll_interval": "10ms", "batch_lines": "0",
	})
	all := strings.Join(problems, "\n")
	for _, want := range []string{
		"bucket:", `endpoint: "ftp://x" must be an http or https URL`, `checksum: "sometimes"`,
		"discovery sqs", `after_read: "burn" is not one of keep, delete, tag`,
		"get_workers: 8 is more than max_objects_in_flight 2", "relist_window: applies to discovery list only",
		"queue_url: is required with discovery sqs", "visibility_timeout: 1s is out of range",
		`prefix: "/logs" starts with /`, "poll_interval: applies to discovery list only", "batch_lines:",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems do not say %q:\n%s", want, all)
		}
	}
}

func TestStateDirNames(t *testing.T) {
	seen := map[string]string{}
	for _, p := range []string{"", "_", "logs/", "logs%2F", "logs_", "..", "a/../b", strings.Repeat("x/", 300)} {
		d := stateDir("/s", "b", p)
		if other, dup := seen[d]; dup {
			t.Errorf("prefixes %q and %q share %s", p, other, d)
		}
		seen[d] = p
		if strings.Contains(d, "..") || len(d) > 255+20 {
			t.Errorf("prefix %q: state dir %s", p, d)
		}
	}
}

// Start needs an engine that takes batches exactly once.
func TestStartRefusesAPlainSink(t *testing.T) {
	w := newWorld(t)
	s := newSource(w.cfg, w.store)
	err := s.Start(source.Env{Sink: &sourcetest.Sink{}, Log: quietLog(), Stats: &source.Stats{}})
	if err == nil || !strings.Contains(err.Error(), "DeliverOnce") {
		t.Errorf("Start with a plain Sink: %v", err)
	}
}

// Two sources on one bucket, prefix and store_dir would take each
// other's objects: the second is refused.
func TestOneSourcePerStateDir(t *testing.T) {
	w := newWorld(t)
	w.start()
	s := newSource(w.cfg, w.store)
	err := s.Start(source.Env{Sink: w.sink, Log: quietLog(), Stats: &source.Stats{}})
	if err == nil || !strings.Contains(err.Error(), "in use by another") {
		t.Errorf("a second source on the same state directory: %v", err)
	}
}

// Each discovery mode refuses the other's options, and discovery sqs
// checks its own.
func TestConfigDiscoveryOptions(t *testing.T) {
	s, problems := build(map[string]string{"bucket": "logs", "discovery": "sqs", "queue_url": "https://sqs.eu-west-1.amazonaws.com/123456789012/logs"})
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if c := s.cfg; c.visibility != 5*time.Minute || c.dedupe != 6*time.Hour || c.queueEndpoint != "" {
		t.Errorf("sqs defaults %+v", c)
	}
	if want := "s3://logs/ via https://sqs.eu-west-1.amazonaws.com/123456789012/logs"; s.Addr() != want {
		t.Errorf("Addr %s, want %s", s.Addr(), want)
	}
	_, problems = build(map[string]string{"bucket": "logs", "queue_url": "https://q/1/x", "dedupe_window": "1h"})
	all := strings.Join(problems, "\n")
	for _, want := range []string{"queue_url: applies to discovery sqs only (discovery is list)", "dedupe_window: applies to discovery sqs only"} {
		if !strings.Contains(all, want) {
			t.Errorf("problems do not say %q:\n%s", want, all)
		}
	}
	_, problems = build(map[string]string{"bucket": "logs", "discovery": "sqs", "queue_url": "sqs/logs",
		"queue_endpoint": "localhost:4100", "visibility_timeout": "10m", "dedupe_window": "15m"})
	all = strings.Join(problems, "\n")
	for _, want := range []string{`queue_url: "sqs/logs" is not a queue URL`, `queue_endpoint: "localhost:4100" is not a URL`,
		"dedupe_window: 15m0s is shorter than twice visibility_timeout (10m0s)"} {
		if !strings.Contains(all, want) {
			t.Errorf("problems do not say %q:\n%s", want, all)
		}
	}
}
