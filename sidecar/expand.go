package sidecar

import (
	"os"
	"regexp"
	"strings"
)

// envRef is ${NAME} or ${NAME:-default} in a value.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expandEnv replaces ${NAME} with the variable's value, and
// ${NAME:-default} with default when NAME is unset or empty. A variable
// that is unset and has no default is reported in missing rather than
// read as "": an empty bucket or endpoint would otherwise fail far from
// its cause, or worse, silently pick a default.
func expandEnv(v string, lookup func(string) (string, bool)) (out string, missing []string) {
	if !strings.Contains(v, "${") {
		return v, nil
	}
	out = envRef.ReplaceAllStringFunc(v, func(ref string) string {
		m := envRef.FindStringSubmatch(ref)
		val, ok := lookup(m[1])
		switch {
		case m[2] != "" && val == "":
			return m[3]
		case !ok:
			missing = append(missing, m[1])
		}
		return val
	})
	return out, missing
}

func osLookup(name string) (string, bool) { return os.LookupEnv(name) }
