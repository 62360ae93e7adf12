package faultproxy

import (
	"net/http"
	"strings"
	"sync"
	"testing"
)

// Observe sees every request with its operation and headers, faulted ones
// included, and stops when set to nil.
func TestObserve(t *testing.T) {
	up, _ := recordingUpstream(t)
	p := startProxy(t, up.URL, Config{Seed: 1, SlowDown: 0.5})
	var mu sync.Mutex
	var ops []string
	var acl []string
	p.Observe(func(op string, h http.Header) {
		mu.Lock()
		defer mu.Unlock()
		ops = append(ops, op)
		acl = append(acl, h.Get("X-Amz-Acl"))
	})
	send := func() {
		req, _ := http.NewRequest(http.MethodPut, p.URL+"/bkt/key", strings.NewReader("v"))
		req.Header.Set("X-Amz-Acl", "private")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for range 6 {
		send()
	}
	p.Observe(nil)
	send()
	mu.Lock()
	defer mu.Unlock()
	if len(ops) != 6 {
		t.Fatalf("observed %d requests, want 6", len(ops))
	}
	for i := range ops {
		if ops[i] != "PutObject" || acl[i] != "private" {
			t.Errorf("request %d observed as %s with x-amz-acl %q", i, ops[i], acl[i])
		}
	}
	if st := p.Stats(); st.SlowDown == 0 {
		t.Errorf("no request faulted (stats %+v): the test does not show faulted requests are observed", st)
	}
}
