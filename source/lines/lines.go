// Package lines is the sidecar's lines source: newline-delimited text
// over a unix socket or TCP (optionally TLS), each line one record
// {"log": line}, or with parse json a line that is a JSON object that
// object. A line longer than max_line_size is cut into pieces, each a
// record marked partial, so nothing is dropped however long it is.
//
// The protocol has no acknowledgement, so what a crash can lose is what
// the sidecar had read but not yet handed to the Sink: at most one batch
// (batch_size) per connection, plus what sat in the kernel's socket
// buffers. When the buffer is full the source stops reading the
// connection and tries the batch again, so the pressure reaches the
// writer through TCP or the socket rather than dropping lines; on Stop
// it delivers what it has read, and only if the Sink still refuses it by
// the deadline is that batch lost (logged and counted as "shutdown").
package lines

import (
	"crypto/tls"
	"os"

	"github.com/s3append/s3append/source"
)

// Kind is the source type "lines".
var Kind = source.Kind{
	Type:  "lines",
	Keys:  append([]string{"socket_mode", "log_key", "parse", "max_line_size", "batch_size"}, source.TLSKeys...),
	Build: func(s *source.Settings) source.Source { return newSource(readConfig(s)) },
}

// config is a source's settings, read and checked.
type config struct {
	name      string
	listen    string
	mode      os.FileMode
	tag       string
	logKey    string
	parseJSON bool
	maxLine   int // bytes of a record's text, before it is cut
	batchSize int // bytes of events that make a batch
	tls       *tls.Config
}

const (
	defaultMaxLine   = 1 << 20
	defaultBatchSize = 1 << 20
)

func readConfig(s *source.Settings) config {
	c := config{
		name:      s.Name,
		listen:    s.Listen(),
		mode:      s.FileMode("socket_mode", 0o660),
		tag:       s.String("tag", "lines"),
		logKey:    s.String("log_key", "log"),
		parseJSON: s.OneOf("parse", "none", "none", "json") == "json",
		maxLine:   int(s.Size("max_line_size", defaultMaxLine)),
		batchSize: int(s.Size("batch_size", defaultBatchSize)),
		tls:       s.TLS(),
	}
	if c.tag == "" {
		s.Fail("tag", "must not be empty")
	}
	if c.logKey == "" {
		s.Fail("log_key", "must not be empty: it names the field that holds the line")
	}
	if c.maxLine < 1 || c.maxLine > 1<<30 {
		s.Fail("max_line_size", "%d is out of range: give 1 byte to 1G", c.maxLine)
		c.maxLine = defaultMaxLine
	}
	if c.batchSize < 1 || c.batchSize > 1<<30 {
		s.Fail("batch_size", "%d is out of range: give 1 byte to 1G", c.batchSize)
		c.batchSize = defaultBatchSize
	}
	if c.tls != nil {
		if network, _, err := source.SplitListen(c.listen); err == nil && network != "tcp" {
			s.Fail("tls_cert_file", "TLS is for tcp listen addresses; %s is a unix socket", c.listen)
		}
	}
	return c
}
