package conf

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	valid := []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"30", 30 * time.Second},
		{"90s", 90 * time.Second},
		{"30S", 30 * time.Second},
		{"10m", 10 * time.Minute},
		{"10M", 10 * time.Minute},
		{"1h", time.Hour},
		{"2H", 2 * time.Hour},
		{"1d", 24 * time.Hour},
		{"1D", 24 * time.Hour},
		{"1h30m", 90 * time.Minute},
		{"500ms", 500 * time.Millisecond},
		{"1.5h", 90 * time.Minute},
		{" 4s ", 4 * time.Second},
		{"9223372036", 9223372036 * time.Second},
	}
	for _, tc := range valid {
		got, err := parseDuration(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	invalid := []struct{ in, reason string }{
		{"", "is not a duration"},
		{"soon", "is not a duration"},
		{"10x", "is not a duration"},
		{"1w", "is not a duration"},
		{"m", "is not a duration"},
		{"1 h", "is not a duration"},
		{"-5", "is negative"},
		{"-5s", "is negative"},
		{"9223372037", "is too large"},
		{"106752d", "is too large"},
		{"9999999999h", "is too large"},
	}
	for _, tc := range invalid {
		got, err := parseDuration(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("parseDuration(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.reason)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"}, {4 * time.Second, "4s"}, {10 * time.Minute, "10m"}, {time.Hour, "1h"},
		{90 * time.Minute, "1h30m"}, {time.Hour + time.Second, "1h0m1s"}, {500 * time.Millisecond, "500ms"},
	} {
		if got := formatDuration(tc.in); got != tc.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tc.in, got, tc.want)
		}
		if back, err := parseDuration(tc.want); err != nil || back != tc.in {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", tc.want, back, err, tc.in)
		}
	}
}
