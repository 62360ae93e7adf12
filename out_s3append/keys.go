package out_s3append

import (
	"strconv"
	"strings"
	"time"

	"github.com/s3append/s3append/conf"
)

// missingValue stands in for a key piece that has no value (a $TAG[n] past
// the end of the tag), so keys never get empty path segments.
const missingValue = "_unknown"

// keyRenderer turns a key template into keys in two steps. The route is the
// template rendered for one record with everything that depends on the
// record (tag, event time) filled in and the per-object pieces ($UUID,
// $INDEX) left as markers; records with the same route share an open object.
// When an object opens, its key is the route with the markers replaced.
type keyRenderer struct {
	tmpl       *conf.KeyTemplate
	delimiters string
	// appendID is set when the template has neither $UUID nor $INDEX: two
	// objects of one route would otherwise get the same key.
	appendID bool
}

// Markers for per-object pieces inside a route; NUL cannot occur in a
// rendered value because values are sanitised.
const (
	uuidMarker  = "\x00U"
	indexMarker = "\x00I"
)

func newKeyRenderer(t *conf.KeyTemplate, delimiters string) *keyRenderer {
	r := &keyRenderer{tmpl: t, delimiters: delimiters}
	r.appendID = !t.HasUUID() && !t.HasIndex()
	return r
}

// timeGranularity is the span of event time that renders to the same
// route: the finest strftime conversion in the template.
func (r *keyRenderer) timeGranularity() time.Duration {
	g := time.Duration(0)
	for _, p := range r.tmpl.Parts {
		if p.Kind != conf.KeyStrftime {
			continue
		}
		var d time.Duration
		switch p.Conv {
		case 'S', 's':
			d = time.Second
		case 'M':
			d = time.Minute
		case 'H', 'p':
			d = time.Hour
		default:
			d = 24 * time.Hour
		}
		if g == 0 || d < g {
			g = d
		}
	}
	return g
}

// route renders the record-dependent pieces of the key. t is in UTC.
// sanitized says whether a value had to be changed to stay in its segment.
func (r *keyRenderer) route(dst []byte, tag string, t time.Time) (out []byte, sanitized bool) {
	var tagParts []string
	var changed bool
	for i, p := range r.tmpl.Parts {
		switch p.Kind {
		case conf.KeyLiteral:
			lit := p.Text
			if i == 0 {
				lit = strings.TrimLeft(lit, "/")
			}
			dst = append(dst, lit...)
		case conf.KeyTag:
			dst, changed = appendSanitized(dst, tag)
			sanitized = sanitized || changed
		case conf.KeyTagPart:
			if tagParts == nil {
				tagParts = splitAny(tag, r.delimiters)
			}
			if p.TagIndex < len(tagParts) && tagParts[p.TagIndex] != "" {
				dst, changed = appendSanitized(dst, tagParts[p.TagIndex])
				sanitized = sanitized || changed
			} else {
				dst = append(dst, missingValue...)
			}
		case conf.KeyUUID:
			dst = append(dst, uuidMarker...)
		case conf.KeyIndex:
			dst = append(dst, indexMarker...)
		case conf.KeyStrftime:
			dst = appendStrftime(dst, p.Conv, t)
		}
	}
	return dst, sanitized
}

// objectKey fills the per-object pieces of a route.
func (r *keyRenderer) objectKey(route, id string, index uint64) string {
	key := strings.ReplaceAll(route, uuidMarker, id)
	key = strings.ReplaceAll(key, indexMarker, strconv.FormatUint(index, 10))
	if r.appendID {
		key += "-" + id
	}
	return key
}

// hasIndex says whether objects of a route need the next $INDEX.
func (r *keyRenderer) hasIndex() bool { return r.tmpl.HasIndex() }

func splitAny(s, seps string) []string {
	if seps == "" {
		return []string{s}
	}
	return strings.FieldsFunc(s, func(c rune) bool { return strings.ContainsRune(seps, c) })
}

// appendSanitized appends a value that must stay inside its key segment:
// '/' and control characters become '_', and a value of "." or ".." is
// replaced, so no tag can climb out of its place in the key.
func appendSanitized(dst []byte, v string) ([]byte, bool) {
	if v == "" {
		return append(dst, missingValue...), false
	}
	if v == "." || v == ".." {
		return append(dst, strings.Repeat("_", len(v))...), true
	}
	changed := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '/' || c < 0x20 || c == 0x7f {
			c, changed = '_', true
		}
		dst = append(dst, c)
	}
	return dst, changed
}
