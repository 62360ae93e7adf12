package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/s3append/s3append/test/e2e/faultproxy"
	"github.com/s3append/s3append/test/e2e/sidecarproc"
)

// sidecarRow is one run of the sidecar, or the plugin run it is compared
// with (plugin set).
type sidecarRow struct {
	name            string
	plugin          bool
	records         int64
	inBytes         int64 // as the clients produced it, uncompressed
	rawText         int64
	acked           time.Duration // first byte sent to the last acknowledgement (0: not measured)
	run             hostRun       // wall: first byte sent to the exit, all uploaded
	objects, parts  int64
	outBytes        int64
	idleConnections int
	target          float64 // rate to print beside the result (0: none)
	unit            string  // of target: rec/s, lines/s
}

// sidecarLoad is one protocol's client side of a sidecar run.
type sidecarLoad struct {
	name string
	// source is the item of sources: (YAML, indented as a list item),
	// listening on a port or socket of its own; sourceName is how the
	// sidecar names it (forward.0).
	source, sourceName string
	// send sends every record to addr and returns once the sidecar has
	// acknowledged them all (lines: once they are all written).
	send func(addr string) (sent, error)
	// unacked: the protocol has no acknowledgement, so the run waits for
	// the source's records counter to reach what was sent before it stops
	// the sidecar.
	unacked bool
}

// sent is what a client sent: records, and bytes as it produced them
// before any compression.
type sent struct{ records, bytes int64 }

// sidecarOutputOptions are the output options of the sidecar runs and of
// the plugin run they are compared with: those of the plugin's
// json_lines+gzip throughput run, whose sizes and timeouts are the
// defaults (written out here so both sides say the same).
var sidecarOutputOptions = [][2]string{
	{"compression", "gzip"},
	{"sync", "always"},
	{"shutdown_timeout", "1h"},
	{"total_file_size", "100M"},
	{"upload_chunk_size", "5M"},
	{"upload_timeout", "10m"},
}

const sidecarKeyFormat = "/$TAG/%Y/%m/%d/%H/$UUID.json.gz"

// sidecarReady bounds how long the sidecar may take to start listening,
// and how long the run waits for a counter it polls.
const sidecarReady = 2 * time.Minute

// runSidecar starts build/s3append with load's source and one output
// into bucket (behind a counting proxy, as the plugin's runs), opens idle
// connections to the source if asked, sends the records, stops the
// sidecar with SIGTERM and waits for its exit, after which everything is
// uploaded (shutdown_timeout is long). It then checks that every record
// landed once.
func runSidecar(env *benchEnv, bucket string, load sidecarLoad, idle int, memoryLimit string) (sidecarRow, error) {
	store, err := env.srv.Store(bucket)
	if err != nil {
		return sidecarRow{}, err
	}
	if err := store.CreateBucket(context.Background()); err != nil {
		return sidecarRow{}, err
	}
	proxy, err := faultproxy.Start(env.srv.Endpoint, faultproxy.Config{})
	if err != nil {
		return sidecarRow{}, err
	}
	defer proxy.Close()
	dir := filepath.Join(env.work, bucket)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return sidecarRow{}, err
	}
	config := filepath.Join(dir, "s3append.yaml")
	source := strings.ReplaceAll(load.source, "$DIR", dir)
	if err := os.WriteFile(config, []byte(sidecarConfig(env, bucket, proxy.URL, dir, source, memoryLimit)), 0o644); err != nil {
		return sidecarRow{}, err
	}
	cpuBefore, err := childrenCPU()
	if err != nil {
		return sidecarRow{}, err
	}
	p, err := sidecarproc.Start(env.sidecar, config, []string{load.sourceName}, true, sidecarReady,
		"AWS_ACCESS_KEY_ID="+env.srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+env.srv.SecretKey, "AWS_EC2_METADATA_DISABLED=true")
	if err != nil {
		return sidecarRow{}, err
	}
	defer func() {
		select {
		case <-p.Done():
		default:
			p.Kill()
		}
		os.WriteFile(filepath.Join(dir, "s3append.log"), []byte(p.Log()), 0o644)
	}()
	addr := p.Addr(load.sourceName)
	conns, err := openIdle(p, load.sourceName, addr, idle)
	defer closeAll(conns)
	if err != nil {
		return sidecarRow{}, err
	}
	watch := watchProc(p.Pid())
	began := time.Now()
	out, sendErr := load.send(addr)
	acked := time.Since(began)
	if sendErr == nil && load.unacked {
		sendErr = waitSourceCounter(p, "records_total", load.sourceName, float64(out.records))
		acked = 0
	}
	if sendErr != nil {
		watch.finish()
		return sidecarRow{}, fmt.Errorf("sending: %w\n%s", sendErr, tail(p.Log(), 20))
	}
	stopErr := p.Stop()
	wall := time.Since(began)
	peak, sampledCPU, samples := watch.finish()
	if stopErr != nil {
		return sidecarRow{}, fmt.Errorf("s3append exit: %w\n%s", stopErr, tail(p.Log(), 20))
	}
	if strings.Contains(p.Log(), "[error]") {
		return sidecarRow{}, fmt.Errorf("s3append logged errors:\n%s", tail(p.Log(), 20))
	}
	cpuAfter, err := childrenCPU()
	if err != nil {
		return sidecarRow{}, err
	}
	cpu := cpuAfter - cpuBefore
	// The two readings come from the same accounting; /proc rounds to
	// clock ticks.
	if samples == 0 || cpu < sampledCPU-2*clockTick {
		return sidecarRow{}, fmt.Errorf("process accounting does not add up: %d samples, CPU %s of the reaped children, %s sampled from /proc", samples, cpu, sampledCPU)
	}
	row := sidecarRow{
		name: load.name, records: out.records, inBytes: out.bytes, rawText: rawTextOf(out.records), acked: acked,
		run:             hostRun{wall: wall, cpu: cpu, peakRSS: peak, inBytes: out.bytes},
		idleConnections: len(conns),
	}
	landed, err := landedRecords(store)
	if err != nil {
		return row, err
	}
	if landed.records != out.records {
		return row, fmt.Errorf("%d records landed in %s, %d were sent", landed.records, bucket, out.records)
	}
	row.objects, row.outBytes = landed.objects, landed.bytes
	ops := proxy.Stats().ByOperation
	row.parts = ops["UploadPart"].Forwarded + ops["PutObject"].Forwarded
	return row, nil
}

// sidecarConfig is the sidecar's configuration: the metrics endpoint (its
// counters tell when a lines run has been read), the source, and one
// output taking every tag.
func sidecarConfig(env *benchEnv, bucket, endpoint, dir, source, memoryLimit string) string {
	opts := map[string]string{
		"bucket": bucket, "region": env.srv.Region, "endpoint": endpoint,
		"use_path_style": "true", "checksum": "when_required",
		"store_dir": filepath.Join(dir, "store"), "s3_key_format": sidecarKeyFormat,
	}
	for _, o := range sidecarOutputOptions {
		opts[o[0]] = o[1]
	}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("service:\n  metrics_listen: 127.0.0.1:0\n")
	if memoryLimit != "" {
		fmt.Fprintf(&b, "  memory_limit: %s\n", memoryLimit)
	}
	b.WriteString("sources:\n")
	b.WriteString(source)
	b.WriteString("outputs:\n  - match: '*'\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "    %s: %q\n", k, opts[k])
	}
	return b.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
