package conf

import (
	"slices"
	"strings"

	"github.com/s3append/s3append/format/s3access"
)

// builtinSchema is a declared Parquet schema shipped with s3append, which
// parquet_schema names instead of spelling it out.
type builtinSchema struct {
	text string
	// dateKey names the event time column when json_date_key is unset:
	// the records' time is the event time, and this is the name their
	// format gives it.
	dateKey string
}

// builtinSchemas are the schemas parquet_schema takes by name. A name wins
// over a file of that name in the working directory (./name reads the
// file).
var builtinSchemas = map[string]builtinSchema{
	// The records of the s3_access_logs source (format/s3access).
	"s3_access_logs": {text: s3access.Schema, dateKey: s3access.TimeKey},
}

// builtinSchemaNames lists the built-in schemas for messages.
func builtinSchemaNames() string {
	names := make([]string, 0, len(builtinSchemas))
	for n := range builtinSchemas {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
