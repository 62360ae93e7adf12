package source

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/s3append/s3append/conf"
)

// CommonKeys are the settings every source accepts.
var CommonKeys = []string{"type", "listen", "tag"}

// Settings are one source's entries in the configuration file, values as
// written (after ${ENV} expansion). Readers record every problem with the
// setting's name, so all of them are reported at once.
type Settings struct {
	// Name is the source as the log names it, e.g. forward.0.
	Name     string
	Values   map[string]string
	problems []string
}

// Fail records a problem with setting key.
func (s *Settings) Fail(key, format string, a ...any) {
	s.problems = append(s.problems, fmt.Sprintf("%s: %s", key, fmt.Sprintf(format, a...)))
}

// Problems are the problems recorded so far.
func (s *Settings) Problems() []string { return s.problems }

// Has says whether key is set.
func (s *Settings) Has(key string) bool { _, ok := s.Values[key]; return ok }

// String is key's value, or def when unset.
func (s *Settings) String(key, def string) string {
	if v, ok := s.Values[key]; ok {
		return v
	}
	return def
}

// Size reads a size such as 10M or 1048576 (conf's units).
func (s *Settings) Size(key string, def int64) int64 {
	v, ok := s.Values[key]
	if !ok || v == "" {
		return def
	}
	n, err := conf.ParseSize(v)
	if err != nil || n < 0 {
		s.Fail(key, "%q is not a size (e.g. 10M, 512K, 1048576)", v)
		return def
	}
	return n
}

// Duration reads a duration such as 30s or 5m.
func (s *Settings) Duration(key string, def time.Duration) time.Duration {
	v, ok := s.Values[key]
	if !ok || v == "" {
		return def
	}
	d, err := conf.ParseDuration(v)
	if err != nil || d < 0 {
		s.Fail(key, "%q is not a duration (e.g. 30s, 5m)", v)
		return def
	}
	return d
}

// Bool reads on/off, true/false, yes/no.
func (s *Settings) Bool(key string, def bool) bool {
	v, ok := s.Values[key]
	if !ok || v == "" {
		return def
	}
	b, err := conf.ParseBool(v)
	if err != nil {
		s.Fail(key, "%q is not on or off", v)
		return def
	}
	return b
}

// Int reads a whole number no smaller than min.
func (s *Settings) Int(key string, def, min int) int {
	v, ok := s.Values[key]
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < min {
		s.Fail(key, "%q is not a whole number of at least %d", v, min)
		return def
	}
	return n
}

// FileMode reads an octal permission such as 0660.
func (s *Settings) FileMode(key string, def os.FileMode) os.FileMode {
	v, ok := s.Values[key]
	if !ok || v == "" {
		return def
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32)
	if err != nil || n > 0o777 {
		s.Fail(key, "%q is not an octal permission such as 0660", v)
		return def
	}
	return os.FileMode(n)
}

// OneOf reads a value among choices (case-insensitive).
func (s *Settings) OneOf(key, def string, choices ...string) string {
	v, ok := s.Values[key]
	if !ok || v == "" {
		return def
	}
	for _, c := range choices {
		if strings.EqualFold(v, c) {
			return c
		}
	}
	s.Fail(key, "%q is not one of %s", v, strings.Join(choices, ", "))
	return def
}

// Listen reads listen, which every source needs.
func (s *Settings) Listen() string {
	v := strings.TrimSpace(s.Values["listen"])
	if v == "" {
		s.Fail("listen", "missing: give host:port, tcp://host:port or unix:///path")
		return ""
	}
	if _, _, err := SplitListen(v); err != nil {
		s.Fail("listen", "%v", err)
	}
	return v
}
