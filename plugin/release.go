package main

import "github.com/s3append/s3append/buildinfo"

// releaseFields ends the start-up line with the release, so that a log
// shows which build of the .so a Fluent Bit loaded.
func releaseFields(in buildinfo.Info) string {
	commit, date := in.Commit, in.Date
	if commit == "" {
		commit = "unknown"
	}
	if date == "" {
		date = "unknown"
	}
	return "version=" + in.Version + " commit=" + commit + " built=" + date
}
