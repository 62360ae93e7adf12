package out_s3append

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/format"
)

// missingValue stands in for an empty tag in dead-letter keys; keys of the
// output's own objects use s3_key_missing_value.
const missingValue = "_unknown"

// uuidLen is the length of the $UUID of an object (buffer.NewID).
const uuidLen = 36

// keyRenderer turns a key template into keys in two steps. The route is the
// template rendered for one record with everything that depends on the
// record (tag, fields, event time) filled in and the per-object pieces
// ($UUID, $INDEX) left as markers; records with the same route share an
// open object. When an object opens, its key is the route with the markers
// replaced.
type keyRenderer struct {
	tmpl *conf.KeyTemplate
	// parts is the template with ${NAME} read from the environment.
	parts       []conf.KeyPart
	delimiters  string
	loc         *time.Location
	missing     string
	indexFormat string
	// fields are the paths of the $RECORD parts, in template order.
	fields [][]string
	// appendID is set when the template has neither $UUID nor $INDEX (and
	// static_file_path is off): two objects of one route would otherwise
	// get the same key.
	appendID bool
	// extra is what a key is longer than its route: markers expanded to
	// their longest, the appended id and the key suffix.
	extra int
}

// Markers for per-object pieces inside a route; NUL cannot occur in a
// rendered value because values are sanitised.
const (
	uuidMarker  = "\x00U"
	indexMarker = "\x00I"
)

// keySuffix ends every key of the output's own objects when the user kept
// the default key format, so objects carry the extension readers detect
// compression by.
func keySuffix(cfg *conf.Config, comp format.Compression) string {
	switch {
	case cfg.Raw["s3_key_format"] != "":
		return ""
	case cfg.Format == conf.FormatParquet:
		return ".parquet"
	}
	return ".json" + comp.Extension()
}

// newKeyRenderer prepares the key template of cfg. suffix is what every key
// of the output's own objects ends with. It fails when an environment
// variable of the template is unset, or when the template alone makes keys
// longer than S3 accepts.
func newKeyRenderer(cfg *conf.Config, suffix string) (*keyRenderer, error) {
	t := cfg.S3KeyFormat
	r := &keyRenderer{
		tmpl: t, delimiters: cfg.S3KeyFormatTagDelimiters, loc: cfg.TimeZone,
		missing: cfg.S3KeyMissingValue, indexFormat: cfg.IndexFormat,
	}
	if r.loc == nil {
		r.loc = time.UTC
	}
	if r.missing == "" {
		r.missing = missingValue
	}
	if r.indexFormat == "" {
		r.indexFormat = "%d"
	}
	r.appendID = !cfg.StaticFilePath && !t.HasUUID() && !t.HasIndex()
	for _, p := range t.Parts {
		switch p.Kind {
		case conf.KeyEnv:
			v, ok := os.LookupEnv(p.Text)
			if !ok {
				return nil, fmt.Errorf("s3_key_format %q: environment variable %s (${%s}) is not set", t.Raw, p.Text, p.Text)
			}
			b, _ := appendSegmentValue(nil, v, r.missing)
			p = conf.KeyPart{Kind: conf.KeyLiteral, Text: string(b)}
		case conf.KeyRecord:
			r.fields = append(r.fields, p.Path)
		}
		r.parts = append(r.parts, p)
	}
	if len(r.parts) > 0 && r.parts[0].Kind == conf.KeyLiteral {
		// Keys have no leading "/": S3 tools would show an empty folder.
		r.parts[0].Text = strings.TrimLeft(r.parts[0].Text, "/")
	}
	indexWidth := len(r.formatIndex(math.MaxUint64))
	for _, p := range r.parts {
		switch p.Kind {
		case conf.KeyUUID:
			r.extra += uuidLen - len(uuidMarker)
		case conf.KeyIndex:
			r.extra += indexWidth - len(indexMarker)
		}
	}
	if r.appendID {
		r.extra += 1 + uuidLen
	}
	r.extra += len(suffix)
	if err := r.checkLength(indexWidth, len(suffix)); err != nil {
		return nil, err
	}
	return r, nil
}

// checkLength refuses a template whose keys are over S3's limit whatever
// the record: rendered with the longest values when nothing in it comes
// from the record, with one byte per tag or field value otherwise.
func (r *keyRenderer) checkLength(indexWidth, suffixLen int) error {
	n := suffixLen
	if r.appendID {
		n += 1 + uuidLen
	}
	for _, p := range r.parts {
		switch p.Kind {
		case conf.KeyLiteral:
			n += len(p.Text)
		case conf.KeyUUID:
			n += uuidLen
		case conf.KeyIndex:
			n += indexWidth
		case conf.KeyStrftime:
			n += strftimeWidth(p.Conv)
		default: // tag and record values
			n++
		}
	}
	if n <= conf.MaxKeyLength {
		return nil
	}
	if r.tmpl.HasTag() || r.tmpl.HasRecord() {
		return fmt.Errorf("s3_key_format %q makes keys of at least %d bytes, over the S3 limit of %d", r.tmpl.Raw, n, conf.MaxKeyLength)
	}
	widest := "the widest time values"
	if r.tmpl.HasIndex() {
		widest = fmt.Sprintf("a %d-byte $INDEX and %s", indexWidth, widest)
	}
	return fmt.Errorf("s3_key_format %q makes keys of up to %d bytes (with %s), over the S3 limit of %d", r.tmpl.Raw, n, widest, conf.MaxKeyLength)
}

// keyLength is the length of the longest key an object of route can get.
func (r *keyRenderer) keyLength(route []byte) int { return len(route) + r.extra }

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

// hasFields says whether routes depend on record fields.
func (r *keyRenderer) hasFields() bool { return len(r.fields) > 0 }

// appendFields appends the sanitised value of each $RECORD field of the
// record (raw msgpack), each followed by a NUL.
func (r *keyRenderer) appendFields(dst []byte, record []byte) (out []byte, sanitized bool) {
	for _, path := range r.fields {
		var changed bool
		dst, changed = appendFieldValue(dst, lookupField(record, path), r.missing)
		sanitized = sanitized || changed
		dst = append(dst, 0)
	}
	return dst, sanitized
}

// route renders the record-dependent pieces of the key; fields holds the
// record's field values from appendFields.
// sanitized says whether a value had to be changed to stay in its segment.
func (r *keyRenderer) route(dst []byte, tag string, kt *keyTime, fields []byte) (out []byte, sanitized bool) {
	var tagParts []string
	var changed bool
	for _, p := range r.parts {
		switch p.Kind {
		case conf.KeyLiteral:
			dst = append(dst, p.Text...)
		case conf.KeyTag:
			dst, changed = appendSegmentValue(dst, tag, r.missing)
			sanitized = sanitized || changed
		case conf.KeyTagPart:
			if tagParts == nil {
				tagParts = splitAny(tag, r.delimiters)
			}
			v := ""
			if p.TagIndex < len(tagParts) {
				v = tagParts[p.TagIndex]
			}
			dst, changed = appendSegmentValue(dst, v, r.missing)
			sanitized = sanitized || changed
		case conf.KeyRecord:
			end := bytes.IndexByte(fields, 0)
			dst = append(dst, fields[:end]...)
			fields = fields[end+1:]
		case conf.KeyUUID:
			dst = append(dst, uuidMarker...)
		case conf.KeyIndex:
			dst = append(dst, indexMarker...)
		case conf.KeyStrftime:
			dst = appendStrftime(dst, p.Conv, kt)
		}
	}
	return dst, sanitized
}

// readableRoute is a route for log lines, with its markers spelled as in
// the template.
func readableRoute(route []byte) string {
	return strings.NewReplacer(uuidMarker, "$UUID", indexMarker, "$INDEX").Replace(string(route))
}

// objectKey fills the per-object pieces of a route.
func (r *keyRenderer) objectKey(route, id string, index uint64) string {
	key := strings.ReplaceAll(route, uuidMarker, id)
	key = strings.ReplaceAll(key, indexMarker, r.formatIndex(index))
	if r.appendID {
		key += "-" + id
	}
	return key
}

func (r *keyRenderer) formatIndex(index uint64) string { return fmt.Sprintf(r.indexFormat, index) }

// hasIndex says whether objects of a route need the next $INDEX.
func (r *keyRenderer) hasIndex() bool { return r.tmpl.HasIndex() }

func splitAny(s, seps string) []string {
	if seps == "" {
		return []string{s}
	}
	return strings.FieldsFunc(s, func(c rune) bool { return strings.ContainsRune(seps, c) })
}

// appendSanitized appends a value that must stay inside its key segment,
// with the default placeholder for an empty value (dead-letter keys).
func appendSanitized(dst []byte, v string) ([]byte, bool) {
	return appendSegmentValue(dst, v, missingValue)
}

// appendSegmentValue appends a value that must stay inside its key
// segment, so no tag or field can climb out of its place in the key or
// break it: '/' and control characters (C0, DEL, C1) become '_', each byte
// of invalid UTF-8 becomes '_', ".." becomes "__" and a value of "."
// becomes "_". An empty value becomes missing.
func appendSegmentValue(dst []byte, v, missing string) ([]byte, bool) {
	if v == "" {
		return append(dst, missing...), false
	}
	if v == "." {
		return append(dst, '_'), true
	}
	changed := false
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == '/' || c < 0x20 || c == 0x7f:
			dst, changed, i = append(dst, '_'), true, i+1
		case c == '.' && i+1 < len(v) && v[i+1] == '.':
			dst, changed, i = append(dst, '_', '_'), true, i+2
		case c < utf8.RuneSelf:
			dst, i = append(dst, c), i+1
		default:
			r, size := utf8.DecodeRuneInString(v[i:])
			if r == utf8.RuneError && size == 1 || r >= 0x80 && r <= 0x9f {
				dst, changed, i = append(dst, '_'), true, i+size
				continue
			}
			dst, i = append(dst, v[i:i+size]...), i+size
		}
	}
	return dst, changed
}
