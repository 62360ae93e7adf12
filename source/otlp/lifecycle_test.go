package otlp

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	"github.com/s3append/s3append/source"
	"github.com/s3append/s3append/source/sourcetest"
)

// TestStopLetsInFlightRequestFinish: Stop waits for a request blocked in
// the Sink, which is then answered 200.
func TestStopLetsInFlightRequestFinish(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	sink := &sourcetest.Sink{Answer: func(string, []byte) source.Result {
		close(entered)
		<-release
		return source.OK
	}}
	set := &source.Settings{Name: "otlp.0", Values: map[string]string{"listen": "127.0.0.1:0"}}
	src := Kind.Build(set).(*Source)
	st := new(source.Stats)
	if err := src.Start(source.Env{Sink: sink, Stats: st}); err != nil {
		t.Fatal(err)
	}
	url := "http://" + src.Addr() + "/v1/logs"
	body := string(pb(t, request(nil, nil, &logspb.LogRecord{Body: str("x")})))
	status := make(chan int, 1)
	go func() {
		resp, err := http.Post(url, typeProtobuf, strings.NewReader(body))
		if err != nil {
			status <- -1
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	<-entered
	if n := st.ConnectionsOpen.Load(); n != 1 {
		t.Errorf("ConnectionsOpen %d while a request waits on the Sink, want 1", n)
	}
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		stopped <- src.Stop(ctx)
	}()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) before the request in flight was answered", err)
	case <-waitRefused(src.Addr()):
	case <-time.After(30 * time.Second):
		t.Fatal("the listener still accepts 30s after Stop")
	}
	close(release)
	if code := <-status; code != http.StatusOK {
		t.Errorf("request in flight got %d, want 200", code)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Stop: %v", err)
	}
	if st.ConnectionsOpen.Load() != 0 || st.ConnectionsTotal.Load() != 1 {
		t.Errorf("connections open %d total %d, want 0 and 1", st.ConnectionsOpen.Load(), st.ConnectionsTotal.Load())
	}
}

// waitRefused is closed once addr refuses connections: Stop has closed
// the listener.
func waitRefused(addr string) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				close(done)
				return
			}
			c.Close()
		}
	}()
	return done
}

func TestTLS(t *testing.T) {
	cert, key, pool := sourcetest.SelfSigned(t, t.TempDir())
	sink := new(sourcetest.Sink)
	src, _, _ := start(t, sink, map[string]string{"tls_cert_file": cert, "tls_key_file": key})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	body := pb(t, request(nil, nil, &logspb.LogRecord{Body: str("secure")}))
	resp, err := client.Post("https://"+src.Addr()+"/v1/logs", typeProtobuf, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(sink.Events()) != 1 {
		t.Errorf("status %d, %d events; want 200 and 1", resp.StatusCode, len(sink.Events()))
	}
}

func TestUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otlp.sock")
	sink := new(sourcetest.Sink)
	start(t, sink, map[string]string{"listen": "unix://" + path, "socket_mode": "0600"})
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %v, %v; want mode 0600", fi, err)
	}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return new(net.Dialer).DialContext(ctx, "unix", path)
	}}}
	body := pb(t, request(nil, nil, &logspb.LogRecord{Body: str("local")}))
	resp, err := client.Post("http://otlp/v1/logs", typeProtobuf, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(sink.Events()) != 1 {
		t.Errorf("status %d, %d events; want 200 and 1", resp.StatusCode, len(sink.Events()))
	}
}

func TestBuildReportsBadSettings(t *testing.T) {
	set := &source.Settings{Name: "otlp.0", Values: map[string]string{
		"listen": "nowhere", "max_body_size": "lots", "tls_cert_file": "/x.pem",
	}}
	Kind.Build(set)
	got := strings.Join(set.Problems(), "\n")
	for _, key := range []string{"listen", "max_body_size", "tls_cert_file"} {
		if !strings.Contains(got, key+":") {
			t.Errorf("no problem reported for %s in:\n%s", key, got)
		}
	}
}
