package fbfile

import "strings"

// CommandLine is what a Fluent Bit command line says of the configuration:
// the file given with -c, and the plugins given with -i, -F and -o, each
// with the -p properties that follow it.
type CommandLine struct {
	ConfigFile string
	Sections   []Section
}

// ParseCommandLine reads Fluent Bit's arguments (args[0] is the program).
// Both "-c file" and "-cfile", "--config file" and "--config=file" work,
// as with Fluent Bit's own option parser.
func ParseCommandLine(args []string) CommandLine {
	var cl CommandLine
	var cur *Section
	for i := 1; i < len(args); i++ {
		name, value, next := optionAt(args, i)
		i = next
		switch name {
		case "c", "config":
			cl.ConfigFile = value
		case "i", "input", "F", "filter", "o", "output":
			kind := map[string]string{"i": "INPUT", "input": "INPUT", "F": "FILTER", "filter": "FILTER"}[name]
			if kind == "" {
				kind = "OUTPUT"
			}
			cl.Sections = append(cl.Sections, Section{Kind: kind, File: "the command line", Line: i,
				Entries: []Entry{{Key: "name", Value: value, Line: i}}})
			cur = &cl.Sections[len(cl.Sections)-1]
		case "p", "prop":
			if k, v, ok := strings.Cut(value, "="); ok && cur != nil {
				cur.Entries = append(cur.Entries, Entry{Key: strings.TrimSpace(k), Value: strings.TrimSpace(v), Line: i})
			}
		}
	}
	return cl
}

// valued are the options that take a value, by every name they go by.
var valued = map[string]bool{
	"c": true, "config": true, "i": true, "input": true, "F": true, "filter": true,
	"o": true, "output": true, "p": true, "prop": true, "e": true, "plugin": true,
	"R": true, "parser": true, "m": true, "match": true, "f": true, "flush": true,
	"l": true, "log_file": true, "t": true, "tag": true, "H": true, "http_listen": true,
	"P": true, "http_port": true, "s": true, "coro_stack_size": true, "T": true, "sp-task": true,
	"w": true, "workdir": true, "L": true, "log_level": true, "C": true, "custom": true,
}

// optionAt reads the option at args[i]: its name (without dashes), its
// value when it takes one, and the index of the last argument it used.
func optionAt(args []string, i int) (name, value string, last int) {
	a := args[i]
	switch {
	case strings.HasPrefix(a, "--"):
		name, value, hasValue := strings.Cut(a[2:], "=")
		if valued[name] && !hasValue && i+1 < len(args) {
			return name, args[i+1], i + 1
		}
		return name, value, i
	case strings.HasPrefix(a, "-") && len(a) >= 2:
		name = a[1:2]
		if !valued[name] {
			return name, "", i
		}
		if len(a) > 2 {
			return name, a[2:], i
		}
		if i+1 < len(args) {
			return name, args[i+1], i + 1
		}
		return name, "", i
	}
	return "", "", i
}
