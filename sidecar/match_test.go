package sidecar

import "testing"

func TestMatchTag(t *testing.T) {
	for _, c := range []struct {
		pattern, tag string
		want         bool
	}{
		{"*", "anything.at.all", true},
		{"app.*", "app.web", true},
		{"app.*", "app.web.1", true},
		{"app.*", "app", false},
		{"app.*", "apps.web", false},
		{"*.web", "app.web", true},
		{"*.web", "app.web.x", false},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"", "", true},
		{"**", "x", true},
	} {
		if got := matchTag(c.pattern, c.tag); got != c.want {
			t.Errorf("matchTag(%q, %q) = %v, want %v", c.pattern, c.tag, got, c.want)
		}
	}
}

func FuzzMatchTag(f *testing.F) {
	f.Add("a*b", "axxb")
	f.Add("*.*", "a.b")
	f.Fuzz(func(t *testing.T, pattern, tag string) {
		got := matchTag(pattern, tag)
		if pattern == tag && !got {
			t.Errorf("%q does not match itself", pattern)
		}
		if pattern == "*" && !got {
			t.Errorf("* does not match %q", tag)
		}
	})
}
