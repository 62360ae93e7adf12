// Package sidecarproc runs the built s3append sidecar as a process for the
// end-to-end tests, the benchmarks and the demo: it compiles the binary,
// starts it with a configuration file, learns each source's address and
// the metrics address from its log, and stops it gently (SIGTERM) or
// hard (SIGKILL).
package sidecarproc

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"time"
)

// Compile builds the static sidecar from the module's cmd/s3append into
// outPath, as the Makefile does.
func Compile(repoRoot, outPath string) error {
	abs, err := filepath.Abs(outPath)
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", abs, "./cmd/s3append")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/s3append: %w\n%s", err, out)
	}
	return nil
}

// Proc is a running sidecar.
type Proc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  bytes.Buffer
	cond *sync.Cond
	// addrs are the sources' addresses by name (forward.0, ...).
	addrs   map[string]string
	metrics string
	exited  bool
	waitErr error
	done    chan struct{}
}

var (
	listeningLine = regexp.MustCompile(`\[input:[a-z_0-9]+:([a-z_0-9]+\.\d+)\] (?:listening on|reading) (\S+)`)
	metricsLine   = regexp.MustCompile(`metrics at http://(\S+)/metrics`)
)

// Start runs bin -c config and waits until every source in sources (by
// name, e.g. "forward.0") is listening, and the metrics endpoint when
// metrics is true, or the process exits, or wait passes.
func Start(bin, config string, sources []string, metrics bool, wait time.Duration, extraEnv ...string) (*Proc, error) {
	p := &Proc{addrs: map[string]string{}, done: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	p.cmd = exec.Command(bin, "-c", config)
	p.cmd.Env = append(os.Environ(), extraEnv...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go p.read(stderr)
	timer := time.AfterFunc(wait, func() { p.mu.Lock(); p.cond.Broadcast(); p.mu.Unlock() })
	defer timer.Stop()
	deadline := time.Now().Add(wait)
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		ready := !metrics || p.metrics != ""
		for _, s := range sources {
			if p.addrs[s] == "" {
				ready = false
			}
		}
		switch {
		case ready:
			return p, nil
		case p.exited:
			return nil, fmt.Errorf("s3append exited before it was ready (%v):\n%s", p.waitErr, p.log.String())
		case time.Now().After(deadline):
			p.cmd.Process.Kill()
			return nil, fmt.Errorf("s3append not ready after %s:\n%s", wait, p.log.String())
		}
		p.cond.Wait()
	}
}

func (p *Proc) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		p.mu.Lock()
		p.log.WriteString(line + "\n")
		if m := listeningLine.FindStringSubmatch(line); m != nil {
			p.addrs[m[1]] = m[2]
		}
		if m := metricsLine.FindStringSubmatch(line); m != nil {
			p.metrics = m[1]
		}
		p.cond.Broadcast()
		p.mu.Unlock()
	}
	err := p.cmd.Wait()
	p.mu.Lock()
	p.exited, p.waitErr = true, err
	p.cond.Broadcast()
	p.mu.Unlock()
	close(p.done)
}

// Addr is the address source name listens on: host:port or unix:///path.
func (p *Proc) Addr(name string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addrs[name]
}

// MetricsURL is the base URL of the metrics endpoint.
func (p *Proc) MetricsURL() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return "http://" + p.metrics
}

// Metrics returns the text of /metrics.
func (p *Proc) Metrics() (string, error) {
	resp, err := http.Get(p.MetricsURL() + "/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// Log is everything the process wrote to stderr so far.
func (p *Proc) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Stop sends SIGTERM and waits for the exit; its error is the exit's.
func (p *Proc) Stop() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
	return p.waitErr
}

// Signal sends sig without waiting.
func (p *Proc) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Kill sends SIGKILL and waits until the process is gone.
func (p *Proc) Kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// Done is closed once the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }
