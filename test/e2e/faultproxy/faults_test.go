package faultproxy

import (
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// put sends one PUT with a body on a fresh connection, so that the client
// transport never resends it on its own, and returns the status (0 with
// the error when no response came) and body.
func put(t *testing.T, url, body string) (int, string, error) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	req, err := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestSlowDownReply(t *testing.T) {
	upstream, received := recordingUpstream(t)
	p := startProxy(t, upstream.URL, Config{SlowDown: 1})
	status, body, err := put(t, p.URL+"/b/k?x-id=PutObject", "data")
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "<Code>SlowDown</Code>") ||
		!strings.Contains(body, "<Message>Please reduce your request rate.</Message>") ||
		!strings.Contains(body, "<Resource>/b/k</Resource>") {
		t.Errorf("reply = %d %s, want 503 with an S3 SlowDown error for /b/k", status, body)
	}
	if n := len(received()); n != 0 {
		t.Errorf("upstream received %d requests, want none", n)
	}
}

// The same request meets at most MaxConsecutiveFaults faults in a row, and
// a clean pass starts the count again; other requests have counts of
// their own, so interleaving them does not starve either.
func TestConsecutiveFaultBound(t *testing.T) {
	upstream, received := recordingUpstream(t)
	p := startProxy(t, upstream.URL, Config{ServerError: 1})
	var statuses []int
	for range 2*(MaxConsecutiveFaults+1) + 1 {
		status, _, err := put(t, p.URL+"/b/k?partNumber=1&uploadId=u", "a")
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, status)
	}
	want := []int{500, 500, 500, 500, 500, 206, 500, 500, 500, 500, 500, 206, 500}
	if !reflect.DeepEqual(statuses, want) {
		t.Errorf("statuses of one request repeated = %v, want %v", statuses, want)
	}

	var passed []string
	for i := range 2 * (MaxConsecutiveFaults + 1) {
		part := []string{"2", "3"}[i%2]
		status, _, err := put(t, p.URL+"/b/k?partNumber="+part+"&uploadId=u", "a")
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusInternalServerError {
			passed = append(passed, part)
		}
	}
	if !reflect.DeepEqual(passed, []string{"2", "3"}) {
		t.Errorf("interleaved parts 2 and 3 passed as %v, want each once, on its own 6th attempt", passed)
	}
	if n := len(received()); n != 4 {
		t.Errorf("upstream received %d requests, want the 4 spared ones", n)
	}
	s := p.Stats()
	if s.Requests != 25 || s.ServerError != 21 || s.Spared != 4 || s.Forwarded != 4 {
		t.Errorf("stats = %+v, want 25 requests, 21 server errors, 4 spared and forwarded", s.Counts)
	}
}

// The same seed and the same requests give the same faults; the counts
// add up, in total and per operation.
func TestSeededAndCounted(t *testing.T) {
	cfg := Config{Seed: 42, SlowDown: 0.15, ServerError: 0.15, LostReply: 0.15, Reset: 0.2, Slow: 0.1, SlowDelay: time.Millisecond}
	run := func() (Stats, []string) {
		upstream, _ := recordingUpstream(t)
		p := startProxy(t, upstream.URL, cfg)
		var outcomes []string
		for i := range 60 {
			url := p.URL + "/b/k" + string(rune('a'+i%7)) + "?x-id=PutObject"
			if i%3 == 0 {
				url = p.URL + "/b/k?partNumber=" + string(rune('1'+i%5)) + "&uploadId=u"
			}
			status, _, err := put(t, url, "body")
			switch {
			case err != nil && isReset(err):
				outcomes = append(outcomes, "reset")
			case err != nil:
				t.Fatalf("request %d: %v, want a reply or a reset", i, err)
			default:
				outcomes = append(outcomes, http.StatusText(status))
			}
		}
		return p.Stats(), outcomes
	}
	first, outcomes := run()
	second, again := run()
	if !reflect.DeepEqual(first, second) || !reflect.DeepEqual(outcomes, again) {
		t.Errorf("same seed, different runs:\n%+v %v\n%+v %v", first, outcomes, second, again)
	}

	c := first.Counts
	if c.Requests != 60 || c.Requests != c.Forwarded+c.SlowDown+c.ServerError+c.ResetBefore {
		t.Errorf("counts %+v: want 60 requests, each either forwarded or answered by the proxy", c)
	}
	for name, n := range map[string]int64{"SlowDown": c.SlowDown, "ServerError": c.ServerError,
		"LostReply": c.LostReply, "ResetBefore": c.ResetBefore, "ResetAfter": c.ResetAfter, "Slow": c.Slow} {
		if n == 0 {
			t.Errorf("no %s among 60 requests with seed 42: %+v", name, c)
		}
	}
	resets := 0
	for _, o := range outcomes {
		if o == "reset" {
			resets++
		}
	}
	if int64(resets) != c.ResetBefore+c.ResetAfter {
		t.Errorf("clients saw %d resets, stats count %d", resets, c.ResetBefore+c.ResetAfter)
	}
	var sum Counts
	for _, oc := range first.ByOperation {
		sum.Requests += oc.Requests
		sum.Forwarded += oc.Forwarded
		sum.SlowDown += oc.SlowDown
		sum.ServerError += oc.ServerError
		sum.LostReply += oc.LostReply
		sum.ResetBefore += oc.ResetBefore
		sum.ResetAfter += oc.ResetAfter
		sum.Slow += oc.Slow
		sum.Spared += oc.Spared
	}
	if sum != c {
		t.Errorf("per-operation counts add up to %+v, totals are %+v", sum, c)
	}
	if ops := len(first.ByOperation); ops != 2 || first.ByOperation["PutObject"].Requests != 40 || first.ByOperation["UploadPart"].Requests != 20 {
		t.Errorf("by operation = %+v, want 40 PutObject and 20 UploadPart", first.ByOperation)
	}
}

// isReset reports whether err is the client's side of a connection the
// proxy reset.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.EPIPE)
}

func TestSlowDelaysThenForwards(t *testing.T) {
	upstream, received := recordingUpstream(t)
	const delay = 150 * time.Millisecond
	p := startProxy(t, upstream.URL, Config{Slow: 1, SlowDelay: delay})
	start := time.Now()
	status, _, err := put(t, p.URL+"/b/k", "x")
	elapsed := time.Since(start)
	if err != nil || status != http.StatusPartialContent {
		t.Fatalf("slow request = %d, %v; want the upstream's 206", status, err)
	}
	if elapsed < delay {
		t.Errorf("slow request took %v, want at least %v", elapsed, delay)
	}
	if len(received()) != 1 || p.Stats().Slow != 1 {
		t.Errorf("upstream received %d, stats %+v; want 1 forwarded slow request", len(received()), p.Stats().Counts)
	}

	// Turned off at run time: no delay, no fault.
	p.SetConfig(Config{})
	status, _, err = put(t, p.URL+"/b/k", "x")
	if err != nil || status != http.StatusPartialContent || p.Stats().Faults() != 1 {
		t.Errorf("after SetConfig(Config{}): %d, %v, %+v; want a clean pass", status, err, p.Stats().Counts)
	}
}

// Concurrent clients: every request is counted once and each ends as a
// reply or a reset (run with -race).
func TestConcurrentRequests(t *testing.T) {
	upstream, received := recordingUpstream(t)
	p := startProxy(t, upstream.URL, Config{Seed: 3, SlowDown: 0.2, LostReply: 0.2, Reset: 0.2})
	const clients, each = 4, 25
	errs := make(chan error, clients*each)
	for c := range clients {
		go func() {
			for i := range each {
				req, _ := http.NewRequest(http.MethodPut, p.URL+"/b/k"+string(rune('a'+c))+"?partNumber="+string(rune('1'+i%9))+"&uploadId=u", strings.NewReader("x"))
				resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
				if err == nil {
					resp.Body.Close()
				} else if isReset(err) {
					err = nil
				}
				errs <- err
			}
		}()
	}
	for range clients * each {
		if err := <-errs; err != nil {
			t.Errorf("request: %v, want a reply or a reset", err)
		}
	}
	c := p.Stats().Counts
	if c.Requests != clients*each || c.Requests != c.Forwarded+c.SlowDown+c.ServerError+c.ResetBefore ||
		int64(len(received())) != c.Forwarded {
		t.Errorf("counts %+v, upstream received %d: want %d requests, each forwarded or answered by the proxy",
			c, len(received()), clients*each)
	}
}
