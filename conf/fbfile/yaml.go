package fbfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yamlKinds maps the lists of a YAML pipeline to section kinds.
var yamlKinds = map[string]string{"inputs": "INPUT", "filters": "FILTER", "outputs": "OUTPUT"}

// readYAML reads a YAML configuration: env (variables for ${NAME}),
// includes (other YAML files, relative to this one's directory), service
// and pipeline's inputs, filters and outputs.
func readYAML(path string) ([]Section, error) {
	vars := map[string]string{}
	var out []Section
	if err := readYAMLFile(path, vars, &out, 0); err != nil {
		return nil, err
	}
	return out, nil
}

func readYAMLFile(path string, vars map[string]string, out *[]Section, depth int) error {
	if depth > maxIncludeDepth {
		return fmt.Errorf("%s: includes nest deeper than %d files (a cycle?)", path, maxIncludeDepth)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil // an empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: the top level is not a map of sections", path, root.Line)
	}
	// env first: it names variables the rest of the file uses.
	if env := member(root, "env"); env != nil && env.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(env.Content); i += 2 {
			vars[env.Content[i].Value] = env.Content[i+1].Value
		}
	}
	if inc := member(root, "includes"); inc != nil && inc.Kind == yaml.SequenceNode {
		for _, item := range inc.Content {
			files, err := includes(filepath.Dir(path), item.Value)
			if err != nil {
				return fmt.Errorf("%s:%d: includes %s: %w", path, item.Line, item.Value, err)
			}
			for _, f := range files {
				if err := readYAMLFile(f, vars, out, depth+1); err != nil {
					return err
				}
			}
		}
	}
	if svc := member(root, "service"); svc != nil && svc.Kind == yaml.MappingNode {
		*out = append(*out, yamlSection("SERVICE", path, svc, vars))
	}
	if pipe := member(root, "pipeline"); pipe != nil && pipe.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(pipe.Content); i += 2 {
			kind, ok := yamlKinds[strings.ToLower(pipe.Content[i].Value)]
			list := pipe.Content[i+1]
			if !ok || list.Kind != yaml.SequenceNode {
				continue
			}
			for _, item := range list.Content {
				if item.Kind == yaml.MappingNode {
					*out = append(*out, yamlSection(kind, path, item, vars))
				}
			}
		}
	}
	return nil
}

// member returns the value of key in the map m, or nil.
func member(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if strings.EqualFold(m.Content[i].Value, key) {
			return m.Content[i+1]
		}
	}
	return nil
}

// yamlSection turns a map into a section. Keys whose values are not
// scalars (processors, say) are kept with an empty value.
func yamlSection(kind, path string, m *yaml.Node, vars map[string]string) Section {
	s := Section{Kind: kind, File: path, Line: m.Line}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		value := ""
		if v.Kind == yaml.ScalarNode {
			value = expand(v.Value, vars)
		}
		s.Entries = append(s.Entries, Entry{Key: k.Value, Value: value, Line: k.Line})
	}
	return s
}
