package main

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"
)

// The lines run: the records' log text, one line each, written by
// linesWriters writers at once over a unix socket, in blocks of
// linesBlock lines. The protocol has no acknowledgement: the run ends
// its sending when the source has counted every line taken.
const (
	linesBlock   = 1000
	linesWriters = 4
)

// lineBlock is linesBlock lines of text, each ending in a newline.
type lineBlock struct {
	text  []byte
	lines int
}

func linesLoad(records int) sidecarLoad {
	n := batchesOf(records, linesBlock)
	blocks := lineBlocks()
	return sidecarLoad{
		name:       fmt.Sprintf("lines over a unix socket, %d writers, the records' log text", linesWriters),
		source:     "  - type: lines\n    listen: unix://$DIR/lines.sock\n    tag: kube.lines\n",
		sourceName: "lines.0",
		send: func(addr string) (sent, error) {
			return sendLines(strings.TrimPrefix(addr, "unix://"), blocks, n)
		},
		unacked: true,
	}
}

// lineBlocks converts the pool to text: each record's "log" field. The
// generated logs are single lines (a stack trace is one record per line),
// so a newline inside one would be a change in datagen: it is replaced,
// keeping one line per record.
func lineBlocks() []lineBlock {
	blocks := make([]lineBlock, 0, sidecarPool/linesBlock)
	var text []byte
	poolRecords(func(i int, _ time.Time, record map[string]any) {
		s, _ := record["log"].(string)
		text = append(text, strings.ReplaceAll(s, "\n", " ")...)
		text = append(text, '\n')
		if (i+1)%linesBlock == 0 {
			blocks = append(blocks, lineBlock{text: text, lines: linesBlock})
			text = nil
		}
	})
	return blocks
}

// sendLines writes blocks 0..n-1 (blocks cycled) from linesWriters
// connections to the unix socket at path, which take the next block in
// turn, and closes them.
func sendLines(path string, blocks []lineBlock, n int) (sent, error) {
	var next, lines, written atomic.Int64
	errs := make(chan error, linesWriters)
	for range linesWriters {
		go func() {
			nc, err := net.Dial("unix", path)
			if err != nil {
				errs <- err
				return
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(clientDeadline))
			for {
				j := next.Add(1) - 1
				if j >= int64(n) {
					errs <- nil
					return
				}
				b := blocks[j%int64(len(blocks))]
				if _, err := nc.Write(b.text); err != nil {
					errs <- fmt.Errorf("lines writer to %s: block %d: %w", path, j, err)
					return
				}
				lines.Add(int64(b.lines))
				written.Add(int64(len(b.text)))
			}
		}()
	}
	var first error
	for range linesWriters {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return sent{records: lines.Load(), bytes: written.Load()}, first
}
