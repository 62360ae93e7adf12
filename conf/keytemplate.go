package conf

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// KeyPartKind says what one piece of an object key template stands for.
type KeyPartKind int

const (
	KeyLiteral  KeyPartKind = iota // Text, copied as is
	KeyTag                         // $TAG, the whole tag
	KeyTagPart                     // $TAG[n], the n-th piece of the tag split on the tag delimiters
	KeyUUID                        // $UUID, a random id fixed per object
	KeyIndex                       // $INDEX, a counter of objects
	KeyStrftime                    // %X, a time conversion named by Conv
	KeyRecord                      // $RECORD['a']['b'], a record field named by Path
	KeyEnv                         // ${NAME}, an environment variable named by Text
)

var keyPartKindNames = [...]string{"literal", "tag", "tag part", "uuid", "index", "strftime", "record field", "environment variable"}

func (k KeyPartKind) String() string {
	if k >= 0 && int(k) < len(keyPartKindNames) {
		return keyPartKindNames[k]
	}
	return fmt.Sprintf("KeyPartKind(%d)", int(k))
}

// KeyPart is one piece of a parsed key template. Text is set for literals
// and holds the variable's name for ${NAME}, TagIndex for $TAG[n], Conv (the
// letter after %) for strftime conversions, and Path (the keys from the
// record's top level down) for $RECORD fields.
type KeyPart struct {
	Kind     KeyPartKind
	Text     string
	TagIndex int
	Conv     byte
	Path     []string
}

// KeyTemplate is a parsed s3_key_format. Adjacent literal text is merged
// into one part, and "%%" becomes a literal "%".
type KeyTemplate struct {
	Raw   string
	Parts []KeyPart
}

// strftimeConversions are the conversions a key may use; others are rejected
// rather than passed through, so a typo does not end up in every key.
const strftimeConversions = "YmdHMSjybapZzs"

// TemplateError is a syntax error in a key template, at a byte offset.
type TemplateError struct {
	Offset int
	Reason string
}

func (e *TemplateError) Error() string {
	return fmt.Sprintf("%s at offset %d", e.Reason, e.Offset)
}

// ParseKeyTemplate parses an object key template made of literal text,
// $TAG, $TAG[0-9], $UUID, $INDEX, record fields ($RECORD['a']['b'], with
// single or double quotes, any depth), environment variables (${NAME}) and
// the strftime conversions %Y %m %d %H %M %S %j %y %b %a %p %Z %z %s and %%.
func ParseKeyTemplate(s string) (*KeyTemplate, error) {
	if s == "" {
		return nil, &TemplateError{Offset: 0, Reason: "empty template"}
	}
	t := &KeyTemplate{Raw: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.Parts = append(t.Parts, KeyPart{Kind: KeyLiteral, Text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		switch s[i] {
		case '%':
			conv, err := parseConversion(s, i)
			if err != nil {
				return nil, err
			}
			if conv == '%' {
				lit.WriteByte('%')
			} else {
				flush()
				t.Parts = append(t.Parts, KeyPart{Kind: KeyStrftime, Conv: conv})
			}
			i += 2
		case '$':
			part, n, err := parseVariable(s, i)
			if err != nil {
				return nil, err
			}
			flush()
			t.Parts = append(t.Parts, part)
			i += n
		default:
			lit.WriteByte(s[i])
			i++
		}
	}
	flush()
	return t, nil
}

func parseConversion(s string, i int) (byte, error) {
	if i+1 >= len(s) {
		return 0, &TemplateError{Offset: i, Reason: `lone "%" at the end (write "%%" for a literal percent sign)`}
	}
	c := s[i+1]
	if c == '%' || strings.IndexByte(strftimeConversions, c) >= 0 {
		return c, nil
	}
	r, _ := utf8.DecodeRuneInString(s[i+1:])
	return 0, &TemplateError{Offset: i, Reason: fmt.Sprintf(
		"unknown strftime conversion %q (supported: %%Y %%m %%d %%H %%M %%S %%j %%y %%b %%a %%p %%Z %%z %%s %%%%)",
		"%"+string(r))}
}

// parseVariable reads the variable starting with '$' at s[i] and returns it
// with the number of bytes it spans.
func parseVariable(s string, i int) (KeyPart, int, error) {
	rest := s[i:]
	switch {
	case strings.HasPrefix(rest, "$TAG["):
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return KeyPart{}, 0, &TemplateError{Offset: i, Reason: `"$TAG[" without a closing "]"`}
		}
		index := rest[len("$TAG["):end]
		if len(index) != 1 || index[0] < '0' || index[0] > '9' {
			return KeyPart{}, 0, &TemplateError{Offset: i, Reason: fmt.Sprintf(
				"%q: the tag part index must be a single digit 0-9", rest[:end+1])}
		}
		return KeyPart{Kind: KeyTagPart, TagIndex: int(index[0] - '0')}, end + 1, nil
	case strings.HasPrefix(rest, "$TAG"):
		return KeyPart{Kind: KeyTag}, len("$TAG"), nil
	case strings.HasPrefix(rest, "$UUID"):
		return KeyPart{Kind: KeyUUID}, len("$UUID"), nil
	case strings.HasPrefix(rest, "$INDEX"):
		return KeyPart{Kind: KeyIndex}, len("$INDEX"), nil
	case strings.HasPrefix(rest, "$RECORD"):
		return parseRecordField(s, i)
	case strings.HasPrefix(rest, "${"):
		return parseEnvVariable(s, i)
	}
	name := variableName(rest)
	reason := fmt.Sprintf("unknown variable %q (supported: %s)", name, variableList)
	if name == "$" {
		reason = `lone "$" (variables are ` + variableList + ")"
	} else if up := strings.ToUpper(name); up == "$TAG" || up == "$UUID" || up == "$INDEX" || up == "$RECORD" {
		reason = fmt.Sprintf("unknown variable %q (variables are upper case: %s)", name, up)
	}
	return KeyPart{}, 0, &TemplateError{Offset: i, Reason: reason}
}

const variableList = "$TAG, $TAG[0-9], $UUID, $INDEX, $RECORD['field'], ${ENV_VAR}"

// parseRecordField reads $RECORD followed by one or more ['key'] or
// ["key"] selectors, starting at s[i].
func parseRecordField(s string, i int) (KeyPart, int, error) {
	n := len("$RECORD")
	var path []string
	for n < len(s)-i && s[i+n] == '[' {
		at := i + n
		if at+1 >= len(s) || (s[at+1] != '\'' && s[at+1] != '"') {
			return KeyPart{}, 0, &TemplateError{Offset: at, Reason: `a record field selector must be quoted: ['name'] or ["name"]`}
		}
		quote := s[at+1]
		end := strings.IndexByte(s[at+2:], quote)
		if end < 0 {
			return KeyPart{}, 0, &TemplateError{Offset: at, Reason: fmt.Sprintf("record field name opened with %c is not closed", quote)}
		}
		name := s[at+2 : at+2+end]
		closeAt := at + 2 + end + 1
		if closeAt >= len(s) || s[closeAt] != ']' {
			return KeyPart{}, 0, &TemplateError{Offset: at, Reason: `record field selector without a closing "]"`}
		}
		if name == "" {
			return KeyPart{}, 0, &TemplateError{Offset: at, Reason: "empty record field name"}
		}
		path = append(path, name)
		n = closeAt + 1 - i
	}
	if len(path) == 0 {
		return KeyPart{}, 0, &TemplateError{Offset: i, Reason: `"$RECORD" needs a field, as in $RECORD['service'] or $RECORD['kubernetes']['namespace_name']`}
	}
	return KeyPart{Kind: KeyRecord, Path: path}, n, nil
}

// parseEnvVariable reads ${NAME} starting at s[i].
func parseEnvVariable(s string, i int) (KeyPart, int, error) {
	end := strings.IndexByte(s[i:], '}')
	if end < 0 {
		return KeyPart{}, 0, &TemplateError{Offset: i, Reason: `"${" without a closing "}"`}
	}
	name := s[i+2 : i+end]
	if !isEnvName(name) {
		return KeyPart{}, 0, &TemplateError{Offset: i, Reason: fmt.Sprintf(
			"%q is not an environment variable name (letters, digits and _, not starting with a digit)", name)}
	}
	return KeyPart{Kind: KeyEnv, Text: name}, end + 1, nil
}

func isEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// variableName returns "$" followed by the letters, digits and underscores
// after it, for error messages.
func variableName(rest string) string {
	n := 1
	for n < len(rest) {
		c := rest[n]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			break
		}
		n++
	}
	return rest[:n]
}

func (t *KeyTemplate) has(kind KeyPartKind) bool {
	for _, p := range t.Parts {
		if p.Kind == kind {
			return true
		}
	}
	return false
}

// HasUUID reports whether the template contains $UUID.
func (t *KeyTemplate) HasUUID() bool { return t.has(KeyUUID) }

// HasIndex reports whether the template contains $INDEX.
func (t *KeyTemplate) HasIndex() bool { return t.has(KeyIndex) }

// HasRecord reports whether the template contains a $RECORD field.
func (t *KeyTemplate) HasRecord() bool { return t.has(KeyRecord) }

// HasTag reports whether the template contains $TAG or a $TAG[n].
func (t *KeyTemplate) HasTag() bool { return t.has(KeyTag) || t.has(KeyTagPart) }

// HasTime reports whether the template contains a strftime conversion
// (a literal "%%" does not count).
func (t *KeyTemplate) HasTime() bool { return t.has(KeyStrftime) }

// String returns the template as written.
func (t *KeyTemplate) String() string { return t.Raw }
