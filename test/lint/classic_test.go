package lint

import (
	"regexp"
	"strings"
	"testing"
)

// entry is one "key value" line of a classic Fluent Bit configuration.
type entry struct {
	key, value string
	line       int
}

// section is one [NAME] section of a classic configuration.
type section struct {
	name    string // upper case: SERVICE, INPUT, FILTER, OUTPUT, PLUGINS ...
	line    int
	entries []entry
}

// get returns the value of key (case-insensitive, as Fluent Bit matches
// property names) and whether the section has it.
func (s section) get(key string) (string, bool) {
	for _, e := range s.entries {
		if strings.EqualFold(e.key, key) {
			return e.value, true
		}
	}
	return "", false
}

// parseClassic reads a classic Fluent Bit configuration the way Fluent Bit
// does for what the checks need: sections at the start of a line, indented
// "key value" entries, # comments. It reports lines Fluent Bit would
// refuse or misread.
func parseClassic(file, text string) ([]section, problems) {
	var secs []section
	var found problems
	for i, raw := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		n := i + 1
		trimmed := strings.TrimSpace(raw)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
		case strings.HasPrefix(trimmed, "["):
			if !strings.HasSuffix(trimmed, "]") || len(trimmed) < 3 {
				found.add("%s:%d: section header %q is not [NAME]", file, n, trimmed)
				continue
			}
			if raw != trimmed {
				found.add("%s:%d: section header %s must start the line", file, n, trimmed)
			}
			secs = append(secs, section{name: strings.ToUpper(trimmed[1 : len(trimmed)-1]), line: n})
		case strings.HasPrefix(trimmed, "@"):
			found.add("%s:%d: %s: @INCLUDE and @SET are not read by these checks", file, n, trimmed)
		case len(secs) == 0:
			found.add("%s:%d: %q is outside any section", file, n, trimmed)
		case raw == trimmed:
			found.add("%s:%d: entry %q of [%s] must be indented", file, n, trimmed, secs[len(secs)-1].name)
		default:
			key, value, _ := strings.Cut(trimmed, " ")
			value = strings.TrimSpace(value)
			if value == "" {
				found.add("%s:%d: key %s of [%s] has no value", file, n, key, secs[len(secs)-1].name)
				continue
			}
			s := &secs[len(secs)-1]
			s.entries = append(s.entries, entry{key: key, value: value, line: n})
		}
	}
	return secs, found
}

// envRef is a variable reference Fluent Bit replaces in classic files.
var envRef = regexp.MustCompile(`\$\{([^}]*)\}`)

// expandEnv replaces ${NAME} as Fluent Bit does when it loads a file, from
// env. A name env lacks is a problem: Fluent Bit would quietly use "".
func expandEnv(file string, e entry, env map[string]string, found *problems) string {
	return envRef.ReplaceAllStringFunc(e.value, func(ref string) string {
		name := envRef.FindStringSubmatch(ref)[1]
		v, ok := env[name]
		if !ok {
			found.add("%s:%d: %s of %s is not set where this file runs", file, e.line, ref, e.key)
		}
		return v
	})
}

func TestParseClassic(t *testing.T) {
	secs, found := parseClassic("x.conf", "# c\n[SERVICE]\n    Flush 1\n\n[OUTPUT]\n    Name  s3append\n    # bucket old\n    bucket   b c \n")
	expectClean(t, "valid file", found)
	if len(secs) != 2 || secs[0].name != "SERVICE" || secs[1].name != "OUTPUT" {
		t.Fatalf("sections %+v", secs)
	}
	if v, _ := secs[1].get("BUCKET"); v != "b c" {
		t.Errorf("bucket read as %q, want %q", v, "b c")
	}
	if _, ok := secs[1].get("old"); ok {
		t.Error("a commented-out entry was read")
	}
	for _, c := range []struct{ name, text, want string }{
		{"unindented entry", "[OUTPUT]\nName s3append\n", "x.conf:2: entry \"Name s3append\" of [OUTPUT] must be indented"},
		{"indented header", "  [OUTPUT]\n", "x.conf:1: section header [OUTPUT] must start the line"},
		{"open header", "[OUTPUT\n", "x.conf:1: section header \"[OUTPUT\" is not [NAME]"},
		{"no section", "    Name s3append\n", "x.conf:1: \"Name s3append\" is outside any section"},
		{"no value", "[OUTPUT]\n    Name\n", "x.conf:2: key Name of [OUTPUT] has no value"},
		{"include", "@INCLUDE other.conf\n", "@INCLUDE and @SET are not read"},
	} {
		_, found := parseClassic("x.conf", c.text)
		expectRefusal(t, c.name, found, c.want)
	}
}

func TestExpandEnv(t *testing.T) {
	var found problems
	e := entry{key: "bucket", value: "${A}-x-${B}", line: 3}
	if got := expandEnv("x.conf", e, map[string]string{"A": "a", "B": ""}, &found); got != "a-x-" || len(found) > 0 {
		t.Errorf("got %q %v", got, found)
	}
	expandEnv("x.conf", e, map[string]string{"A": "a"}, &found)
	expectRefusal(t, "unset variable", found, "x.conf:3: ${B} of bucket is not set")
}
