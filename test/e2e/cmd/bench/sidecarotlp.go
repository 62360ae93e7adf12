package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	common "go.opentelemetry.io/proto/otlp/common/v1"
	logs "go.opentelemetry.io/proto/otlp/logs/v1"
	resource "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/proto"
)

// The otlp run: OTLP/HTTP protobuf requests of otlpBatch log records,
// uncompressed, from otlpClients clients at once. Each record is what an
// OpenTelemetry Collector's filelog receiver and k8sattributes processor
// make of a container's line: the text as the body, the stream as the
// log.iostream attribute, the pod's metadata as resource attributes
// (records of one pod in a row share a ResourceLogs).
const (
	otlpBatch   = 1000
	otlpClients = 2
)

// otlpRequest is one marshalled ExportLogsServiceRequest.
type otlpRequest struct {
	body    []byte
	records int
}

func otlpLoad(records int) sidecarLoad {
	n := batchesOf(records, otlpBatch)
	reqs := otlpRequests()
	return sidecarLoad{
		name:       fmt.Sprintf("otlp protobuf, %d clients, %d records per request", otlpClients, otlpBatch),
		source:     "  - type: otlp\n    listen: 127.0.0.1:0\n",
		sourceName: "otlp.0",
		send: func(addr string) (sent, error) {
			return sendOTLP("http://"+addr+"/v1/logs", reqs, n)
		},
	}
}

func otlpRequests() []otlpRequest {
	reqs := make([]otlpRequest, 0, sidecarPool/otlpBatch)
	req := &collogs.ExportLogsServiceRequest{}
	var cur *logs.ScopeLogs
	var curPod string
	poolRecords(func(i int, t time.Time, record map[string]any) {
		k8s, _ := record["kubernetes"].(map[string]any)
		pod, _ := k8s["pod_name"].(string)
		if cur == nil || pod != curPod {
			cur = &logs.ScopeLogs{}
			req.ResourceLogs = append(req.ResourceLogs, &logs.ResourceLogs{
				Resource: &resource.Resource{Attributes: []*common.KeyValue{
					strKV("k8s.pod.name", pod),
					strKV("k8s.namespace.name", str(k8s["namespace_name"])),
					strKV("k8s.container.name", str(k8s["container_name"])),
					strKV("k8s.node.name", str(k8s["host"])),
				}},
				ScopeLogs: []*logs.ScopeLogs{cur},
			})
			curPod = pod
		}
		cur.LogRecords = append(cur.LogRecords, &logs.LogRecord{
			TimeUnixNano: uint64(t.UnixNano()),
			Body:         &common.AnyValue{Value: &common.AnyValue_StringValue{StringValue: str(record["log"])}},
			Attributes:   []*common.KeyValue{strKV("log.iostream", str(record["stream"]))},
		})
		if (i+1)%otlpBatch == 0 {
			body, err := proto.Marshal(req)
			if err != nil {
				panic(fmt.Sprintf("bench: OTLP request of record %d: %v", i, err)) // generated data: a bug
			}
			reqs = append(reqs, otlpRequest{body: body, records: otlpBatch})
			req, cur = &collogs.ExportLogsServiceRequest{}, nil
		}
	})
	return reqs
}

func strKV(k, v string) *common.KeyValue {
	return &common.KeyValue{Key: k, Value: &common.AnyValue{Value: &common.AnyValue_StringValue{StringValue: v}}}
}

func str(v any) string { s, _ := v.(string); return s }

// sendOTLP posts requests 0..n-1 (reqs cycled) from otlpClients clients,
// which take the next request in turn; each must be taken whole.
func sendOTLP(url string, reqs []otlpRequest, n int) (sent, error) {
	client := &http.Client{
		Timeout:   clientDeadline,
		Transport: &http.Transport{MaxIdleConnsPerHost: otlpClients, DisableCompression: true},
	}
	defer client.CloseIdleConnections()
	var next, records, bytesSent atomic.Int64
	errs := make(chan error, otlpClients)
	for range otlpClients {
		go func() {
			for {
				j := next.Add(1) - 1
				if j >= int64(n) {
					errs <- nil
					return
				}
				r := reqs[j%int64(len(reqs))]
				if err := postOTLP(client, url, r.body); err != nil {
					errs <- fmt.Errorf("request %d: %w", j, err)
					return
				}
				records.Add(int64(r.records))
				bytesSent.Add(int64(len(r.body)))
			}
		}()
	}
	var first error
	for range otlpClients {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return sent{records: records.Load(), bytes: bytesSent.Load()}, first
}

func postOTLP(client *http.Client, url string, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %s", url, resp.Status, answer)
	}
	var res collogs.ExportLogsServiceResponse
	if err := proto.Unmarshal(answer, &res); err != nil {
		return fmt.Errorf("POST %s: the answer is not an ExportLogsServiceResponse: %w", url, err)
	}
	if n := res.GetPartialSuccess().GetRejectedLogRecords(); n > 0 {
		return fmt.Errorf("POST %s: %d records rejected: %s", url, n, res.GetPartialSuccess().GetErrorMessage())
	}
	return nil
}
