package conf

import (
	"fmt"
	"os"
	"strings"

	"github.com/s3append/s3append/format"
)

// readParquetSchema takes parquet_schema: inline JSON, the name of a
// built-in schema, or the path of a file holding it. The text is checked
// by Validate.
func (c *Config) readParquetSchema(v string) error {
	c.ParquetSchema = ParquetSchemaSource{From: v}
	if v == "" {
		return nil
	}
	if strings.HasPrefix(v, "{") {
		c.ParquetSchema.Text = v
		return nil
	}
	if b, ok := builtinSchemas[v]; ok {
		c.ParquetSchema.Text = b.text
		// json_date_key comes earlier in the option table, so Raw says
		// by now whether the user set it.
		if _, set := c.Raw["json_date_key"]; !set && b.dateKey != "" {
			c.JSONDateKey = b.dateKey
		}
		return nil
	}
	text, err := os.ReadFile(v)
	if err != nil {
		if !strings.ContainsAny(v, "/.") {
			return fmt.Errorf("is neither a built-in schema (%s), an inline JSON schema nor a readable file: %v", builtinSchemaNames(), err)
		}
		return fmt.Errorf("is neither an inline JSON schema nor a readable file: %v", err)
	}
	c.ParquetSchema.Text = string(text)
	return nil
}

// parquetProblems checks the Parquet options.
func (c *Config) parquetProblems(bad func(option, reason string, also ...string)) {
	parquet := c.Format == FormatParquet
	if !parquet {
		for _, o := range []string{"parquet_schema", "parquet_unknown_fields", "parquet_nested", "parquet_row_group_size", "parquet_time_unit"} {
			if _, set := c.Raw[o]; set {
				bad(o, "applies only with format parquet", "format")
			}
		}
		if c.Compression == CompressionSnappy {
			bad("compression", "is for Parquet pages (format parquet); JSON lines take gzip, zstd or none", "format")
		}
	}
	if !parquet {
		return
	}
	if c.ParquetSchema.Text != "" {
		if _, err := format.ParseParquetSchema(c.ParquetSchema.Text); err != nil {
			// Every bad field of the schema, each on a line of its own.
			for _, line := range strings.Split(err.Error(), "\n") {
				bad("parquet_schema", line)
			}
		}
	}
	if b, ok := builtinSchemas[c.ParquetSchema.From]; ok && b.dateKey != "" && c.JSONDateKey == "" {
		// The records' time is only the event time: without its column
		// every object would lose it.
		bad("json_date_key", "leaves out the time of every record: parquet_schema "+c.ParquetSchema.From+
			" keeps it only in the event time column; leave json_date_key unset (the column is then named "+b.dateKey+") or give the column a name", "parquet_schema")
	}
	switch c.ParquetUnknownFields {
	case "extra", "drop":
	default:
		bad("parquet_unknown_fields", "is not one of extra, drop")
	}
	switch c.ParquetNested {
	case "native", "json":
	default:
		bad("parquet_nested", "is not one of native, json")
	}
	switch c.ParquetTimeUnit {
	case "micros", "nanos":
	default:
		bad("parquet_time_unit", "is not one of micros, nanos")
	}
	if c.ParquetRowGroupSize < 0 || c.ParquetRowGroupSize > maxPartSize {
		bad("parquet_row_group_size", "must be at most "+formatSize(maxPartSize))
	} else if c.ParquetRowGroupSize > 0 && c.ParquetRowGroupSize < 64*kib {
		bad("parquet_row_group_size", "is below 64K; row groups that small make slow files")
	}
	if c.LogKey != "" {
		bad("log_key", "writes one value per line, which format parquet does not do; use parquet_schema to choose the columns", "format")
	}
}
