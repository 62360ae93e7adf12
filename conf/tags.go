package conf

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tag is one S3 object tag.
type Tag struct {
	Key, Value string
}

// S3 limits on object tags, from the S3 documentation on object tagging.
const (
	maxTags        = 10
	maxTagKeyLen   = 128 // Unicode characters
	maxTagValueLen = 256
)

// parseTags reads key=value,key2=value2. A value may be empty and may hold
// "=" (only the first one splits); keys and values are trimmed. Limits are
// checked by Validate.
func parseTags(v string) ([]Tag, error) {
	if v == "" {
		return nil, nil
	}
	var tags []Tag
	for i, item := range strings.Split(v, ",") {
		key, value, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("tag %d %q is not key=value", i+1, strings.TrimSpace(item))
		}
		tags = append(tags, Tag{Key: strings.TrimSpace(key), Value: strings.TrimSpace(value)})
	}
	return tags, nil
}

func formatTags(tags []Tag) string {
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = t.Key + "=" + t.Value
	}
	return strings.Join(parts, ",")
}

// EncodeTags is the value of the x-amz-tagging header for tags: URL-query
// encoded, in the order written. Spaces are %20 rather than "+", which S3
// would otherwise have to guess at.
func EncodeTags(tags []Tag) string {
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = tagEscape(t.Key) + "=" + tagEscape(t.Value)
	}
	return strings.Join(parts, "&")
}

func tagEscape(s string) string {
	// QueryEscape writes a literal "+" as %2B, so every "+" left is a space.
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// checkTags returns every way tags break S3's rules.
func checkTags(tags []Tag) []string {
	var errs []string
	if len(tags) > maxTags {
		errs = append(errs, fmt.Sprintf("has %d tags; S3 allows at most %d per object", len(tags), maxTags))
	}
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		switch n := utf8.RuneCountInString(t.Key); {
		case n == 0:
			errs = append(errs, "has a tag with an empty key")
			continue
		case n > maxTagKeyLen:
			errs = append(errs, fmt.Sprintf("tag key %.20q... is %d characters long; S3 allows %d", t.Key, n, maxTagKeyLen))
		}
		if n := utf8.RuneCountInString(t.Value); n > maxTagValueLen {
			errs = append(errs, fmt.Sprintf("tag %q has a value %d characters long; S3 allows %d", t.Key, n, maxTagValueLen))
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			errs = append(errs, fmt.Sprintf("tag key %q starts with aws:, which S3 reserves", t.Key))
		}
		if seen[t.Key] {
			errs = append(errs, fmt.Sprintf("tag key %q is repeated", t.Key))
		}
		seen[t.Key] = true
		for _, s := range []string{t.Key, t.Value} {
			if r, ok := badTagRune(s); ok {
				errs = append(errs, fmt.Sprintf("tag %q has %q, which S3 does not allow in tags (letters, digits, spaces and + - = . _ : / @ are allowed)", t.Key, r))
				break
			}
		}
	}
	return errs
}

// badTagRune finds the first character S3 rejects in a tag key or value.
func badTagRune(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || strings.ContainsRune("+-=._:/@", r) {
			continue
		}
		return r, true
	}
	return 0, false
}
