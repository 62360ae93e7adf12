package s3access

import _ "embed"

// Schema is the declared Parquet schema of the records ParseLine makes,
// shipped as parquet_schema s3_access_logs: a column per record field,
// strings and INT64 numbers, every one nullable. It declares neither the
// request time, which is the event time column (a TIMESTAMP named by
// json_date_key), nor ExtraKey, which the engine's own _extra column
// takes: that column holds every field a schema lacks.
//
//go:embed schema.json
var Schema string
