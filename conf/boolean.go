package conf

import (
	"errors"
	"strings"
)

// parseBool accepts the spellings Fluent Bit users write: on/off, true/false,
// yes/no and 1/0, in any case.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "true", "yes", "1":
		return true, nil
	case "off", "false", "no", "0":
		return false, nil
	}
	return false, errors.New("is not a boolean (use on/off, true/false, yes/no or 1/0)")
}

// ParseBool reads on/off, true/false, yes/no as the options take them.
func ParseBool(s string) (bool, error) { return parseBool(s) }
