// Package buildinfo holds the release a binary was built as. The plugin
// and the sidecar both report it (the plugin in its start-up line, the
// sidecar in "s3append version"), so it lives in a package both link
// rather than in either main package.
package buildinfo

import (
	"runtime/debug"
	"sync"
)

// Set by the Makefile with
//
//	-ldflags "-X github.com/s3append/s3append/buildinfo.version=v0.3.0 ..."
//
// A plain go build leaves them empty; Get then falls back on what the Go
// toolchain recorded from the checkout.
var version, commit, date string

// Info is the release of the running binary.
type Info struct {
	Version string // the release tag, or what git describe said; "dev" if unknown
	Commit  string // the full commit hash; empty if unknown
	Date    string // the build time, RFC 3339 in UTC; empty if unknown
}

var get = sync.OnceValue(func() Info {
	in := Info{Version: version, Commit: commit, Date: date}
	if in.Commit == "" {
		// go build in a git checkout records the commit and its time.
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					in.Commit = s.Value
				case "vcs.time":
					if in.Date == "" {
						in.Date = s.Value
					}
				}
			}
		}
	}
	if in.Version == "" {
		in.Version = "dev"
	}
	return in
})

// Get returns the binary's release.
func Get() Info { return get() }

// String is the release in one line: "v0.3.0 commit 1a2b... built 2026-...".
func (in Info) String() string {
	s := in.Version
	if in.Commit != "" {
		s += " commit " + in.Commit
	}
	if in.Date != "" {
		s += " built " + in.Date
	}
	return s
}
