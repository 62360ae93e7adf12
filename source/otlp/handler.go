package otlp

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/source"
)

// ServeHTTP answers one OTLP/HTTP request.
func (s *Source) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := s.env.Stats
	st.ConnectionsOpen.Add(1)
	st.ConnectionsTotal.Add(1)
	defer st.ConnectionsOpen.Add(-1)
	arrival := time.Now()

	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	isJSON := ctype == typeJSON
	switch {
	case r.URL.Path != "/v1/logs":
		writeStatus(w, http.StatusNotFound, isJSON, codeNotFound, "only /v1/logs is served here")
		return
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		writeStatus(w, http.StatusMethodNotAllowed, isJSON, codeUnimplemented, "/v1/logs takes POST")
		return
	case s.token != "" && !s.authorized(r):
		w.Header().Set("WWW-Authenticate", `Bearer realm="otlp"`)
		s.refuse(w, r, isJSON, http.StatusUnauthorized, "unauthorized", "a valid Authorization: Bearer token is required")
		return
	case ctype != typeProtobuf && ctype != typeJSON:
		s.refuse(w, r, isJSON, http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type "+r.Header.Get("Content-Type")+" is not application/x-protobuf or application/json")
		return
	}

	if !s.slots.TryAcquire() {
		st.Reject("busy", 1)
		s.env.Log.Limitedf(out_s3append.LevelWarn, "busy", "request from %s not taken: max_concurrent_requests (%d) are being worked on; answered 503, the client sends it again", r.RemoteAddr, cap(s.slots))
		writeStatus(w, http.StatusServiceUnavailable, isJSON, codeUnavailable, "busy: send the request again later")
		return
	}
	defer s.slots.Release()

	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	wire, err := readBody(r, s.maxBody, buf)
	switch {
	case errors.Is(err, errTooLarge):
		s.refuse(w, r, isJSON, http.StatusRequestEntityTooLarge, "too_large", err.Error())
		return
	case errors.Is(err, errEncoding):
		s.refuse(w, r, isJSON, http.StatusUnsupportedMediaType, "unsupported_media_type", err.Error())
		return
	case err != nil:
		s.refuse(w, r, isJSON, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	req, err := decodeRequest(buf.Bytes(), isJSON)
	if err != nil {
		s.refuse(w, r, isJSON, http.StatusBadRequest, "bad_request", "undecodable "+ctype+" ExportLogsServiceRequest: "+err.Error())
		return
	}

	b := getBatches()
	defer putBatches(b)
	s.build(b, req, arrival)
	if unfit := b.rejected; unfit > 0 {
		st.Reject("bad_request", unfit)
		s.env.Log.Limitedf(out_s3append.LevelWarn, "unfit", "request from %s: %s", r.RemoteAddr, b.message())
	}
	if !s.deliver(w, r, b, isJSON, wire) {
		return
	}
	writeSuccess(w, isJSON, b.rejected, b.message())
}

// deliver hands each tag's batch to the Sink, and answers 503 (nothing
// more is delivered) when one is told Retry. Several tags of a request
// cannot be taken atomically: when a later tag gets Retry after an
// earlier one was made durable, the client resends the whole request and
// the earlier tags' records are stored twice. Most requests come from one
// service, so have one tag.
func (s *Source) deliver(w http.ResponseWriter, r *http.Request, b *batches, isJSON bool, wire int64) bool {
	var taken int64
	for i, tag := range b.tags {
		if b.counts[i] == 0 {
			continue
		}
		switch s.env.Sink.Deliver(tag, b.events[i]) {
		case source.OK:
			taken += b.counts[i]
		case source.Retry:
			// Records of earlier tags are durable all the same: count them.
			if taken > 0 {
				s.env.Stats.Acknowledged(taken, wire)
			}
			s.env.Stats.Reject("buffer_full", b.records-taken)
			s.env.Log.Limitedf(out_s3append.LevelWarn, "retry", "buffer full or shutting down: %s told to retry its %d records (at tag %s)", r.RemoteAddr, b.records, tag)
			writeStatus(w, http.StatusServiceUnavailable, isJSON, codeUnavailable, "the buffer is full or the server is stopping: retry later")
			return false
		default:
			// The engine can never take these: tell the client as
			// rejected records, so it does not resend them.
			s.env.Stats.Reject("sink_error", b.counts[i])
			if b.rejected == 0 {
				b.why = "the store refused the records of tag " + tag
			}
			b.rejected += b.counts[i]
			s.env.Log.Limitedf(out_s3append.LevelError, "sink_error", "%d records from %s (tag %s) refused by the store", b.counts[i], r.RemoteAddr, tag)
		}
	}
	if taken > 0 {
		s.env.Stats.Acknowledged(taken, wire)
	}
	return true
}

// refuse counts a refused request, logs it (rate limited) and answers.
func (s *Source) refuse(w http.ResponseWriter, r *http.Request, isJSON bool, code int, reason, msg string) {
	s.env.Stats.Reject(reason, 1)
	s.env.Log.Limitedf(out_s3append.LevelWarn, reason, "request from %s refused (%d): %s", r.RemoteAddr, code, msg)
	rpc := int32(codeInvalidArgument)
	switch code {
	case http.StatusRequestEntityTooLarge:
		rpc = codeResourceExhausted
	case http.StatusUnauthorized:
		rpc = codeUnauthenticated
	}
	writeStatus(w, code, isJSON, rpc, msg)
}

// authorized checks Authorization: Bearer <auth_token>, in constant time.
func (s *Source) authorized(r *http.Request) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.token)) == 1
}
