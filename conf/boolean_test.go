package conf

import "testing"

func TestParseBool(t *testing.T) {
	for _, in := range []string{"on", "On", "true", "TRUE", "yes", "Yes", "1", " on "} {
		if got, err := parseBool(in); err != nil || !got {
			t.Errorf("parseBool(%q) = %v, %v; want true", in, got, err)
		}
	}
	for _, in := range []string{"off", "OFF", "false", "False", "no", "NO", "0"} {
		if got, err := parseBool(in); err != nil || got {
			t.Errorf("parseBool(%q) = %v, %v; want false", in, got, err)
		}
	}
	for _, in := range []string{"", "y", "n", "2", "enabled", "truee"} {
		if _, err := parseBool(in); err == nil {
			t.Errorf("parseBool(%q) succeeded; want an error", in)
		}
	}
}
