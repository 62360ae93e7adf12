package datagen

import (
	"testing"
	"time"
)

func TestSetString(t *testing.T) {
	if Kubernetes.String() != "kubernetes" || S3Access.String() != "s3access" {
		t.Errorf("names %q, %q", Kubernetes, S3Access)
	}
}

func TestNewUnknownSet(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(Set(9)) did not panic")
		}
	}()
	New(Set(9), 1)
}

func TestEventTimeAdvance(t *testing.T) {
	const n = 20000
	for _, set := range []Set{Kubernetes, S3Access} {
		g := New(set, 3)
		var first, last time.Time
		for i := range n {
			ts, _ := g.Next()
			if i == 0 {
				first = ts
			}
			if ts.Before(last) {
				t.Fatalf("%s: record %d at %s before %s", set, i, ts, last)
			}
			last = ts
		}
		if !first.Equal(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: starts at %s", set, first)
		}
		mean := last.Sub(first) / (n - 1)
		if mean < time.Millisecond || mean > 10*time.Millisecond {
			t.Errorf("%s: mean gap %s, want a few milliseconds", set, mean)
		}
	}
}
