// Package s3server runs a real S3-compatible server, versitygw with its
// POSIX backend, on loopback for end-to-end tests: start it, point clients
// at Endpoint, and stop, freeze or restart it to stage S3 outages.
package s3server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
)

const (
	healthPath   = "/health"
	readyTimeout = 30 * time.Second // a cold start on a loaded 2-core machine
	stopGrace    = 5 * time.Second  // SIGTERM to SIGKILL
)

// Server is one versitygw process. Its objects live under Dir (one
// directory per bucket) and survive Stop and Restart.
type Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
	Region    string
	Dir       string // the POSIX backend's root
	LogPath   string // the server's stdout and stderr, appended across restarts

	addr string
	mu   sync.Mutex
	proc *process // nil while stopped
}

// process is one run of the server binary.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, valid once done is closed
}

// Start runs versitygw on a free 127.0.0.1 port with its data in dataDir
// (created if needed) and its log in dataDir+".log", and returns once the
// server answers. The credentials are fixed test values.
func Start(dataDir string) (*Server, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("s3server: %w", err)
	}
	s := &Server{
		AccessKey: "s3append-test",
		SecretKey: "s3append-test-secret",
		Region:    "us-east-1",
		Dir:       dataDir,
		LogPath:   dataDir + ".log",
	}
	// The free port is found by binding and releasing it, so another
	// process may take it before versitygw binds: try a few ports.
	var err error
	for range 3 {
		if s.addr, err = freeLoopbackAddr(); err != nil {
			return nil, err
		}
		s.Endpoint = "http://" + s.addr
		if err = s.launch(); err == nil {
			return s, nil
		}
	}
	return nil, err
}

// Restart stops the server if it runs and starts it again on the same
// address with the same data.
func (s *Server) Restart() error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.launch()
}

// Stop ends the server with SIGTERM, and SIGKILL if it is still running
// stopGrace later. The data stays. Stopping a stopped server does nothing;
// a server that had died on its own is reported as an error.
func (s *Server) Stop() error {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	select {
	case <-p.done:
		return fmt.Errorf("s3server: versitygw had exited on its own (%v); see %s", p.err, s.LogPath)
	default:
	}
	p.cmd.Process.Signal(syscall.SIGCONT) // a frozen process cannot act on SIGTERM
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		p.cmd.Process.Kill()
		<-p.done
	}
	return nil
}

// Freeze suspends the server (SIGSTOP): connections are accepted by the
// kernel but nothing answers, as with a hung service. Thaw resumes it.
func (s *Server) Freeze() error { return s.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen server (SIGCONT).
func (s *Server) Thaw() error { return s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return errors.New("s3server: versitygw is not running")
	}
	return s.proc.cmd.Process.Signal(sig)
}

// Store returns a client for bucket configured as the plugin is for
// S3-compatible services: path-style addressing, checksums only when
// required, the server's static credentials. The bucket is not created.
func (s *Server) Store(bucket string) (*s3api.AWSStore, error) {
	return s3api.NewAWS(context.Background(), s3api.AWSConfig{
		Bucket:               bucket,
		Region:               s.Region,
		Endpoint:             s.Endpoint,
		UsePathStyle:         true,
		ChecksumWhenRequired: true,
		AccessKey:            s.AccessKey,
		SecretKey:            s.SecretKey,
	})
}

// launch starts the binary and waits until it answers on its health path.
func (s *Server) launch() error {
	bin, err := Binary()
	if err != nil {
		return err
	}
	logFile, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("s3server: %w", err)
	}
	defer logFile.Close() // the child keeps its own descriptor
	cmd := exec.Command(bin,
		"--access", s.AccessKey, "--secret", s.SecretKey, "--region", s.Region,
		"--port", s.addr, "--health", healthPath, "--quiet",
		"posix", s.Dir)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("s3server: starting %s: %w", bin, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := s.waitReady(p); err != nil {
		cmd.Process.Kill()
		<-p.done
		return err
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

// waitReady polls the health path until it answers 200, the process exits,
// or readyTimeout passes.
func (s *Server) waitReady(p *process) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for {
		resp, err := client.Get(s.Endpoint + healthPath)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("s3server: versitygw exited while starting on %s (%v):\n%s", s.addr, p.err, s.logTail(20))
		case <-poll.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("s3server: versitygw did not answer on %s within %v:\n%s", s.addr, readyTimeout, s.logTail(20))
		}
	}
}

// logTail returns the last n lines of the server's log.
func (s *Server) logTail(n int) string {
	data, err := os.ReadFile(s.LogPath)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("s3server: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
