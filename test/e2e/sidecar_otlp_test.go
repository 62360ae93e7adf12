package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	common "go.opentelemetry.io/proto/otlp/common/v1"
	logs "go.opentelemetry.io/proto/otlp/logs/v1"
	resource "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/s3append/s3append/test/e2e/duckdb"
)

func strAttr(k, v string) *common.KeyValue {
	return &common.KeyValue{Key: k, Value: &common.AnyValue{Value: &common.AnyValue_StringValue{StringValue: v}}}
}

// otlpRequest is n log records of service from seq first, as an SDK
// exports them.
func otlpRequest(service string, first, n int) *collogs.ExportLogsServiceRequest {
	sl := &logs.ScopeLogs{Scope: &common.InstrumentationScope{Name: "e2e-logger", Version: "1.0.0"}}
	now := time.Now()
	for i := 0; i < n; i++ {
		trace := make([]byte, 16)
		trace[15] = byte(i)
		trace[0] = 0xab
		sl.LogRecords = append(sl.LogRecords, &logs.LogRecord{
			TimeUnixNano:   uint64(now.Add(time.Duration(i) * time.Millisecond).UnixNano()),
			SeverityNumber: logs.SeverityNumber_SEVERITY_NUMBER_WARN,
			SeverityText:   "WARN",
			Body:           &common.AnyValue{Value: &common.AnyValue_StringValue{StringValue: fmt.Sprintf("otlp record %d", first+i)}},
			Attributes: []*common.KeyValue{
				{Key: "seq", Value: &common.AnyValue{Value: &common.AnyValue_IntValue{IntValue: int64(first + i)}}},
				strAttr("http.route", "/api/items"),
			},
			TraceId: trace,
			SpanId:  []byte{1, 2, 3, 4, 5, 6, 7, 8},
		})
	}
	return &collogs.ExportLogsServiceRequest{ResourceLogs: []*logs.ResourceLogs{{
		Resource:  &resource.Resource{Attributes: []*common.KeyValue{strAttr("service.name", service)}},
		ScopeLogs: []*logs.ScopeLogs{sl},
	}}}
}

// hexIDs rewrites the base64 traceId and spanId protojson writes into the
// hex the OTLP JSON encoding requires.
func hexIDs(t *testing.T, body []byte, req *collogs.ExportLogsServiceRequest) []byte {
	t.Helper()
	for _, rl := range req.ResourceLogs {
		for _, sl := range rl.ScopeLogs {
			for _, lr := range sl.LogRecords {
				for _, id := range [][]byte{lr.TraceId, lr.SpanId} {
					b64 := `"` + base64.StdEncoding.EncodeToString(id) + `"`
					body = bytes.Replace(body, []byte(b64), []byte(`"`+hex.EncodeToString(id)+`"`), 1)
				}
			}
		}
	}
	return body
}

// OTLP/HTTP logs, protobuf and JSON, gzip, as the Collector's otlphttp
// exporter sends them: 200 with an ExportLogsServiceResponse, and every
// record lands once with its body, severity, attributes, resource and ids.
func TestSidecarOTLP(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	p := startSidecar(t, dir, "  - type: otlp\n    listen: 127.0.0.1:0\n", sidecarOutput("*", bucket, dir, nil), "otlp.0")
	url := "http://" + p.Addr("otlp.0") + "/v1/logs"
	const perRequest = 1000
	seq := 0
	for i := 0; i < 20; i++ {
		req := otlpRequest("checkout", seq, perRequest)
		asJSON := i%2 == 1
		var body []byte
		var err error
		ctype := "application/x-protobuf"
		if asJSON {
			ctype = "application/json"
			body, err = protojson.Marshal(req)
			body = hexIDs(t, body, req)
		} else {
			body, err = proto.Marshal(req)
		}
		if err != nil {
			t.Fatal(err)
		}
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(body)
		zw.Close()
		hr, _ := http.NewRequest(http.MethodPost, url, &z)
		hr.Header.Set("Content-Type", ctype)
		hr.Header.Set("Content-Encoding", "gzip")
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d (%s): %s %s", i, ctype, resp.Status, answer)
		}
		var res collogs.ExportLogsServiceResponse
		if asJSON {
			err = protojson.Unmarshal(answer, &res)
		} else {
			err = proto.Unmarshal(answer, &res)
		}
		if err != nil || res.GetPartialSuccess().GetRejectedLogRecords() != 0 {
			t.Fatalf("request %d: response %q (%v), want an ExportLogsServiceResponse rejecting nothing", i, answer, err)
		}
		seq += perRequest
	}
	stopSidecar(t, p)
	down := filepath.Join(dir, "landed")
	download(t, store, down)
	rows, err := duckdb.Query(fmt.Sprintf(`
SELECT count(*) AS n, count(DISTINCT attributes.seq) AS seqs,
       count(*) FILTER (WHERE body = 'otlp record ' || attributes.seq AND severity_text = 'WARN' AND severity_number = 13
                        AND resource."service.name" = 'checkout' AND attributes."http.route" = '/api/items'
                        AND span_id = '0102030405060708' AND trace_id LIKE 'ab%%' AND scope.name = 'e2e-logger') AS complete
FROM read_json('%s/logs/**', format='newline_delimited', compression='gzip',
     columns={body: 'VARCHAR', severity_text: 'VARCHAR', severity_number: 'INTEGER', trace_id: 'VARCHAR', span_id: 'VARCHAR',
              attributes: 'STRUCT(seq BIGINT, "http.route" VARCHAR)', resource: 'STRUCT("service.name" VARCHAR)',
              scope: 'STRUCT(name VARCHAR, version VARCHAR)'})`, down))
	if err != nil {
		t.Fatal(err)
	}
	r := rows[0]
	if fmt.Sprint(r["n"]) != fmt.Sprint(seq) || fmt.Sprint(r["seqs"]) != fmt.Sprint(seq) || fmt.Sprint(r["complete"]) != fmt.Sprint(seq) {
		t.Errorf("read back %v; want %d records, each once and with every field", r, seq)
	}
}
