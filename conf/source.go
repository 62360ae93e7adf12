package conf

import "strings"

// Source answers the value of one option as the user wrote it, "" when unset.
type Source interface {
	Get(key string) string
}

// MapSource is a Source backed by a map. Keys match case-insensitively, as
// Fluent Bit matches property names.
type MapSource map[string]string

// Get returns the value stored under key, ignoring case, or "".
func (m MapSource) Get(key string) string {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}
