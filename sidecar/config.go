package sidecar

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/out_s3append"
	"github.com/s3append/s3append/source"
)

// Config is the sidecar's configuration file, read and checked.
type Config struct {
	File    string
	Service Service
	Sources []*SourceConfig
	Outputs []*OutputConfig
}

// Service is the process-wide part: the service: mapping.
type Service struct {
	// MetricsListen is host:port of /metrics, /healthz and /readyz ("": none).
	MetricsListen string
	LogLevel      out_s3append.Level
	// MemoryLimit is the Go runtime's soft memory limit in bytes (0: the
	// runtime's own, or GOMEMLIMIT from the environment).
	MemoryLimit int64
}

// SourceConfig is one item of sources:, built but not listening.
type SourceConfig struct {
	Name   string // <type>.<n>: the n-th source of its type
	Type   string
	Listen string
	Line   int
	Source source.Source
}

// OutputConfig is one item of outputs:, its options parsed by conf as
// the plugin's are.
type OutputConfig struct {
	Name  string // alias, or s3append.<n>
	Match string
	Line  int
	Conf  *conf.Config
}

// ConfigError lists every problem of a configuration file, each with its
// line and the setting's name as written.
type ConfigError struct {
	File     string
	Problems []string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s: %d problem(s):\n%s", e.File, len(e.Problems), strings.Join(e.Problems, "\n"))
}

// serviceKeys are the settings of service:.
var serviceKeys = []string{"metrics_listen", "log_level", "memory_limit"}

// outputHostKeys are the settings of an output item that are the
// sidecar's rather than the plugin's options.
var outputHostKeys = []string{"match", "name", "alias"}

// ReadFile reads and checks the configuration at path; sources are built
// from kinds. Every problem is reported at once.
func ReadFile(path string, kinds []source.Kind) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, kinds, osLookup)
}

// problems collects what is wrong, each with file and line.
type problems struct {
	file  string
	list  []string
	lines []int
}

func (p *problems) add(line int, format string, a ...any) {
	p.list = append(p.list, fmt.Sprintf("%s:%d: %s", p.file, line, fmt.Sprintf(format, a...)))
	p.lines = append(p.lines, line)
}

// sorted is the problems in the order of their lines in the file.
func (p *problems) sorted() []string {
	idx := make([]int, len(p.list))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p.lines[idx[a]] < p.lines[idx[b]] })
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = p.list[j]
	}
	return out
}

// Parse reads a configuration from data; file names it in messages, and
// lookup answers ${NAME} references.
func Parse(file string, data []byte, kinds []source.Kind, lookup func(string) (string, bool)) (*Config, error) {
	p := &problems{file: file}
	cfg := &Config{File: file, Service: Service{LogLevel: out_s3append.LevelInfo}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &ConfigError{File: file, Problems: []string{fmt.Sprintf("%s: not YAML: %v", file, err)}}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &ConfigError{File: file, Problems: []string{fmt.Sprintf("%s: expected a mapping with sources: and outputs:", file)}}
	}
	root := doc.Content[0]
	var sources, outputs *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "service":
			readService(p, v, lookup, &cfg.Service)
		case "sources":
			sources = v
		case "outputs":
			outputs = v
		default:
			p.add(k.Line, "%q is not a section: the file has service:, sources: and outputs:%s", k.Value, suggest(k.Value, []string{"service", "sources", "outputs"}))
		}
	}
	if sources == nil || len(sources.Content) == 0 {
		p.add(root.Line, "sources: missing: nothing would send to s3append")
	} else {
		cfg.Sources = readSources(p, sources, kinds, lookup)
	}
	if outputs == nil || len(outputs.Content) == 0 {
		p.add(root.Line, "outputs: missing: records would have nowhere to go")
	} else {
		cfg.Outputs = readOutputs(p, outputs, lookup)
	}
	if len(p.list) > 0 {
		return nil, &ConfigError{File: file, Problems: p.sorted()}
	}
	return cfg, nil
}

// entries reads a mapping of scalars (values expanded), reporting any
// other shape; where says which item it is.
func entries(p *problems, n *yaml.Node, where string, lookup func(string) (string, bool)) (map[string]string, map[string]int) {
	values, lines := map[string]string{}, map[string]int{}
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, "%s: expected key: value settings", where)
		return values, lines
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := strings.ToLower(k.Value)
		if _, dup := values[key]; dup {
			p.add(k.Line, "%s: %s is set twice", where, k.Value)
			continue
		}
		if v.Kind != yaml.ScalarNode {
			p.add(v.Line, "%s: %s: expected a single value", where, k.Value)
			continue
		}
		val, missing := expandEnv(v.Value, lookup)
		for _, m := range missing {
			p.add(v.Line, "%s: %s: uses ${%s}, which is not set (write ${%s:-default} for a default)", where, k.Value, m, m)
		}
		values[key], lines[key] = val, v.Line
	}
	return values, lines
}

func readService(p *problems, n *yaml.Node, lookup func(string) (string, bool), s *Service) {
	values, lines := entries(p, n, "service", lookup)
	for k := range values {
		if !contains(serviceKeys, k) {
			p.add(lines[k], "service: %q is not a setting%s", k, suggest(k, serviceKeys))
		}
	}
	s.MetricsListen = values["metrics_listen"]
	if v, ok := values["memory_limit"]; ok && v != "" {
		n, err := conf.ParseSize(v)
		if err != nil || n < 16<<20 {
			p.add(lines["memory_limit"], "service: memory_limit: %q is not a size of 16M or more (e.g. 64M, 1G)", v)
		}
		s.MemoryLimit = n
	}
	if v, ok := values["log_level"]; ok {
		level, found := parseLevel(v)
		if !found {
			p.add(lines["log_level"], "service: log_level: %q is not one of off, error, warn, info, debug, trace", v)
		}
		s.LogLevel = level
	}
}

func parseLevel(v string) (out_s3append.Level, bool) {
	for l := out_s3append.LevelOff; l <= out_s3append.LevelTrace; l++ {
		if strings.EqualFold(v, l.String()) || strings.EqualFold(v, "warning") && l == out_s3append.LevelWarn {
			return l, true
		}
	}
	return out_s3append.LevelInfo, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
