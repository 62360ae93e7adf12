// Package faultproxy is a reverse proxy on loopback that sits between an S3
// client and a real S3-compatible server and injects faults into a seeded
// random share of the requests: throttling (503 SlowDown), server errors,
// replies lost after the request took effect, connection resets and delays.
//
// Requests are forwarded unchanged (method, raw path and query, Host as the
// client sent it, every end-to-end header, streamed body), so SigV4
// signatures made for the proxy's address stay valid at the server. Only
// path-style addressing is understood when naming operations.
//
// Faults are bounded per request: see MaxConsecutiveFaults.
package faultproxy

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Proxy is a running fault-injecting proxy. Its methods are safe for
// concurrent use.
type Proxy struct {
	URL string // http://127.0.0.1:PORT, the endpoint to give the client

	target    *url.URL
	server    *http.Server
	transport *http.Transport
	served    chan error
	closing   chan struct{} // closed by Close, ends delays early
	closeOnce sync.Once
	closeErr  error

	mu      sync.Mutex
	cfg     Config
	rng     *rand.Rand
	streaks map[string]int // consecutive faults per request, while > 0
	stats   Stats
	observe func(op string, header http.Header) // see Observe
}

// Start listens on 127.0.0.1 on a free port and forwards to target, the base
// URL of the server (http://127.0.0.1:7070), injecting faults as c says.
func Start(target string, c Config) (*Proxy, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: target %q: %w", target, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, fmt.Errorf("faultproxy: target %q: want scheme://host:port with no path or query", target)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listening on loopback: %w", err)
	}
	p := &Proxy{
		URL:    "http://" + l.Addr().String(),
		target: u,
		transport: &http.Transport{
			Proxy:                 nil, // never through $HTTP_PROXY
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   100,
			IdleConnTimeout:       30 * time.Second,
			ExpectContinueTimeout: time.Second,
			// Pass Accept-Encoding and the body through as they are.
			DisableCompression: true,
		},
		served:  make(chan error, 1),
		closing: make(chan struct{}),
		streaks: make(map[string]int),
		stats:   Stats{ByOperation: make(map[string]Counts)},
	}
	p.setConfig(c)
	p.server = &http.Server{
		Handler:           http.HandlerFunc(p.serve),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { p.served <- p.server.Serve(l) }()
	return p, nil
}

// SetConfig changes the fault mix for the requests that arrive from now on,
// e.g. the zero Config to stop injecting faults. A different Seed restarts
// the random sequence; the same Seed keeps it going. Consecutive-fault
// counts and Stats are kept. SetConfig panics on a Config that Start would
// reject.
func (p *Proxy) SetConfig(c Config) {
	if err := c.validate(); err != nil {
		panic(err)
	}
	p.setConfig(c)
}

func (p *Proxy) setConfig(c Config) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rng == nil || c.Seed != p.cfg.Seed {
		p.rng = rand.New(rand.NewPCG(uint64(c.Seed), 0x5eed_fa17))
	}
	p.cfg = c
}

// Stats returns a copy of the counts so far.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats.clone()
}

// Close stops listening, drops every client connection, including those of
// requests in progress, and closes the connections to the server. Calling
// it again returns the first result.
func (p *Proxy) Close() error {
	p.closeOnce.Do(func() {
		close(p.closing)
		p.closeErr = p.server.Close()
		p.transport.CloseIdleConnections()
		if err := <-p.served; !errors.Is(err, http.ErrServerClosed) && p.closeErr == nil {
			p.closeErr = err
		}
	})
	return p.closeErr
}

// serve handles one client request.
func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	op := Operation(r)
	p.observed(op, r)
	switch p.decide(op, r.Method+" "+r.RequestURI) {
	case faultNone:
		p.forward(w, r, op)
	case faultSlowDown:
		drainBody(r)
		writeS3Error(w, r, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
	case faultServerError:
		drainBody(r)
		writeS3Error(w, r, http.StatusInternalServerError, "InternalError",
			"We encountered an internal error. Please try again.")
	case faultLostReply:
		p.forwardAndDiscard(r, op)
		writeS3Error(w, r, http.StatusInternalServerError, "InternalError",
			"We encountered an internal error. Please try again.")
	case faultResetBefore:
		reset(w)
	case faultResetAfter:
		p.forwardAndDiscard(r, op)
		reset(w)
	case faultSlow:
		if !p.wait(r.Context()) {
			return // the client left or the proxy closed
		}
		p.forward(w, r, op)
	}
}

// wait holds a request for SlowDelay, or until ctx ends or the proxy
// closes; it reports whether the full delay passed.
func (p *Proxy) wait(ctx context.Context) bool {
	p.mu.Lock()
	d := p.cfg.SlowDelay
	p.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-p.closing:
		return false
	}
}
