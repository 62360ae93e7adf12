package main

import (
	"bytes"
	"os"
	"strings"

	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/conf/fbfile"
	"github.com/s3append/s3append/out_s3append"
)

// warnUnknownKeys reports the keys of this output's section that are
// neither options nor Fluent Bit's own properties: Fluent Bit answers a Go
// plugin's look-ups by name and never lists what was set, so a misspelt
// option would otherwise leave its default in place without a word. The
// section is found in the configuration the process was started with
// (its command line names the file) and checked against what Fluent Bit
// handed this output. Where that cannot be done (no file, or one that
// changed since), a debug line says so.
func warnUnknownKeys(log *out_s3append.Logger, slot int, cfg *conf.Config) {
	args, err := commandLine()
	if err != nil {
		log.Debugf("option names not checked: reading the command line: %v", err)
		return
	}
	cl := fbfile.ParseCommandLine(args)
	var sections []fbfile.Section
	if cl.ConfigFile != "" {
		if sections, err = fbfile.Read(cl.ConfigFile); err != nil {
			log.Debugf("option names not checked: reading %s: %v", cl.ConfigFile, err)
			return
		}
	}
	sections = append(sections, cl.Sections...)
	s, ok := conf.OutputSection(fbfile.Outputs(sections, pluginName), slot, cfg.Raw)
	if !ok {
		log.Debugf("option names not checked: no s3append output of the configuration matches this one's options")
		return
	}
	for _, e := range s.Entries {
		unknown, nearest := conf.UnknownKey(e.Key)
		if !unknown {
			continue
		}
		hint := ""
		if nearest != "" {
			hint = "; did you mean " + nearest + "?"
		}
		log.Warnf("%s:%d: %q is not an option of s3append and is ignored%s", s.File, e.Line, e.Key, hint)
	}
}

// commandLine is the process's arguments, as Fluent Bit was started.
func commandLine() ([]string, error) {
	b, err := os.ReadFile("/proc/self/cmdline")
	if err != nil {
		return nil, err
	}
	return strings.Split(string(bytes.TrimRight(b, "\x00")), "\x00"), nil
}
