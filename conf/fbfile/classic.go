package fbfile

import (
	"fmt"
	"os"
	"strings"
)

// classicReader reads classic files: [SECTION] headers, indented
// "key value" lines, # comments, @INCLUDE and @SET.
type classicReader struct {
	vars     map[string]string // from @SET
	root     string            // the main file's directory: includes are relative to it
	sections []Section
}

func (r *classicReader) read(path string, depth int) error {
	if depth > maxIncludeDepth {
		return fmt.Errorf("%s: includes nest deeper than %d files (a cycle?)", path, maxIncludeDepth)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cur *Section
	for i, raw := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		line := strings.TrimSpace(raw)
		n := i + 1
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "@"):
			directive, arg, _ := strings.Cut(line, " ")
			arg = strings.TrimSpace(arg)
			switch strings.ToUpper(directive) {
			case "@INCLUDE":
				files, err := includes(r.root, arg)
				if err != nil {
					return fmt.Errorf("%s:%d: @INCLUDE %s: %w", path, n, arg, err)
				}
				for _, f := range files {
					if err := r.read(f, depth+1); err != nil {
						return err
					}
				}
				cur = nil // an included file ends the section it was in
			case "@SET":
				if k, v, ok := strings.Cut(arg, "="); ok {
					r.vars[strings.TrimSpace(k)] = strings.TrimSpace(v)
				}
			}
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			r.sections = append(r.sections, Section{Kind: strings.ToUpper(strings.TrimSpace(line[1 : len(line)-1])), File: path, Line: n})
			cur = &r.sections[len(r.sections)-1]
		case cur != nil:
			key, value, _ := strings.Cut(line, " ")
			cur.Entries = append(cur.Entries, Entry{Key: key, Value: expand(strings.TrimSpace(value), r.vars), Line: n})
		}
	}
	return nil
}
