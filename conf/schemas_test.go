package conf

import (
	"strings"
	"testing"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/format/s3access"
)

// parquet_schema s3_access_logs is the shipped schema, and its event time
// column is named time unless json_date_key says otherwise.
func TestBuiltinSchemaS3AccessLogs(t *testing.T) {
	c, err := Parse(MapSource{"bucket": "b", "format": "parquet", "parquet_schema": "s3_access_logs"})
	if err != nil {
		t.Fatal(err)
	}
	if c.ParquetSchema.Text != s3access.Schema || c.ParquetSchema.From != "s3_access_logs" {
		t.Fatalf("parquet_schema read as %+v", c.ParquetSchema)
	}
	if c.JSONDateKey != s3access.TimeKey {
		t.Errorf("json_date_key %q, want %q", c.JSONDateKey, s3access.TimeKey)
	}
	if got := specByName("parquet_schema").show(c); got != "s3_access_logs" {
		t.Errorf("parquet_schema shown as %q", got)
	}
	// The schema compiles with that time column, a TIMESTAMP.
	f, err := format.ParseParquetSchema(c.ParquetSchema.Text)
	if err != nil {
		t.Fatal(err)
	}
	s, err := format.NewParquetSchema(f, format.ParquetOptions{DateKey: c.JSONDateKey})
	if err != nil {
		t.Fatal(err)
	}
	if tc := s.Fields().Child("time"); tc == nil || tc.Kind.String() != "timestamp" {
		t.Errorf("no timestamp column time in %s", s.Fields())
	}

	// A json_date_key the user sets is kept.
	c, err = Parse(MapSource{"bucket": "b", "format": "parquet", "parquet_schema": "s3_access_logs", "json_date_key": "request_time"})
	if err != nil {
		t.Fatal(err)
	}
	if c.JSONDateKey != "request_time" {
		t.Errorf("json_date_key %q, want the one set", c.JSONDateKey)
	}
}

// The default works only because json_date_key is read first.
func TestJSONDateKeyPrecedesParquetSchema(t *testing.T) {
	date, schema := -1, -1
	for i, s := range specs {
		switch s.Name {
		case "json_date_key":
			date = i
		case "parquet_schema":
			schema = i
		}
	}
	if date < 0 || schema < 0 || date > schema {
		t.Fatalf("json_date_key at %d, parquet_schema at %d in the option table: the built-in schemas' date key needs it first", date, schema)
	}
}

func TestBuiltinSchemaProblems(t *testing.T) {
	cases := []struct {
		name string
		src  MapSource
		want []string
	}{
		{"needs format parquet", MapSource{"bucket": "b", "parquet_schema": "s3_access_logs"},
			[]string{`parquet_schema: "s3_access_logs" applies only with format parquet`}},
		{"time column off", MapSource{"bucket": "b", "format": "parquet", "parquet_schema": "s3_access_logs", "json_date_key": "false"},
			[]string{`json_date_key: "false" leaves out the time of every record`}},
		{"a name that is no built-in schema", MapSource{"bucket": "b", "format": "parquet", "parquet_schema": "s3_access_log"},
			[]string{`parquet_schema: "s3_access_log" is neither a built-in schema (s3_access_logs), an inline JSON schema nor a readable file`}},
		{"names match exactly", MapSource{"bucket": "b", "format": "parquet", "parquet_schema": "S3_Access_Logs"},
			[]string{`parquet_schema: "S3_Access_Logs" is neither a built-in schema`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.src)
			if err == nil {
				t.Fatal("accepted")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(c.want) {
				t.Fatalf("problems:\n%s\nwant %d", err, len(c.want))
			}
			for i, w := range c.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("problem %q, want it to start %q", lines[i], w)
				}
			}
		})
	}
}
