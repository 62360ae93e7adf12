package sidecar

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/conf/fbfile"
	"github.com/s3append/s3append/source"
)

// IsSidecarFile says whether path is a configuration of the sidecar (a
// YAML file with sources: or outputs: at the top) rather than one of
// Fluent Bit (classic, or YAML with pipeline:).
func IsSidecarFile(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".yaml" && ext != ".yml" {
		return false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return true // let ReadFile report it
	}
	var top map[string]yaml.Node
	if yaml.Unmarshal(data, &top) != nil {
		return true
	}
	_, hasSources := top["sources"]
	_, hasOutputs := top["outputs"]
	_, hasPipeline := top["pipeline"]
	return hasSources || hasOutputs || !hasPipeline
}

// Check validates the configuration at path, the sidecar's or Fluent
// Bit's, and returns a summary of what it holds, or every problem.
func Check(path string, kinds []source.Kind) (string, error) {
	if IsSidecarFile(path) {
		cfg, err := ReadFile(path, kinds)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s: OK: %d source(s), %d output(s)", path, len(cfg.Sources), len(cfg.Outputs)), nil
	}
	return CheckFluentBit(path)
}

// CheckFluentBit validates the s3append outputs of a Fluent Bit
// configuration (classic or YAML, includes and variables as Fluent Bit
// reads them): every key is an option or Fluent Bit's own, and the options
// pass the plugin's own parser. What Fluent Bit itself checks is left to
// it (fluent-bit --dry-run).
func CheckFluentBit(path string) (string, error) {
	sections, err := fbfile.Read(path)
	if err != nil {
		return "", &ConfigError{File: path, Problems: []string{err.Error()}}
	}
	outs := fbfile.Outputs(sections, "s3append")
	if len(outs) == 0 {
		return "", &ConfigError{File: path, Problems: []string{fmt.Sprintf("%s: no s3append output (an output with Name s3append)", path)}}
	}
	var list []string
	for i, s := range outs {
		options := conf.MapSource{}
		for _, e := range s.Entries {
			if unknown, nearest := conf.UnknownKey(e.Key); unknown {
				hint := ""
				if nearest != "" {
					hint = "; did you mean " + nearest + "?"
				}
				list = append(list, fmt.Sprintf("%s:%d: s3append output %d: %q is not an option of s3append and would be ignored%s", s.File, e.Line, i, e.Key, hint))
				continue
			}
			if conf.IsOption(e.Key) {
				options[strings.ToLower(e.Key)] = e.Value
			}
		}
		if _, err := conf.Parse(options); err != nil {
			for _, msg := range strings.Split(err.Error(), "\n") {
				list = append(list, fmt.Sprintf("%s: s3append output %d: %s", s.Where(), i, msg))
			}
		}
	}
	if len(list) > 0 {
		return "", &ConfigError{File: path, Problems: list}
	}
	return fmt.Sprintf("%s: OK: %d s3append output(s)", path, len(outs)), nil
}
