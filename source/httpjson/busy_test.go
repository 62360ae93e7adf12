package httpjson

import (
	"bytes"
	"net/http"
	"sync"
	"testing"

	"github.com/s3append/s3append/source"
	"github.com/s3append/s3append/source/sourcetest"
)

// Past max_concurrent_requests a request is answered 503 with
// Retry-After at once, counted as busy, and nothing of it is taken; once
// a slot is free the same batch is taken.
func TestBusyPastMaxConcurrentRequests(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	sink := &sourcetest.Sink{Answer: func(tag string, _ []byte) source.Result {
		if tag == "slow" {
			once.Do(func() { close(entered) })
			<-release
		}
		return source.OK
	}}
	r := start(t, map[string]string{"max_concurrent_requests": "1"}, sink)
	slow := make(chan int, 1)
	go func() {
		resp, err := r.client.Post(r.url+"/slow", "application/json", bytes.NewReader([]byte(`{"n":1}`)))
		if err != nil {
			slow <- 0
			return
		}
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	<-entered // the slow request holds the only slot, inside Deliver

	resp, body := r.post(t, "/fast", []byte(`{"n":2}`))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a request past max_concurrent_requests: %d %s (Retry-After %q), want 503 with Retry-After", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	if reasons, counts := r.stats.Rejects(); len(reasons) != 1 || reasons[0] != "busy" || counts[0] != 1 {
		t.Errorf("rejects %v %v, want busy 1", reasons, counts)
	}
	close(release)
	if code := <-slow; code != http.StatusOK {
		t.Fatalf("the slow request: %d", code)
	}
	if resp, body := r.post(t, "/fast", []byte(`{"n":2}`)); resp.StatusCode != http.StatusOK {
		t.Fatalf("the resend once a slot is free: %d %s", resp.StatusCode, body)
	}
	var tags []string
	for _, b := range sink.Batches() {
		tags = append(tags, b.Tag)
	}
	if len(tags) != 2 || tags[0] != "slow" || tags[1] != "fast" {
		t.Errorf("batches delivered %v, want slow then fast once", tags)
	}
}
