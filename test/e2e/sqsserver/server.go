package sqsserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// The fixed values a client of the server uses. The adapter does not check
// signatures: any credentials are accepted.
const (
	Region    = "us-east-1"
	AccountID = "100010001000"
	AccessKey = "sqsserver-test"
	SecretKey = "sqsserver-test-secret"
)

const (
	readyTimeout = 30 * time.Second // a cold start on a loaded 2-core machine
	stopGrace    = 5 * time.Second  // SIGTERM to SIGKILL
	startTries   = 3                // free ports tried, see Start
)

// Server is one goaws process and the adapter in front of it. Queues and
// messages live in goaws's memory only: they end with Close.
type Server struct {
	dir      string // config and log, removed by Close
	endpoint string
	adapter  *adapter
	http     *http.Server
	proc     *process
	client   *sqs.Client // for the helpers in helpers.go

	closeOnce sync.Once
	closeErr  error
}

// process is one run of the goaws binary.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, valid once done is closed
}

// Start runs the goaws binary bin on a free port and the adapter on a free
// 127.0.0.1 port, and returns once both answer. ctx bounds the start only.
func Start(ctx context.Context, bin string) (*Server, error) {
	dir, err := os.MkdirTemp("", "sqsserver-")
	if err != nil {
		return nil, fmt.Errorf("sqsserver: %w", err)
	}
	s := &Server{dir: dir}
	// The free port is found by binding and releasing it, so another
	// process may take it before goaws binds: try a few ports.
	var goawsURL string
	for range startTries {
		goawsURL, err = s.launch(ctx, bin)
		if err == nil || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.proc.stop()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("sqsserver: adapter: %w", err)
	}
	s.endpoint = "http://" + l.Addr().String()
	s.adapter = newAdapter(goawsURL, s.endpoint)
	s.http = &http.Server{Handler: s.adapter, ReadHeaderTimeout: time.Minute}
	go s.http.Serve(l)
	s.client = newClient(s.endpoint)
	return s, nil
}

// Endpoint is the adapter's URL: what an SQS client gets as its endpoint
// (BaseEndpoint in the AWS SDK for Go v2).
func (s *Server) Endpoint() string { return s.endpoint }

// Close stops the adapter and goaws, and removes the config and log. A
// goaws that had died on its own is reported as an error.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		// Close, not Shutdown: a long poll in flight must not hold it up.
		s.http.Close()
		s.adapter.close()
		s.closeErr = s.proc.stop()
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("%w; log:\n%s", s.closeErr, s.LogTail(20))
		}
		os.RemoveAll(s.dir)
	})
	return s.closeErr
}

// LogTail returns the last n lines of goaws's log (empty after Close).
func (s *Server) LogTail(n int) string {
	data, err := os.ReadFile(s.logPath())
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func (s *Server) logPath() string { return filepath.Join(s.dir, "goaws.log") }

// launch writes a config for a free port, starts goaws with it and waits
// until it answers. It returns goaws's base URL.
func (s *Server) launch(ctx context.Context, bin string) (string, error) {
	port, err := freeLoopbackPort()
	if err != nil {
		return "", err
	}
	// The marker topic tells this goaws apart from another process that
	// may have taken the port in the meantime; SQS clients never see it.
	marker := "sqsserver-" + randomHex(8)
	config := filepath.Join(s.dir, "goaws.yaml")
	if err := os.WriteFile(config, configYAML(port, marker), 0o644); err != nil {
		return "", fmt.Errorf("sqsserver: %w", err)
	}
	logFile, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return "", fmt.Errorf("sqsserver: %w", err)
	}
	defer logFile.Close() // the child keeps its own descriptor
	cmd := exec.Command(bin, "-config", config, goawsEnvironment)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("sqsserver: starting %s: %w", bin, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := s.waitReady(ctx, p, base, marker); err != nil {
		cmd.Process.Kill()
		<-p.done
		return "", err
	}
	s.proc = p
	return base, nil
}

// goawsEnvironment is the name of the environment in the config file,
// given to goaws on its command line.
const goawsEnvironment = "Local"

// configYAML is goaws's configuration: one port for everything, the fixed
// account and region, and the marker topic. Port is a string because
// goaws's config field is one.
func configYAML(port int, marker string) []byte {
	return fmt.Appendf(nil, `%s:
  Host: 127.0.0.1
  Port: "%d"
  Region: %s
  AccountId: "%s"
  LogToFile: false
  EnableDuplicates: false
  QueueAttributeDefaults:
    VisibilityTimeout: 30
    ReceiveMessageWaitTimeSeconds: 0
  Topics:
    - Name: %s
`, goawsEnvironment, port, Region, AccountID, marker)
}

// waitReady polls goaws's /health until it answers 200, then checks that
// the answering server is this process by its marker topic. It gives up
// when the process exits, ctx ends or readyTimeout passes.
func (s *Server) waitReady(ctx context.Context, p *process, base, marker string) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for {
		if healthy(client, base) {
			if hasMarker(client, base, marker) {
				return nil
			}
			return fmt.Errorf("sqsserver: another server answers on %s", base)
		}
		select {
		case <-p.done:
			return fmt.Errorf("sqsserver: goaws exited while starting on %s (%v):\n%s", base, p.err, s.LogTail(20))
		case <-ctx.Done():
			return fmt.Errorf("sqsserver: starting goaws: %w", ctx.Err())
		case <-poll.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sqsserver: goaws did not answer on %s within %v:\n%s", base, readyTimeout, s.LogTail(20))
		}
	}
}

func healthy(client *http.Client, base string) bool {
	resp, err := client.Get(base + "/health")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// hasMarker reports whether the server at base lists the marker topic.
func hasMarker(client *http.Client, base, marker string) bool {
	resp, err := client.Post(base+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=ListTopics"))
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return err == nil && bytes.Contains(body, []byte(":"+marker+"<"))
}

// stop ends goaws with SIGTERM, and SIGKILL if it is still running
// stopGrace later. A process that had already exited is reported.
func (p *process) stop() error {
	select {
	case <-p.done:
		return fmt.Errorf("sqsserver: goaws had exited on its own (%v)", p.err)
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		p.cmd.Process.Kill()
		<-p.done
	}
	return nil
}

func freeLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("sqsserver: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
