package sidecar

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/source"
)

// suggest is "; did you mean X?" for the name among names nearest to key.
func suggest(key string, names []string) string {
	if n := conf.Nearest(key, names); n != "" {
		return "; did you mean " + n + "?"
	}
	return ""
}

func readSources(p *problems, list *yaml.Node, kinds []source.Kind, lookup func(string) (string, bool)) []*SourceConfig {
	if list.Kind != yaml.SequenceNode {
		p.add(list.Line, "sources: expected a list of sources (- type: ...)")
		return nil
	}
	var types []string
	for _, k := range kinds {
		types = append(types, k.Type)
	}
	var out []*SourceConfig
	perType := map[string]int{}
	byAddr := map[string]*SourceConfig{}
	for i, item := range list.Content {
		where := fmt.Sprintf("sources[%d]", i)
		values, lines := entries(p, item, where, lookup)
		typ := strings.ToLower(values["type"])
		var kind *source.Kind
		for j := range kinds {
			if kinds[j].Type == typ {
				kind = &kinds[j]
			}
		}
		if kind == nil {
			if typ == "" {
				p.add(item.Line, "%s: type: missing; one of %s", where, strings.Join(types, ", "))
			} else {
				p.add(lines["type"], "%s: type: %q is not a source type; one of %s%s", where, typ, strings.Join(types, ", "), suggest(typ, types))
			}
			continue
		}
		where = fmt.Sprintf("sources[%d] (%s)", i, typ)
		known := append(append([]string(nil), source.CommonKeys...), kind.Keys...)
		for _, k := range sortedKeys(values) {
			if !contains(known, k) {
				p.add(lines[k], "%s: %q is not a setting of a %s source%s", where, k, typ, suggest(k, known))
			}
		}
		s := &source.Settings{Name: fmt.Sprintf("%s.%d", typ, perType[typ]), Values: values}
		perType[typ]++
		var listen string
		if kind.NoListen {
			if s.Has("listen") {
				s.Fail("listen", "a %s source does not listen: it reads its input itself; remove listen", typ)
			}
		} else {
			listen = s.Listen()
		}
		built := kind.Build(s)
		line := item.Line
		for _, msg := range s.Problems() {
			key, _, _ := strings.Cut(msg, ":")
			if l, ok := lines[key]; ok {
				line = l
			}
			p.add(line, "%s: %s", where, msg)
			line = item.Line
		}
		sc := &SourceConfig{Name: s.Name, Type: typ, Listen: listen, Line: item.Line, Source: built}
		if listen != "" {
			addr := addressKey(listen)
			if other := byAddr[addr]; other != nil {
				p.add(lines["listen"], "%s: listen: %s is also the address of %s (line %d); each source needs its own", where, listen, other.Name, other.Line)
			} else if addr != "" {
				byAddr[addr] = sc
			}
		}
		out = append(out, sc)
	}
	return out
}

// addressKey is the address a listen setting binds, for finding two
// sources on one: "" for port 0, which is never shared.
func addressKey(listen string) string {
	network, addr, err := source.SplitListen(listen)
	if err != nil {
		return ""
	}
	if network == "unix" {
		return "unix:" + addr
	}
	host, port, _ := net.SplitHostPort(addr)
	if port == "0" {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() || host == "" {
		host = "*"
	}
	return "tcp:" + host + ":" + port
}

func readOutputs(p *problems, list *yaml.Node, lookup func(string) (string, bool)) []*OutputConfig {
	if list.Kind != yaml.SequenceNode {
		p.add(list.Line, "outputs: expected a list of outputs (- match: ...)")
		return nil
	}
	var out []*OutputConfig
	type dirKey struct{ dir, bucket string }
	byDir := map[dirKey]*OutputConfig{}
	for i, item := range list.Content {
		where := fmt.Sprintf("outputs[%d]", i)
		values, lines := entries(p, item, where, lookup)
		name := fmt.Sprintf("s3append.%d", i)
		if a := values["alias"]; a != "" {
			name = a
		}
		if n, ok := values["name"]; ok && !strings.EqualFold(n, "s3append") {
			p.add(lines["name"], "%s: name: %q: the sidecar's outputs are s3append outputs; leave name out", where, n)
		}
		match := values["match"]
		if match == "" {
			p.add(item.Line, "%s: match: missing; a glob on the tag such as 'app.*', or '*' for every tag", where)
		}
		options := conf.MapSource{}
		for _, k := range sortedKeys(values) {
			if contains(outputHostKeys, k) {
				continue
			}
			if !conf.IsOption(k) {
				p.add(lines[k], "%s: %q is not an option of s3append%s", where, k, suggest(k, append(optionNames(), outputHostKeys...)))
				continue
			}
			options[k] = values[k]
		}
		c, err := conf.Parse(options)
		if err != nil {
			for _, msg := range strings.Split(err.Error(), "\n") {
				line := item.Line
				key, _, _ := strings.Cut(msg, ":")
				if l, ok := lines[strings.TrimSpace(key)]; ok {
					line = l
				}
				p.add(line, "%s: %s", where, msg)
			}
			continue
		}
		oc := &OutputConfig{Name: name, Match: match, Line: item.Line, Conf: c}
		k := dirKey{c.StoreDir, c.Bucket}
		if other := byDir[k]; other != nil {
			p.add(item.Line, "%s: store_dir %s and bucket %s are also %s's (line %d): each output needs a buffer of its own; give one another store_dir", where, c.StoreDir, c.Bucket, other.Name, other.Line)
		} else {
			byDir[k] = oc
		}
		out = append(out, oc)
	}
	return out
}

func optionNames() []string {
	var names []string
	for _, o := range conf.Options() {
		names = append(names, o.Name)
	}
	return names
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
