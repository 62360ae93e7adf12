package main

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/tinylib/msgp/msgp"

	"github.com/s3append/s3append/format"
)

// The forward run: PackedForward messages of forwardBatch records, each
// with the chunk option, over forwardConns connections. A connection keeps
// up to forwardWindow messages unacknowledged, as Fluentd's out_forward
// with require_ack_response does (it does not wait for one chunk's ack
// before sending the next).
const (
	forwardBatch  = 1000
	forwardConns  = 4
	forwardWindow = 4
)

// packedMessage is a PackedForward message without its option map: head
// is [tag, bin-header of entries] and entries the [time, record] events.
type packedMessage struct {
	head, entries []byte
	records       int
}

func forwardLoad(records int) sidecarLoad {
	n := batchesOf(records, forwardBatch)
	msgs := packedMessages()
	return sidecarLoad{
		name:       fmt.Sprintf("forward PackedForward + ack, %d connections, %d records per message", forwardConns, forwardBatch),
		source:     "  - type: forward\n    listen: 127.0.0.1:0\n",
		sourceName: "forward.0",
		send: func(addr string) (sent, error) {
			return sendForward(addr, msgs, n)
		},
	}
}

// packedMessages converts the pool to messages, each entry an event
// [EventTime, record] as Fluent Bit's forward output sends it.
func packedMessages() []packedMessage {
	msgs := make([]packedMessage, 0, sidecarPool/forwardBatch)
	var entries []byte
	poolRecords(func(i int, t time.Time, record map[string]any) {
		entries = format.AppendLegacyEvent(entries, t, record)
		if (i+1)%forwardBatch == 0 {
			head := msgp.AppendArrayHeader(nil, 3)
			head = msgp.AppendString(head, sidecarTag(len(msgs)))
			head = msgp.AppendBytesHeader(head, uint32(len(entries)))
			msgs = append(msgs, packedMessage{head: head, entries: entries, records: forwardBatch})
			entries = nil
		}
	})
	return msgs
}

// sendForward sends messages 0..n-1 (msgs cycled) over forwardConns
// connections, which take the next message in turn.
func sendForward(addr string, msgs []packedMessage, n int) (sent, error) {
	var next, records, bytes atomic.Int64
	errs := make(chan error, forwardConns)
	for range forwardConns {
		go func() { errs <- forwardConn(addr, msgs, int64(n), &next, &records, &bytes) }()
	}
	var first error
	for range forwardConns {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return sent{records: records.Load(), bytes: bytes.Load()}, first
}

// inFlight is a message sent and not yet acknowledged.
type inFlight struct {
	chunk   string
	records int
}

// clientDeadline bounds every client connection of a run: a sidecar that
// stops answering fails the run rather than hanging it.
const clientDeadline = 10 * time.Minute

// forwardConn sends messages on one connection while a goroutine reads
// the acks, which come in the order of the messages.
func forwardConn(addr string, msgs []packedMessage, n int64, next, records, bytes *atomic.Int64) error {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(clientDeadline))
	// The reader takes a message off pending when it starts waiting for
	// its ack, so a capacity of forwardWindow-1 keeps at most
	// forwardWindow unacknowledged.
	pending := make(chan inFlight, forwardWindow-1)
	acks := make(chan error, 1)
	go func() { acks <- readAcks(nc, pending, records) }()
	var opt []byte
	for {
		j := next.Add(1) - 1
		if j >= n {
			break
		}
		m := msgs[j%int64(len(msgs))]
		chunk := chunkID(j)
		select {
		case pending <- inFlight{chunk, m.records}:
		case err := <-acks:
			close(pending)
			return fmt.Errorf("forward connection to %s: %w", addr, err)
		}
		opt = appendChunkOption(opt[:0], chunk, m.records)
		bufs := net.Buffers{m.head, m.entries, opt}
		if _, err := bufs.WriteTo(nc); err != nil {
			close(pending)
			return fmt.Errorf("forward connection to %s: sending message %d: %w", addr, j, err)
		}
		bytes.Add(int64(len(m.head) + len(m.entries) + len(opt)))
	}
	close(pending)
	if err := <-acks; err != nil {
		return fmt.Errorf("forward connection to %s: %w", addr, err)
	}
	return nil
}

// readAcks reads one {"ack": chunk} per message sent, in order.
func readAcks(nc net.Conn, pending <-chan inFlight, records *atomic.Int64) error {
	r := msgp.NewReader(nc)
	for m := range pending {
		n, err := r.ReadMapHeader()
		if err != nil {
			return fmt.Errorf("reading the ack of chunk %s: %w", m.chunk, err)
		}
		var got string
		for range n {
			key, err := r.ReadString()
			if err != nil {
				return fmt.Errorf("reading the ack of chunk %s: %w", m.chunk, err)
			}
			if key != "ack" {
				if err := r.Skip(); err != nil {
					return err
				}
				continue
			}
			if got, err = r.ReadString(); err != nil {
				return fmt.Errorf("reading the ack of chunk %s: %w", m.chunk, err)
			}
		}
		if got != m.chunk {
			return fmt.Errorf("ack %q, want %q: acks out of order or missing", got, m.chunk)
		}
		records.Add(int64(m.records))
	}
	return nil
}

// chunkID is a unique chunk option value: base64 of 16 bytes, as Fluentd
// and Fluent Bit make theirs.
func chunkID(j int64) string {
	var id [16]byte
	copy(id[:8], "s3bench\x00")
	binary.BigEndian.PutUint64(id[8:], uint64(j))
	return base64.StdEncoding.EncodeToString(id[:])
}

// appendChunkOption appends {"chunk": chunk, "size": records}.
func appendChunkOption(b []byte, chunk string, records int) []byte {
	b = msgp.AppendMapHeader(b, 2)
	b = msgp.AppendString(b, "chunk")
	b = msgp.AppendString(b, chunk)
	b = msgp.AppendString(b, "size")
	return msgp.AppendInt(b, records)
}
