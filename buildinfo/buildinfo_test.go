package buildinfo

import "testing"

func TestString(t *testing.T) {
	for _, c := range []struct {
		in   Info
		want string
	}{
		{Info{Version: "v0.3.0", Commit: "abc", Date: "2026-12-01T10:00:00Z"}, "v0.3.0 commit abc built 2026-12-01T10:00:00Z"},
		{Info{Version: "dev"}, "dev"},
	} {
		if got := c.in.String(); got != c.want {
			t.Errorf("%#v: %q, want %q", c.in, got, c.want)
		}
	}
}

// A test binary is stamped with nothing: the version still says something.
func TestGetUnstamped(t *testing.T) {
	if v := Get().Version; v != "dev" {
		t.Errorf("unstamped version %q, want dev", v)
	}
}
