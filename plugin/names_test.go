package main

import (
	"testing"

	"github.com/s3append/s3append/out_s3append"
)

// Names follow the outputs' Init order, and start over once every
// instance has been closed (a hot reload), so each output gets its name
// back.
func TestInstanceNamesStartOverAfterAReload(t *testing.T) {
	mu.Lock()
	defer mu.Unlock()
	saved := instances
	defer func() { instances = saved }()
	instances = nil
	running := &out_s3append.Instance{}
	for i, want := range []string{"s3append.0", "s3append.1"} {
		name, slot := instanceName()
		if name != want || slot != i {
			t.Fatalf("output %d named %s in slot %d, want %s", i, name, slot, want)
		}
		instances[slot] = running
	}
	instances[0] = nil // one output closed: the other still runs
	if name, _ := instanceName(); name != "s3append.2" {
		t.Fatalf("a third output while one runs is named %s, want s3append.2", name)
	}
	for i := range instances {
		instances[i] = nil // the reload closed them all
	}
	if name, slot := instanceName(); name != "s3append.0" || slot != 0 {
		t.Fatalf("after every instance closed, the first output is named %s (slot %d), want s3append.0", name, slot)
	}
}
