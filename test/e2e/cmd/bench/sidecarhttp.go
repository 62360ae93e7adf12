package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"
)

// The http run: NDJSON batches of httpBatch records, gzip at the default
// level, POSTed by httpClients clients at once, as Vector's http sink
// sends them (codec json, framing newline_delimited, compression gzip,
// acknowledgements on: the next batch waits for the 200).
const (
	httpBatch   = 2000
	httpClients = 4
)

// ndjsonBatch is one request body and its size before compression.
type ndjsonBatch struct {
	tag     string
	body    []byte // gzip
	raw     int
	records int
}

func httpLoad(records int) sidecarLoad {
	n := batchesOf(records, httpBatch)
	batches := ndjsonBatches()
	return sidecarLoad{
		name: fmt.Sprintf("http NDJSON gzip, %d clients, %d records per batch", httpClients, httpBatch),
		// Vector writes each event's time in "timestamp": the source
		// takes it as the event time, so keys partition as the plugin's.
		source:     "  - type: http\n    listen: 127.0.0.1:0\n    time_key: timestamp\n",
		sourceName: "http.0",
		send: func(addr string) (sent, error) {
			return sendHTTP("http://"+addr+"/", batches, n)
		},
	}
}

// ndjsonBatches converts the pool to gzip NDJSON bodies: each record as
// JSON with its event time in "timestamp" (RFC 3339), as Vector adds it.
func ndjsonBatches() []ndjsonBatch {
	batches := make([]ndjsonBatch, 0, sidecarPool/httpBatch)
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw) // one line per record
	enc.SetEscapeHTML(false)
	poolRecords(func(i int, t time.Time, record map[string]any) {
		record["timestamp"] = t.Format(time.RFC3339Nano)
		if err := enc.Encode(record); err != nil {
			panic(fmt.Sprintf("bench: record %d as JSON: %v", i, err)) // generated data: a bug
		}
		if (i+1)%httpBatch == 0 {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(raw.Bytes())
			zw.Close()
			batches = append(batches, ndjsonBatch{tag: sidecarTag(len(batches)), body: z.Bytes(), raw: raw.Len(), records: httpBatch})
			raw.Reset()
		}
	})
	return batches
}

// sendHTTP posts batches 0..n-1 (batches cycled) from httpClients
// clients, which take the next batch in turn.
func sendHTTP(base string, batches []ndjsonBatch, n int) (sent, error) {
	client := &http.Client{
		Timeout:   clientDeadline,
		Transport: &http.Transport{MaxIdleConnsPerHost: httpClients, DisableCompression: true},
	}
	defer client.CloseIdleConnections()
	var next, records, raw atomic.Int64
	errs := make(chan error, httpClients)
	for range httpClients {
		go func() {
			for {
				j := next.Add(1) - 1
				if j >= int64(n) {
					errs <- nil
					return
				}
				b := batches[j%int64(len(batches))]
				if err := postBatch(client, base+b.tag, b.body); err != nil {
					errs <- fmt.Errorf("batch %d: %w", j, err)
					return
				}
				records.Add(int64(b.records))
				raw.Add(int64(b.raw))
			}
		}()
	}
	var first error
	for range httpClients {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return sent{records: records.Load(), bytes: raw.Load()}, first
}

func postBatch(client *http.Client, url string, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %s", url, resp.Status, answer)
	}
	return nil
}
