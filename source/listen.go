package source

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
)

// SplitListen reads a listen address: host:port or tcp://host:port for
// TCP, unix:///path for a unix socket.
func SplitListen(addr string) (network, address string, err error) {
	switch {
	case strings.HasPrefix(addr, "unix://"):
		p := strings.TrimPrefix(addr, "unix://")
		if p == "" || !strings.HasPrefix(p, "/") {
			return "", "", fmt.Errorf("%q: a unix socket needs an absolute path, as unix:///run/app/log.sock", addr)
		}
		return "unix", p, nil
	case strings.HasPrefix(addr, "tcp://"):
		addr = strings.TrimPrefix(addr, "tcp://")
	case strings.Contains(addr, "://"):
		return "", "", fmt.Errorf("%q: only tcp:// and unix:// addresses are served", addr)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return "", "", fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:24224): %v", addr, err)
	}
	return "tcp", addr, nil
}

// Listen binds addr. A unix socket left by an earlier run is replaced (a
// socket only: any other file there is an error), and the new one gets
// mode.
func Listen(addr string, mode os.FileMode) (net.Listener, error) {
	network, address, err := SplitListen(addr)
	if err != nil {
		return nil, err
	}
	if network == "unix" {
		if fi, err := os.Lstat(address); err == nil {
			if fi.Mode()&os.ModeSocket == 0 {
				return nil, fmt.Errorf("listen %s: %s exists and is not a socket", addr, address)
			}
			if err := os.Remove(address); err != nil {
				return nil, fmt.Errorf("listen %s: removing the old socket: %w", addr, err)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("listen %s: %w", addr, err)
		}
	}
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	if network == "unix" {
		if err := os.Chmod(address, mode); err != nil {
			ln.Close()
			return nil, fmt.Errorf("listen %s: socket_mode: %w", addr, err)
		}
	}
	return ln, nil
}

// AddrOf names a bound listener as a listen setting would.
func AddrOf(ln net.Listener) string {
	if ln.Addr().Network() == "unix" {
		return "unix://" + ln.Addr().String()
	}
	return ln.Addr().String()
}

// TLSKeys are the settings of a source's TLS.
var TLSKeys = []string{"tls_cert_file", "tls_key_file"}

// TLS reads tls_cert_file and tls_key_file: both or neither. The files
// are loaded here, so a missing or bad one is an error at start.
func (s *Settings) TLS() *tls.Config {
	cert, key := s.String("tls_cert_file", ""), s.String("tls_key_file", "")
	if cert == "" && key == "" {
		return nil
	}
	if cert == "" || key == "" {
		s.Fail("tls_cert_file", "tls_cert_file and tls_key_file go together: set both")
		return nil
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		s.Fail("tls_cert_file", "cannot load %s with %s: %v", cert, key, err)
		return nil
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
}
