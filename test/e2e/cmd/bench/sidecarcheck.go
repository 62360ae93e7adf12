package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/e2e/sidecarproc"
)

// landed is what a run left in its bucket.
type landed struct{ objects, bytes, records int64 }

// landedRecords counts the objects of a bucket and the JSON lines in them
// (one per record), and fails on a dead letter or a multipart upload left
// open.
func landedRecords(store *s3api.AWSStore) (landed, error) {
	ctx := context.Background()
	var l landed
	objs, err := store.ListObjects(ctx, "")
	if err != nil {
		return l, err
	}
	buf := make([]byte, 1<<20)
	for _, o := range objs {
		if strings.HasPrefix(o.Key, "s3append-dead-letter/") {
			return l, fmt.Errorf("dead letter %s in the bucket", o.Key)
		}
		body, _, err := store.GetObject(ctx, o.Key)
		if err != nil {
			return l, err
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return l, fmt.Errorf("%s: %w", o.Key, err)
		}
		for {
			n, err := zr.Read(buf)
			l.records += int64(bytes.Count(buf[:n], []byte{'\n'}))
			if err == io.EOF {
				break
			}
			if err != nil {
				return l, fmt.Errorf("%s: %w", o.Key, err)
			}
		}
		l.objects++
		l.bytes += o.Size
	}
	ups, err := store.ListMultipartUploads(ctx, "")
	if err != nil {
		return l, err
	}
	if len(ups) > 0 {
		return l, fmt.Errorf("%d multipart uploads left open", len(ups))
	}
	return l, nil
}

// openIdle opens n connections to a TCP source that send nothing, and
// waits until the sidecar counts them all open (each has its goroutine
// and buffer then).
func openIdle(p *sidecarproc.Proc, sourceName, addr string, n int) ([]net.Conn, error) {
	if n == 0 {
		return nil, nil
	}
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return conns, fmt.Errorf("idle connection %d of %d to %s: %w", len(conns)+1, n, addr, err)
		}
		conns = append(conns, c)
	}
	return conns, waitSourceCounter(p, "connections_open", sourceName, float64(n))
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		c.Close()
	}
}

// sourcePoll is how often a counter is read while waiting for it.
const sourcePoll = 50 * time.Millisecond

// waitSourceCounter polls the sidecar's s3append_source_<metric> of
// source until it reaches want, for up to sidecarReady.
func waitSourceCounter(p *sidecarproc.Proc, metric, source string, want float64) error {
	deadline := time.Now().Add(sidecarReady)
	for {
		v, err := sourceCounter(p, metric, source)
		if err != nil {
			return err
		}
		if v >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("s3append_source_%s of %s is %.0f after %s, want %.0f", metric, source, v, sidecarReady, want)
		}
		time.Sleep(sourcePoll)
	}
}

// sourceCounter reads s3append_source_<metric>{source="..."} from
// /metrics.
func sourceCounter(p *sidecarproc.Proc, metric, source string) (float64, error) {
	text, err := p.Metrics()
	if err != nil {
		return 0, err
	}
	prefix := "s3append_source_" + metric + `{source="` + source + `"`
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		f := strings.Fields(line)
		return strconv.ParseFloat(f[len(f)-1], 64)
	}
	return 0, fmt.Errorf("no %s in the sidecar's metrics", prefix)
}
