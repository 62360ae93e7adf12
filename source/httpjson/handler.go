package httpjson

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/source"
)

// bufPool holds the buffers of bodies and of the events built from them;
// both grow to the size of the batches a client sends and are kept.
var bufPool = sync.Pool{New: func() any { return new([]byte) }}

// ServeHTTP takes one batch.
func (s *Source) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := s.env.Stats
	st.ConnectionsOpen.Add(1)
	st.ConnectionsTotal.Add(1)
	defer st.ConnectionsOpen.Add(-1)

	if s.cfg.token != "" && !s.authorized(r) {
		st.Reject("unauthorized", 1)
		s.env.Log.Limitedf(out_s3append.LevelWarn, "unauthorized", "request from %s refused: no valid Authorization: Bearer token", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="s3append"`)
		s.answerError(w, http.StatusUnauthorized, "a valid Authorization: Bearer token is required")
		return
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		// A client's health check (Vector's healthcheck.uri, a load
		// balancer's probe) may point at the source itself.
		s.answer(w, http.StatusOK, map[string]string{"status": "ok", "send": "POST /<tag> with NDJSON or a JSON array"})
		return
	}
	if r.Method != http.MethodPost {
		st.Reject("bad_request", 1)
		w.Header().Set("Allow", "GET, HEAD, POST")
		s.answerError(w, http.StatusMethodNotAllowed, "send batches with POST /<tag>")
		return
	}
	tag, ok := s.tagOf(r)
	if !ok {
		st.Reject("bad_request", 1)
		s.answerError(w, http.StatusBadRequest, "the path, the tag, holds a control character or invalid UTF-8")
		return
	}
	if !s.slots.TryAcquire() {
		st.Reject("busy", 1)
		s.env.Log.Limitedf(out_s3append.LevelWarn, "busy", "request from %s for tag %s not taken: max_concurrent_requests (%d) are being worked on; answered 503, the client sends it again",
			r.RemoteAddr, tag, cap(s.slots))
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(s.cfg.retryAfter.Seconds()))))
		s.answerError(w, http.StatusServiceUnavailable, "busy: send the batch again later")
		return
	}
	defer s.slots.Release()
	if r.ContentLength > s.cfg.maxBody {
		s.tooLarge(w, r, fmt.Errorf("%w: Content-Length %d, max_body_size is %d bytes", errTooLarge, r.ContentLength, s.cfg.maxBody))
		return
	}

	bodyBuf := bufPool.Get().(*[]byte)
	defer bufPool.Put(bodyBuf)
	body, received, err := s.bodies.read((*bodyBuf)[:0], w, r)
	*bodyBuf = body[:0]
	switch {
	case errors.Is(err, errEncoding):
		st.Reject("unsupported_encoding", 1)
		s.answerError(w, http.StatusUnsupportedMediaType, err.Error())
		return
	case errors.Is(err, errTooLarge):
		s.tooLarge(w, r, err)
		return
	case err != nil:
		st.Reject("bad_request", 1)
		s.env.Log.Limitedf(out_s3append.LevelWarn, "read", "request from %s for tag %s: %v", r.RemoteAddr, tag, err)
		s.answerError(w, http.StatusBadRequest, err.Error())
		return
	}

	evBuf := bufPool.Get().(*[]byte)
	defer bufPool.Put(evBuf)
	events, records, bad := appendBody((*evBuf)[:0], body, time.Now(), s.cfg.timeKey)
	*evBuf = events[:0]
	if bad != nil {
		st.Reject("bad_request", 1)
		s.env.Log.Limitedf(out_s3append.LevelWarn, "bad_line", "request from %s for tag %s refused whole (%d bytes): line %d, byte %d: %s",
			r.RemoteAddr, tag, len(body), bad.Line, bad.Offset, bad.Reason)
		s.answer(w, http.StatusBadRequest, map[string]any{"error": bad.Reason, "line": bad.Line, "offset": bad.Offset})
		return
	}
	if records == 0 {
		s.answer(w, http.StatusOK, struct{}{})
		return
	}
	switch s.env.Sink.Deliver(tag, events) {
	case source.OK:
		st.Acknowledged(int64(records), received)
		s.answer(w, http.StatusOK, struct{}{})
	case source.Retry:
		st.Reject("buffer_full", int64(records))
		s.env.Log.Limitedf(out_s3append.LevelWarn, "retry", "batch of %d records from %s for tag %s not taken (buffer full or shutting down): answered 503, the client sends it again",
			records, r.RemoteAddr, tag)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(s.cfg.retryAfter.Seconds()))))
		s.answerError(w, http.StatusServiceUnavailable, "buffer full: send the batch again later")
	default:
		st.Reject("error", int64(records))
		s.env.Log.Limitedf(out_s3append.LevelError, "error", "batch of %d records from %s for tag %s cannot be taken: answered 500",
			records, r.RemoteAddr, tag)
		s.answerError(w, http.StatusInternalServerError, "the batch cannot be taken: see the sidecar's log")
	}
}

func (s *Source) tooLarge(w http.ResponseWriter, r *http.Request, err error) {
	s.env.Stats.Reject("too_large", 1)
	s.env.Log.Limitedf(out_s3append.LevelWarn, "too_large", "request from %s refused: %v", r.RemoteAddr, err)
	// The rest of the body is not read: the connection cannot be reused.
	w.Header().Set("Connection", "close")
	s.answerError(w, http.StatusRequestEntityTooLarge, err.Error())
}

// authorized compares the bearer token in constant time (its length
// aside), so the token cannot be guessed byte by byte from timings.
func (s *Source) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") &&
		subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.cfg.token)) == 1
}

// tagOf is the URL path without its leading slash; POST / takes the tag
// setting.
func (s *Source) tagOf(r *http.Request) (string, bool) {
	tag := strings.TrimPrefix(r.URL.Path, "/")
	if tag == "" {
		return s.cfg.tag, true
	}
	if !utf8.ValidString(tag) || strings.ContainsFunc(tag, unicode.IsControl) {
		return "", false
	}
	return tag, true
}

func (s *Source) answerError(w http.ResponseWriter, code int, msg string) {
	s.answer(w, code, map[string]string{"error": msg})
}

func (s *Source) answer(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}
