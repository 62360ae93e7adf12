// Package fbfile reads Fluent Bit configuration files, classic and YAML,
// for their sections and the keys each sets, with the file and line of
// each. Fluent Bit hands a Go plugin its properties one look-up at a time
// and never the list of what was set, so this is how the plugin (and a
// check before a deploy) learns which keys an s3append output carries,
// typos included.
//
// It reads what Fluent Bit reads: classic files with @INCLUDE (globs,
// relative to the main file's directory) and @SET, YAML files with env
// and includes, and ${NAME} in values from @SET, env or the environment.
// It does not validate what Fluent Bit itself validates.
package fbfile

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Section is one section of a configuration: [OUTPUT] in a classic file,
// an item of pipeline.outputs in a YAML one.
type Section struct {
	Kind    string // SERVICE, INPUT, FILTER, OUTPUT, ... (upper case)
	File    string
	Line    int
	Entries []Entry
}

// Entry is one key of a section, its value with ${NAME} replaced.
type Entry struct {
	Key   string
	Value string
	Line  int
}

// Get returns the value of key (case-insensitive) and whether it is set.
func (s Section) Get(key string) (string, bool) {
	for _, e := range s.Entries {
		if strings.EqualFold(e.Key, key) {
			return e.Value, true
		}
	}
	return "", false
}

// Plugin is the section's Name, lower case.
func (s Section) Plugin() string {
	n, _ := s.Get("name")
	return strings.ToLower(n)
}

// Where is the section's place, file:line.
func (s Section) Where() string { return fmt.Sprintf("%s:%d", s.File, s.Line) }

// Read reads the configuration at path and every file it includes: YAML
// when the name ends in .yaml or .yml, classic otherwise.
func Read(path string) ([]Section, error) {
	if isYAML(path) {
		return readYAML(path)
	}
	r := &classicReader{vars: map[string]string{}, root: filepath.Dir(path)}
	if err := r.read(path, 0); err != nil {
		return nil, err
	}
	return r.sections, nil
}

func isYAML(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yaml" || ext == ".yml"
}

// Outputs returns the OUTPUT sections of plugin, in file order.
func Outputs(sections []Section, plugin string) []Section {
	var out []Section
	for _, s := range sections {
		if s.Kind == "OUTPUT" && s.Plugin() == plugin {
			out = append(out, s)
		}
	}
	return out
}

// maxIncludeDepth stops include cycles.
const maxIncludeDepth = 16

// varRef is a ${NAME} reference in a value.
var varRef = regexp.MustCompile(`\$\{([^}]*)\}`)

// expand replaces ${NAME} from vars, then from the environment, as Fluent
// Bit does when it loads a file; an unknown name becomes "".
func expand(v string, vars map[string]string) string {
	if !strings.Contains(v, "${") {
		return v
	}
	return varRef.ReplaceAllStringFunc(v, func(ref string) string {
		name := ref[2 : len(ref)-1]
		if val, ok := vars[name]; ok {
			return val
		}
		return os.Getenv(name)
	})
}

// includes resolves an include pattern, relative to dir unless absolute,
// to the files it names in sorted order (a pattern without wildcards
// names one file, which must exist).
func includes(dir, pattern string) ([]string, error) {
	if !filepath.IsAbs(pattern) {
		pattern = filepath.Join(dir, pattern)
	}
	if !strings.ContainsAny(pattern, "*?[") {
		return []string{pattern}, nil
	}
	return filepath.Glob(pattern)
}
