package faultproxy

import (
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
)

// hopByHop are the headers that describe one connection rather than the
// request (RFC 9110, section 7.6.1). They are dropped on either side; the
// transport sets its own framing. None of them is in a SigV4 signature.
var hopByHop = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

var errBodyConsumed = errors.New("faultproxy: request body already partly sent, cannot resend it")

// outgoing builds the request to the server. SigV4 signs the method, the
// path and query exactly as encoded, the Host header and most other headers,
// so all of them are passed on as the client sent them: the raw request
// target (not a re-encoding of the parsed path), the client's Host (not the
// server's address) and every end-to-end header, Expect included. Nothing
// is added: no X-Forwarded-For, no Accept-Encoding.
func (p *Proxy) outgoing(r *http.Request) *http.Request {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL = &url.URL{Scheme: p.target.Scheme, Host: p.target.Host, RawQuery: r.URL.RawQuery}
	path, _, hasQuery := strings.Cut(r.RequestURI, "?")
	if strings.HasPrefix(path, "/") && !strings.HasPrefix(path, "//") {
		// Opaque is written to the request line verbatim.
		out.URL.Opaque = path
		out.URL.ForceQuery = hasQuery && r.URL.RawQuery == ""
	} else {
		out.URL.Path, out.URL.RawPath = r.URL.Path, r.URL.RawPath
	}
	out.Host = r.Host
	dropHopByHop(out.Header)
	if r.ContentLength == 0 {
		out.Body = nil
	} else {
		// The transport resends a request on a fresh connection when a
		// reused one turns out to be closed before anything was written,
		// but only if it can get the body again. An unread body can be
		// sent as is (the transport checks that itself); a read one cannot.
		out.GetBody = func() (io.ReadCloser, error) { return nil, errBodyConsumed }
	}
	return out
}

// forward sends r to the server and copies the response back to w.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, op string) {
	resp, err := p.send(r, op)
	if err != nil {
		writeS3Error(w, r, http.StatusBadGateway, "BadGateway",
			"faultproxy could not reach "+p.target.Host+": "+err.Error())
		return
	}
	defer resp.Body.Close()
	dropHopByHop(resp.Header)
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	if _, err := io.Copy(w, resp.Body); err != nil {
		// Cut the connection rather than end a truncated body cleanly.
		panic(http.ErrAbortHandler)
	}
}

// forwardAndDiscard sends r to the server and reads the whole response, so
// that the request has taken effect, without telling the client anything.
func (p *Proxy) forwardAndDiscard(r *http.Request, op string) {
	resp, err := p.send(r, op)
	if err != nil {
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func (p *Proxy) send(r *http.Request, op string) (*http.Response, error) {
	p.mu.Lock()
	p.count(op, func(c *Counts) { c.Forwarded++ })
	p.mu.Unlock()
	return p.transport.RoundTrip(p.outgoing(r))
}

// dropHopByHop removes the hop-by-hop headers and those the Connection
// header names.
func dropHopByHop(h http.Header) {
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range hopByHop {
		h.Del(name)
	}
}
