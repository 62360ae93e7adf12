package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// killLoop kills the host with SIGKILL at chosen moments while records
// flow, and restarts it, S3APPEND_KILL_LOOPS times (loops by default); a
// last, clean run then finishes what the killed ones left.
type killLoop struct {
	loops int
	opts  map[string]string // the output's options
	// Every bigEvery-th run is big: it sends more, larger chunks, so that
	// uploads run in parts while it is killed.
	bigEvery   int
	small, big chunkSpec
	bigTag     string // the big runs' only tag; "" for the small runs' a and b
	step       time.Duration
	// killAt returns when the run should be killed; it may fail t (after
	// which the loop kills the run itself).
	killAt func(t *testing.T, r *streamRun, big bool, rng *rand.Rand)
}

// chunkSpec is how many chunks a run sends before it waits for the kill,
// and how many records each holds.
type chunkSpec struct{ chunks, records int64 }

// run returns the entries acknowledged and the entries sent over every
// run.
func (k killLoop) run(t *testing.T, dir string) (acked, sent []entry) {
	loops := k.loops
	if v, err := strconv.Atoi(os.Getenv("S3APPEND_KILL_LOOPS")); err == nil && v > 0 {
		loops = v
	}
	cfg := writeConfig(t, dir, output{match: "*", workers: 2, opts: k.opts})
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	next := int64(0)
	var mu sync.Mutex
	for i := 0; i < loops; i++ {
		big := i%k.bigEvery == k.bigEvery-1
		spec := k.small
		if big {
			spec = k.big
		}
		count := int64(0)
		stop := make(chan struct{})
		r := startStream(t, cfg, filepath.Join(dir, fmt.Sprintf("run%d.acks", i)), 0, func() entry {
			mu.Lock()
			defer mu.Unlock()
			count++
			if count > spec.chunks {
				<-stop // enough for this run: wait for the kill
			}
			tag := []string{"a", "b"}[rng.IntN(2)]
			if big && k.bigTag != "" {
				tag = k.bigTag
			}
			e := entry{tag: tag, first: next, n: spec.records, step: k.step}
			next += spec.records
			return e
		}, stop)
		func() {
			defer func() {
				r.cmd.Process.Kill()
				r.cmd.Wait()
				close(stop)
			}()
			k.killAt(t, r, big, rng)
		}()
		acked = append(acked, r.acked(t)...)
		r.mu.Lock()
		sent = append(sent, r.entries...)
		r.mu.Unlock()
	}
	// The final run uploads everything before it exits (writeConfig's
	// shutdown_timeout waits for it).
	finalCfg := writeConfig(t, dir, output{match: "*", workers: 2, opts: k.opts})
	if code, log, _ := runHost(t, dir, finalCfg, nil); code != 0 {
		t.Fatalf("final run: exit %d\n%s", code, log)
	}
	t.Logf("crashes survived: %d", loops)
	return acked, sent
}
