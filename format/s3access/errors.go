package s3access

import (
	"fmt"
	"strconv"
)

// LineError says why a line could not be read: the field, the byte offset
// in the line where it starts (or where the line ended, for a missing
// field) and what was wrong. The caller adds where the line came from.
type LineError struct {
	Field  string
	Offset int
	Reason string
}

func (e *LineError) Error() string {
	return fmt.Sprintf("s3 access log line: field %s at byte %d: %s", e.Field, e.Offset, e.Reason)
}

// quote renders a value for an error message, cut to a readable length.
func quote(v []byte) string {
	const limit = 64
	if len(v) > limit {
		return strconv.Quote(string(v[:limit])) + "..."
	}
	return strconv.Quote(string(v))
}
