package faultproxy

import "net/http"

// Observe calls f with the operation name and a copy of the headers of
// every request the proxy receives from now on, faulted or not, before it
// is forwarded: a test can check what the client put on the wire even
// when the server ignores it. f runs on the request's goroutine, so it
// must be safe for concurrent use; nil stops observing.
func (p *Proxy) Observe(f func(op string, header http.Header)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.observe = f
}

func (p *Proxy) observed(op string, r *http.Request) {
	p.mu.Lock()
	f := p.observe
	p.mu.Unlock()
	if f != nil {
		f(op, r.Header.Clone())
	}
}
