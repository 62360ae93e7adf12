// Package s3access reads Amazon S3 server access log lines into msgpack
// records the engine encodes like any other: one map per line, every known
// field present (absent values, written "-" by S3, are msgpack nil), the
// numbers as integers.
//
// The request time is not a record field: it is the event time ParseLine
// returns. The engine writes the event time as the TIMESTAMP column named
// by json_date_key, and a record field of that name would only land in
// _extra beside it; with parquet_schema s3_access_logs, json_date_key
// defaults to "time", so the column keeps the name S3's documentation
// gives it.
package s3access
