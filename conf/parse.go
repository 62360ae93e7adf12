package conf

import (
	"errors"
	"sort"
	"strings"
)

var (
	errNotWholeNumber = errors.New("is not a whole number")
	errNotLevel       = errors.New("is not default or a whole number from 1")
)

// Parse reads every option from src, applies the defaults and validates the
// result. On failure it returns all problems at once, joined, in the order
// of the option table.
func Parse(src Source) (*Config, error) {
	c := &Config{Raw: make(map[string]string)}
	var found []*OptionError
	unreadable := make(map[string]bool)
	for i := range specs {
		s := &specs[i]
		v := strings.TrimSpace(src.Get(s.Name))
		if v != "" {
			c.Raw[s.Name] = v
		} else {
			v = s.Default
		}
		if err := s.apply(c, v); err != nil {
			found = append(found, &OptionError{Option: s.Name, Value: v, Reason: err.Error()})
			unreadable[s.Name] = true
		}
	}
	if c.Format == FormatParquet && c.Raw["compression"] == "" {
		c.Compression = CompressionZstd // Parquet pages compress best with zstd
	}
	if ps := c.Raw["use_path_style"]; c.Endpoint != "" && (ps == "" || strings.EqualFold(ps, "auto")) {
		// Fluent Bit's s3 output addresses every endpoint as
		// endpoint/bucket/key: a configuration moved over keeps working.
		c.UsePathStyle = true
	}
	// A value that could not be read leaves its field zero; checks on that
	// field would only repeat the problem in a more confusing way.
	for _, p := range c.problems() {
		if !p.involves(unreadable) {
			found = append(found, p.err)
		}
	}
	if len(found) > 0 {
		return nil, joinInTableOrder(found)
	}
	return c, nil
}

func parseKeyFormat(v string) (*KeyTemplate, error) {
	t, err := ParseKeyTemplate(v)
	if err != nil {
		return nil, errors.New("is not a valid key template: " + err.Error())
	}
	return t, nil
}

func joinInTableOrder(found []*OptionError) error {
	rank := make(map[string]int, len(specs))
	for i, s := range specs {
		rank[s.Name] = i
	}
	sort.SliceStable(found, func(i, j int) bool {
		return rank[found[i].Option] < rank[found[j].Option]
	})
	errs := make([]error, len(found))
	for i, e := range found {
		errs[i] = e
	}
	return errors.Join(errs...)
}
