package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"time"

	"github.com/s3append/s3append/test/e2e/feed"
	"github.com/s3append/s3append/test/e2e/s3server"
)

// hostRun is what one run of flbhost cost, from the kernel's accounting
// of the child process (the plugin runs inside it).
type hostRun struct {
	wall    time.Duration
	cpu     time.Duration // user + system
	peakRSS int64         // bytes
	inBytes int64         // msgpack chunk bytes fed
}

// runHost starts flbhost with the plugin and config, streams the chunks
// feedChunks yields into it over a pipe, and waits for it to exit (after
// the plugin's own shutdown: the final uploads are part of the run).
func runHost(env *benchEnv, dir, config string, feedChunks func(w *feed.Writer) (bytes int64, err error)) (hostRun, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return hostRun{}, err
	}
	confPath := filepath.Join(dir, "fluent-bit.conf")
	if err := os.WriteFile(confPath, []byte(config), 0o644); err != nil {
		return hostRun{}, err
	}
	logFile, err := os.Create(filepath.Join(dir, "host.log"))
	if err != nil {
		return hostRun{}, err
	}
	defer logFile.Close()
	// A long grace: the run ends when the plugin has uploaded everything.
	// -m 8: the host holds at most 8 MiB of chunks not yet flushed, so
	// that the peak RSS is the plugin's rather than the host's queue.
	cmd := exec.Command(env.host, "-e", env.so, "-c", confPath, "-f", "-", "-g", "3600", "-m", "8")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+env.srv.AccessKey,
		"AWS_SECRET_ACCESS_KEY="+env.srv.SecretKey, "AWS_EC2_METADATA_DISABLED=true")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return hostRun{}, err
	}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return hostRun{}, err
	}
	bytes, feedErr := feedChunks(feed.NewWriter(stdin))
	if err := stdin.Close(); feedErr == nil {
		feedErr = err
	}
	waitErr := cmd.Wait()
	r := hostRun{wall: time.Since(began), inBytes: bytes}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	// Not ru_maxrss: a child's counts the memory of the process that
	// forked it (this one, holding the generated data). The host logs its
	// own high-water mark at exit.
	peak, peakErr := peakRSS(logFile.Name())
	r.peakRSS = peak
	if feedErr != nil {
		return r, fmt.Errorf("feeding flbhost: %w (log: %s)", feedErr, logFile.Name())
	}
	if waitErr != nil {
		return r, fmt.Errorf("flbhost: %w (log: %s)", waitErr, logFile.Name())
	}
	return r, peakErr
}

// peakRSS reads the "[flbhost] peak RSS N kB" line from the host's log.
func peakRSS(logPath string) (int64, error) {
	b, err := os.ReadFile(logPath)
	if err != nil {
		return 0, err
	}
	m := peakLine.FindSubmatch(b)
	if m == nil {
		return 0, fmt.Errorf("%s has no peak RSS line", logPath)
	}
	kb, err := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10, err
}

var peakLine = regexp.MustCompile(`\[flbhost\] peak RSS (\d+) kB`)

// outputConfig is a Fluent Bit configuration with one s3append output
// into bucket, buffering under storeDir, plus the extra option lines.
func outputConfig(env *benchEnv, bucket, endpoint, storeDir, keyFormat, extra string) string {
	return fmt.Sprintf(`[SERVICE]
    Grace 3600

[OUTPUT]
    Name              s3append
    Match             *
    Workers           2
    bucket            %s
    region            %s
    endpoint          %s
    use_path_style    true
    checksum          when_required
    store_dir         %s
    s3_key_format     %s
%s`, bucket, env.srv.Region, endpoint, storeDir, keyFormat, extra)
}

// benchEnv is what every run shares: the built plugin and host, and the
// local S3 server.
type benchEnv struct {
	root, work string
	so, host   string
	sidecar    string // build/s3append, checked by the sidecar runs
	srv        *s3server.Server
}

// newBenchEnv starts the S3 server with its data and every run's files
// under work ("": build/bench), which is emptied first.
func newBenchEnv(work string) (*benchEnv, error) {
	root, err := s3server.RepoRoot()
	if err != nil {
		return nil, err
	}
	if work == "" {
		work = filepath.Join(root, "build", "bench")
	}
	e := &benchEnv{
		root:    root,
		work:    work,
		so:      filepath.Join(root, "build", "out_s3append.so"),
		host:    filepath.Join(root, "build", "flbhost"),
		sidecar: filepath.Join(root, "build", "s3append"),
	}
	for _, p := range []string{e.so, e.host} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%s is missing: run `make bench`, which builds it", p)
		}
	}
	os.RemoveAll(e.work)
	if e.srv, err = s3server.Start(filepath.Join(e.work, "s3")); err != nil {
		return nil, err
	}
	return e, nil
}
