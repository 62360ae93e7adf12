package main

import (
	"testing"

	"github.com/s3append/s3append/buildinfo"
)

func TestReleaseFields(t *testing.T) {
	got := releaseFields(buildinfo.Info{Version: "v0.3.0", Commit: "abc", Date: "2026-12-01T10:00:00Z"})
	if want := "version=v0.3.0 commit=abc built=2026-12-01T10:00:00Z"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got, want := releaseFields(buildinfo.Info{Version: "dev"}), "version=dev commit=unknown built=unknown"; got != want {
		t.Errorf("unstamped: %q, want %q", got, want)
	}
}
