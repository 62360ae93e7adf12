package otlp

import (
	"bytes"
	"testing"
)

func TestHexIDsToBase64(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"camel", `{"traceId":"00ff","spanId" : "0102"}`, `{"traceId":"AP8=","spanId" : "AQI="}`},
		{"proto names", `{"trace_id":"00ff","span_id":"0102"}`, `{"trace_id":"AP8=","span_id":"AQI="}`},
		{"escaped key", `{"trace\u0049d":"00ff"}`, `{"trace\u0049d":"AP8="}`},
		{"base64 left alone", `{"traceId":"AP8="}`, `{"traceId":"AP8="}`},
		{"empty left alone", `{"traceId":""}`, `{"traceId":""}`},
		{"odd length", `{"spanId":"abc"}`, `{"spanId":"abc"}`},
		{"attribute named traceId is data", `{"key":"traceId","value":{"stringValue":"00ff"}}`, `{"key":"traceId","value":{"stringValue":"00ff"}}`},
		{"value that looks like a key", `{"body":{"stringValue":"\"traceId\":\"00ff\""}}`, `{"body":{"stringValue":"\"traceId\":\"00ff\""}}`},
		{"not a string", `{"traceId":12}`, `{"traceId":12}`},
		{"unterminated", `{"traceId":"00ff`, `{"traceId":"00ff`},
	} {
		if got := hexIDsToBase64([]byte(tc.in)); string(got) != tc.want {
			t.Errorf("%s: %s\n got %s\nwant %s", tc.name, tc.in, got, tc.want)
		}
	}
	in := []byte(`{"resourceLogs":[]}`)
	if got := hexIDsToBase64(in); &got[0] != &in[0] {
		t.Error("nothing to rewrite, yet the body was copied")
	}
}

func TestDecodeRequestHexAndBase64IDs(t *testing.T) {
	hexBody := []byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174","severityNumber":9,"timeUnixNano":"1700000000000000000"}]}]}],"futureField":1}`)
	b64Body := []byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"W47/95gDgQPSabYzgT/GDA==","spanId":"7uGbfsPBsXQ="}]}]}]}`)
	for _, body := range [][]byte{hexBody, b64Body} {
		req, err := decodeRequest(body, true)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		lr := req.ResourceLogs[0].ScopeLogs[0].LogRecords[0]
		if !bytes.Equal(lr.TraceId, traceID) || !bytes.Equal(lr.SpanId, spanID) {
			t.Errorf("%s: ids %x %x, want %x %x", body, lr.TraceId, lr.SpanId, traceID, spanID)
		}
	}
}
