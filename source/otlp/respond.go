package otlp

import (
	"net/http"
	"strconv"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// google.rpc.Code values of the Status bodies sent.
const (
	codeInvalidArgument   = 3
	codeNotFound          = 5
	codeResourceExhausted = 8
	codeUnimplemented     = 12
	codeUnavailable       = 14
	codeUnauthenticated   = 16
)

// retryAfter is the Retry-After of a 503, in seconds: the buffer frees
// as uploads finish, which takes seconds, not milliseconds.
const retryAfter = 5

const (
	typeProtobuf = "application/x-protobuf"
	typeJSON     = "application/json"
)

// writeMessage answers code with m in the request's encoding: OTLP/HTTP
// answers in the content type the client sent.
func writeMessage(w http.ResponseWriter, code int, isJSON bool, m proto.Message) {
	var body []byte
	if isJSON {
		body, _ = protojson.Marshal(m)
		w.Header().Set("Content-Type", typeJSON)
	} else {
		body, _ = proto.Marshal(m)
		w.Header().Set("Content-Type", typeProtobuf)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	w.Write(body)
}

// writeSuccess answers 200; partial_success is set only when records
// were rejected, as the spec asks.
func writeSuccess(w http.ResponseWriter, isJSON bool, rejected int64, msg string) {
	resp := &collogspb.ExportLogsServiceResponse{}
	if rejected > 0 {
		resp.PartialSuccess = &collogspb.ExportLogsPartialSuccess{RejectedLogRecords: rejected, ErrorMessage: msg}
	}
	writeMessage(w, http.StatusOK, isJSON, resp)
}

// writeStatus answers an error with a google.rpc.Status body, as OTLP/HTTP
// asks of every 4xx and 5xx.
func writeStatus(w http.ResponseWriter, code int, isJSON bool, rpcCode int32, msg string) {
	if code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	writeMessage(w, code, isJSON, &statuspb.Status{Code: rpcCode, Message: msg})
}
