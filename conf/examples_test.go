package conf

import (
	"bufio"
	"os"
	"reflect"
	"strings"
	"testing"
)

// exampleOptions holds the s3append options of one example file: set are the
// active lines, suggested also includes commented-out option lines, so the
// suggestions in the examples are checked too.
type exampleOptions struct {
	set, suggested MapSource
}

// readClassicExample collects the keys of the [OUTPUT] section whose Name is
// s3append in a classic Fluent Bit config.
func readClassicExample(t *testing.T, path string) exampleOptions {
	t.Helper()
	var sections []exampleOptions
	var cur *exampleOptions
	var isOutput bool
	for _, line := range readLines(t, path) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			isOutput = strings.EqualFold(line, "[OUTPUT]")
			sections = append(sections, exampleOptions{set: MapSource{}, suggested: MapSource{}})
			cur = &sections[len(sections)-1]
			continue
		}
		if cur == nil || !isOutput || line == "" {
			continue
		}
		commented := strings.HasPrefix(line, "#")
		key, value, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), " ")
		if !ok {
			continue
		}
		addExampleOption(cur, key, strings.TrimSpace(value), commented)
	}
	return pickS3Append(t, path, sections)
}

// readYAMLExample collects the keys of the "- name: s3append" item of a YAML
// Fluent Bit config; it reads only the flat "key: value" shape the example uses.
func readYAMLExample(t *testing.T, path string) exampleOptions {
	t.Helper()
	var sections []exampleOptions
	itemIndent := -1
	for _, line := range readLines(t, path) {
		trimmed := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if trimmed == "" {
			continue
		}
		if strings.HasPrefix(trimmed, "- ") {
			sections = append(sections, exampleOptions{set: MapSource{}, suggested: MapSource{}})
			itemIndent = indent
			trimmed = strings.TrimPrefix(trimmed, "- ")
		} else if indent <= itemIndent {
			itemIndent = -1
		}
		if itemIndent < 0 {
			continue
		}
		commented := strings.HasPrefix(trimmed, "#")
		key, value, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(trimmed, "#")), ":")
		if !ok || strings.Contains(key, " ") {
			continue
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && (value[0] == '\'' || value[0] == '"') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		addExampleOption(&sections[len(sections)-1], key, value, commented)
	}
	return pickS3Append(t, path, sections)
}

func addExampleOption(o *exampleOptions, key, value string, commented bool) {
	key = strings.ToLower(key)
	if commented {
		if specByName(key) != nil {
			o.suggested[key] = value
		}
		return
	}
	o.set[key] = value
	o.suggested[key] = value
}

func pickS3Append(t *testing.T, path string, sections []exampleOptions) exampleOptions {
	t.Helper()
	var found []exampleOptions
	for _, s := range sections {
		if s.set.Get("name") == "s3append" {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: want exactly one s3append output, found %d", path, len(found))
	}
	return found[0]
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// withoutFluentBitKeys returns the s3append options of a section, failing on
// any key that is neither a Fluent Bit output property nor an option.
func withoutFluentBitKeys(t *testing.T, path string, m MapSource) MapSource {
	t.Helper()
	out := MapSource{}
	for k, v := range m {
		switch {
		case IsFluentBitOutputKey(k):
		case specByName(k) != nil:
			out[k] = v
		default:
			t.Errorf("%s: %q is neither an s3append option nor a Fluent Bit output property", path, k)
		}
	}
	return out
}

func TestExampleConfigsParse(t *testing.T) {
	classic := readClassicExample(t, "fluent-bit.conf")
	yaml := readYAMLExample(t, "fluent-bit.yaml")

	for _, ex := range []struct {
		path string
		opts exampleOptions
	}{{"fluent-bit.conf", classic}, {"fluent-bit.yaml", yaml}} {
		if got := ex.opts.set.Get("retry_limit"); got != "no_limits" {
			t.Errorf("%s: Retry_Limit is %q; it must be no_limits so disk pressure never drops a chunk", ex.path, got)
		}
		set := withoutFluentBitKeys(t, ex.path, ex.opts.set)
		if len(set) < 15 {
			t.Errorf("%s: only %d s3append options found; the reader lost track of the file", ex.path, len(set))
		}
		c, err := Parse(set)
		if err != nil {
			t.Errorf("%s: %v", ex.path, err)
			continue
		}
		if !reflect.DeepEqual(c.Raw, map[string]string(set)) {
			t.Errorf("%s: Raw %v differs from the options in the file %v", ex.path, c.Raw, set)
		}
		if c.StoreDirLimitSize == 0 {
			t.Errorf("%s: the example should bound the disk buffer with store_dir_limit_size", ex.path)
		}
		suggested := withoutFluentBitKeys(t, ex.path, ex.opts.suggested)
		if len(suggested) <= len(set) {
			t.Errorf("%s: no commented-out option suggestions found", ex.path)
		}
		if _, err := Parse(suggested); err != nil {
			t.Errorf("%s with its commented-out options enabled: %v", ex.path, err)
		}
	}

	if !reflect.DeepEqual(classic.suggested, yaml.suggested) {
		t.Errorf("the classic and YAML examples differ:\n conf %v\n yaml %v", classic.suggested, yaml.suggested)
	}
}

func TestExamplePluginPaths(t *testing.T) {
	var path string
	for _, line := range readLines(t, "plugins.conf") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), " "); ok && strings.EqualFold(k, "Path") {
			path = strings.TrimSpace(v)
		}
	}
	if !strings.HasSuffix(path, "/out_s3append.so") {
		t.Fatalf("plugins.conf: Path %q does not name out_s3append.so", path)
	}
	var classicRef string
	for _, line := range readLines(t, "fluent-bit.conf") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), " "); ok && strings.EqualFold(k, "Plugins_File") {
			classicRef = strings.TrimSpace(v)
		}
	}
	if classicRef != "plugins.conf" {
		t.Errorf("fluent-bit.conf: Plugins_File is %q, want plugins.conf", classicRef)
	}
	yamlHasPath := false
	for _, line := range readLines(t, "fluent-bit.yaml") {
		if strings.TrimSpace(line) == "- "+path {
			yamlHasPath = true
		}
	}
	if !yamlHasPath {
		t.Errorf("fluent-bit.yaml: plugins list does not load %s", path)
	}
}
