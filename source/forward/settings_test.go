package forward

import (
	"os"
	"strings"
	"testing"

	"github.com/s3append/s3append/source"
)

func TestSettings(t *testing.T) {
	build := func(v map[string]string) (*Source, []string) {
		s := &source.Settings{Name: "forward.0", Values: v}
		return Kind.Build(s).(*Source), s.Problems()
	}
	src, p := build(map[string]string{"listen": "0.0.0.0:24224"})
	host, _ := os.Hostname()
	if len(p) != 0 || src.max != 64<<20 || src.self != host || src.sharedKey != "" || src.tls != nil {
		t.Errorf("defaults: %v %+v", p, src)
	}
	src, p = build(map[string]string{"listen": "unix:///run/fwd.sock", "shared_key": "k", "self_hostname": "me", "max_message_size": "8M", "socket_mode": "0600"})
	if len(p) != 0 || src.max != 8<<20 || src.self != "me" || src.mode != 0o600 {
		t.Errorf("set: %v %+v", p, src)
	}
	_, p = build(map[string]string{"listen": "x", "tag": "app", "max_message_size": "10", "self_hostname": "me", "tls_cert_file": "/nonexistent"})
	for _, want := range []string{"listen:", "tag: the forward protocol carries its own tags", "max_message_size:", "self_hostname: only the shared_key handshake", "tls_cert_file:"} {
		if !strings.Contains(strings.Join(p, "\n"), want) {
			t.Errorf("problems lack %q: %v", want, p)
		}
	}
}
