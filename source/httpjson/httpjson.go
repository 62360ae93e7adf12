// Package httpjson is the sidecar's http source: JSON records POSTed as
// NDJSON or as one JSON array, the body gzip, zstd or plain, as Vector's
// http sink sends them (codec json, any framing, acknowledgements on).
//
// POST /<tag> carries one batch: every record of it is handed to the Sink
// in one Deliver, and the answer follows the Sink's: 200 only once the
// batch is durable, 503 with Retry-After when a buffer is full (the client
// sends it again), 500 when it can never be taken. A batch with a bad line
// is refused whole with 400 naming the line, so the client's corrected
// retry is not a duplicate of records already taken.
//
// At most max_concurrent_requests requests are worked on at once; one
// more is answered 503 with Retry-After at once (counted as busy), which
// bounds the memory bodies take.
//
// GET and HEAD are answered 200 (a client's health check may aim at the
// source). Other answers: 401 without the auth_token, 405 for any other
// method but POST, 413 past max_body_size (as sent or decompressed), 415 for a
// Content-Encoding other than gzip, zstd or identity. The path is the
// tag, whatever it is: there is no 404.
//
// Counters: a request being served is an open connection; rejects count
// requests for unauthorized, bad_request (a bad line, an unreadable body,
// a wrong method), too_large and unsupported_encoding, and records for
// buffer_full (503) and error (500).
package httpjson

import (
	"crypto/tls"
	"os"
	"strings"
	"time"

	"github.com/s3append/s3append/source"
)

// Kind is the source type "http".
var Kind = source.Kind{
	Type: "http",
	Keys: append([]string{"time_key", "time_key_format", "retry_after", "max_body_size", "max_concurrent_requests", "auth_token", "socket_mode"},
		source.TLSKeys...),
	Build: func(s *source.Settings) source.Source { return newSource(readConfig(s)) },
}

// config is a source's settings, read and checked.
type config struct {
	name       string
	listen     string
	mode       os.FileMode
	tag        string // for POST /
	timeKey    timeKey
	retryAfter time.Duration
	maxBody    int64 // decompressed, and the compressed body too
	slots      int   // requests worked on at once
	token      string
	tls        *tls.Config
}

const (
	defaultTag        = "http"
	defaultMaxBody    = 10 << 20
	defaultRetryAfter = time.Second
)

func readConfig(s *source.Settings) config {
	c := config{
		name:       s.Name,
		listen:     s.Listen(),
		mode:       s.FileMode("socket_mode", 0o660),
		tag:        s.String("tag", defaultTag),
		retryAfter: s.Duration("retry_after", defaultRetryAfter),
		maxBody:    s.Size("max_body_size", defaultMaxBody),
		slots:      s.Int("max_concurrent_requests", source.DefaultMaxConcurrentRequests, 1),
		token:      s.String("auth_token", ""),
		tls:        s.TLS(),
	}
	c.timeKey = timeKey{
		key:    s.String("time_key", ""),
		format: s.OneOf("time_key_format", "auto", "auto", "rfc3339", "epoch", "epoch_ms"),
	}
	if c.tag == "" {
		s.Fail("tag", "must not be empty: it is the tag of POST /")
	}
	if c.maxBody < 1024 {
		s.Fail("max_body_size", "%d bytes is too small for a batch: give 1K at least", c.maxBody)
	}
	if s.Has("auth_token") && strings.TrimSpace(c.token) == "" {
		s.Fail("auth_token", "is empty: leave it out to accept requests without a token")
	}
	return c
}
