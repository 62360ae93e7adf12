package otlp

import (
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// jsonOptions: OTLP/JSON receivers must ignore fields they do not know,
// so a newer sender's request still decodes.
var jsonOptions = protojson.UnmarshalOptions{DiscardUnknown: true}

// decodeRequest decodes an export request body, protobuf or OTLP/JSON.
// protojson takes both the lowerCamelCase names OTLP/JSON uses and the
// proto names, enums as numbers and 64-bit integers as strings or numbers;
// only the hex ids need rewriting first.
func decodeRequest(body []byte, isJSON bool) (*collogspb.ExportLogsServiceRequest, error) {
	req := new(collogspb.ExportLogsServiceRequest)
	var err error
	if isJSON {
		err = jsonOptions.Unmarshal(hexIDsToBase64(body), req)
	} else {
		err = proto.Unmarshal(body, req)
	}
	if err != nil {
		return nil, err
	}
	return req, nil
}
