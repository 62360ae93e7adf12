package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/datagen"
	"github.com/s3append/s3append/test/e2e/faultproxy"
	"github.com/s3append/s3append/test/e2e/sidecarproc"
)

// The access-log runs: S3 server access log objects, written into a
// bucket of the local S3 server before the clock starts, converted by the
// sidecar's s3_access_logs source into Parquet partitioned by request
// time. The clock runs from the sidecar's start to its exit after SIGTERM,
// every line taken and every object uploaded.
const (
	// accessLinesPerObject is the object size of the main run: 15,000
	// lines, as in AWS's reference conversion.
	accessLinesPerObject = 15_000
	// The in-flight run: this many objects, all admitted at once with
	// max_objects_in_flight as large, of accessInFlightLines lines each.
	accessInFlightObjects = 100
	accessInFlightLines   = 2_000

	accessPrefix    = "logs/"
	accessSource    = "s3_access_logs.0"
	accessKeyFormat = "/access/dt=%Y-%m-%d/hour=%H/$UUID.parquet"
	accessTimeZone  = "America/New_York"
	accessSeed      = 11
)

// accessOutputOptions are the output's options besides the bucket and
// the key: the shipped access-log schema, zstd, the default sizes and
// timeouts; a long shutdown_timeout, so that the exit comes only once
// everything is uploaded.
var accessOutputOptions = [][2]string{
	{"format", "parquet"},
	{"compression", "zstd"},
	{"parquet_schema", "s3_access_logs"},
	{"time_zone", accessTimeZone},
	{"shutdown_timeout", "1h"},
}

// accessRun is one run: objects objects of lines lines each, read with
// max_objects_in_flight maxInFlight (0: the source's default).
type accessRun struct {
	bucket         string
	objects, lines int
	maxInFlight    int
}

// defaultAccessRuns are the runs of `make bench`: objects objects of
// 15,000 lines, then 100 smaller ones all in flight at once.
func defaultAccessRuns(objects int) []accessRun {
	return []accessRun{
		{bucket: "bench-al", objects: objects, lines: accessLinesPerObject},
		{bucket: "bench-al-inflight", objects: accessInFlightObjects, lines: accessInFlightLines, maxInFlight: accessInFlightObjects},
	}
}

// accessRow is what one run measured.
type accessRow struct {
	accessRun
	records, text int64         // lines, and their bytes with newlines
	taken         time.Duration // start to the last line taken
	run           hostRun       // start to exit; inBytes is text
	outObjects    int64
	parts         int64
	outBytes      int64
}

func (r accessRow) name() string {
	s := fmt.Sprintf("S3 access logs to Parquet zstd, %d objects × %d lines", r.objects, r.lines)
	if r.maxInFlight > 0 {
		s += fmt.Sprintf(", max_objects_in_flight %d", r.maxInFlight)
	}
	return s
}

// accessLogRuns does each run in turn.
func accessLogRuns(env *benchEnv, runs []accessRun) ([]accessRow, error) {
	if _, err := os.Stat(env.sidecar); err != nil {
		return nil, fmt.Errorf("%s is missing: run `make bench`, which builds it", env.sidecar)
	}
	var rows []accessRow
	for _, r := range runs {
		fmt.Fprintf(os.Stderr, "bench: sidecar, %d access-log objects of %d lines to Parquet\n", r.objects, r.lines)
		row, err := runAccessLogs(env, r)
		if err != nil {
			return nil, fmt.Errorf("sidecar, access logs, %d objects of %d lines: %w", r.objects, r.lines, err)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// runAccessLogs writes the run's objects into a source bucket, then
// starts build/s3append with an s3_access_logs source on it and a Parquet
// output into another bucket (behind a counting proxy, as the other
// runs), waits for the source to count every line taken, stops it with
// SIGTERM and waits for its exit. It then counts the rows of every
// Parquet object landed: the run fails unless each line is there.
func runAccessLogs(env *benchEnv, r accessRun) (accessRow, error) {
	ctx := context.Background()
	srcBucket := r.bucket + "-src"
	src, err := env.srv.Store(srcBucket)
	if err != nil {
		return accessRow{}, err
	}
	if err := src.CreateBucket(ctx); err != nil {
		return accessRow{}, err
	}
	text, err := putAccessLogs(src, r.objects, r.lines)
	if err != nil {
		return accessRow{}, fmt.Errorf("writing the access-log objects into %s: %w", srcBucket, err)
	}
	store, err := env.srv.Store(r.bucket)
	if err != nil {
		return accessRow{}, err
	}
	if err := store.CreateBucket(ctx); err != nil {
		return accessRow{}, err
	}
	proxy, err := faultproxy.Start(env.srv.Endpoint, faultproxy.Config{})
	if err != nil {
		return accessRow{}, err
	}
	defer proxy.Close()
	dir := filepath.Join(env.work, r.bucket)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return accessRow{}, err
	}
	config := filepath.Join(dir, "s3append.yaml")
	if err := os.WriteFile(config, []byte(accessConfig(env, r, srcBucket, proxy.URL, dir)), 0o644); err != nil {
		return accessRow{}, err
	}
	total := int64(r.objects * r.lines)

	cpuBefore, err := childrenCPU()
	if err != nil {
		return accessRow{}, err
	}
	began := time.Now()
	p, err := sidecarproc.Start(env.sidecar, config, []string{accessSource}, true, sidecarReady,
		"AWS_ACCESS_KEY_ID="+env.srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+env.srv.SecretKey, "AWS_EC2_METADATA_DISABLED=true")
	if err != nil {
		return accessRow{}, err
	}
	defer func() {
		select {
		case <-p.Done():
		default:
			p.Kill()
		}
		os.WriteFile(filepath.Join(dir, "s3append.log"), []byte(p.Log()), 0o644)
	}()
	watch := watchProc(p.Pid())
	if err := waitTaken(p, total); err != nil {
		watch.finish()
		return accessRow{}, fmt.Errorf("%w\n%s", err, tail(p.Log(), 20))
	}
	taken := time.Since(began)
	// Read before the exit: what the source counted of the text, and
	// whether any line failed to parse.
	if err := checkSourceCounts(p, total, text); err != nil {
		watch.finish()
		return accessRow{}, err
	}
	stopErr := p.Stop()
	wall := time.Since(began)
	peak, sampledCPU, samples := watch.finish()
	if stopErr != nil {
		return accessRow{}, fmt.Errorf("s3append exit: %w\n%s", stopErr, tail(p.Log(), 20))
	}
	if strings.Contains(p.Log(), "[error]") {
		return accessRow{}, fmt.Errorf("s3append logged errors:\n%s", tail(p.Log(), 20))
	}
	cpuAfter, err := childrenCPU()
	if err != nil {
		return accessRow{}, err
	}
	cpu := cpuAfter - cpuBefore
	if samples == 0 || cpu < sampledCPU-2*clockTick {
		return accessRow{}, fmt.Errorf("process accounting does not add up: %d samples, CPU %s of the reaped children, %s sampled from /proc", samples, cpu, sampledCPU)
	}
	row := accessRow{
		accessRun: r, records: total, text: text, taken: taken,
		run: hostRun{wall: wall, cpu: cpu, peakRSS: peak, inBytes: text},
	}
	l, err := landedParquet(store)
	if err != nil {
		return row, err
	}
	if l.records != total {
		return row, fmt.Errorf("%d rows in the Parquet objects of %s, %d lines were written", l.records, r.bucket, total)
	}
	row.outObjects, row.outBytes = l.objects, l.bytes
	ops := proxy.Stats().ByOperation
	row.parts = ops["UploadPart"].Forwarded + ops["PutObject"].Forwarded
	return row, nil
}

// putAccessLogs writes objects objects of lines access-log lines each,
// from datagen's S3Access set, under accessPrefix with the names S3 gives
// them, YYYY-mm-DD-HH-MM-SS-UniqueString (16 hex digits), and returns the
// bytes of text written. S3 names an object by when it delivers it,
// after its last line: the name's time is the last line's, so the names
// sort as the lines do.
func putAccessLogs(store *s3api.AWSStore, objects, lines int) (int64, error) {
	g := datagen.New(datagen.S3Access, accessSeed)
	rng := rand.New(rand.NewPCG(accessSeed, 0xacce55))
	var b bytes.Buffer
	var text int64
	for range objects {
		b.Reset()
		var last time.Time
		for range lines {
			last, _ = g.Next()
			b.WriteString(g.Text())
			b.WriteByte('\n')
		}
		key := fmt.Sprintf("%s%s-%016X", accessPrefix, last.UTC().Format("2006-01-02-15-04-05"), rng.Uint64())
		if err := store.PutObject(context.Background(), key, b.Bytes(), s3api.PutOptions{}); err != nil {
			return text, fmt.Errorf("%s: %w", key, err)
		}
		text += int64(b.Len())
	}
	return text, nil
}

// accessConfig is the sidecar's configuration: the metrics endpoint, the
// source on the source bucket (poll_interval 1s, the other settings
// default unless the run sets max_objects_in_flight), and one Parquet
// output taking its tag.
func accessConfig(env *benchEnv, r accessRun, srcBucket, endpoint, dir string) string {
	var b strings.Builder
	b.WriteString("service:\n  metrics_listen: 127.0.0.1:0\n")
	b.WriteString("sources:\n  - type: s3_access_logs\n")
	for _, kv := range [][2]string{
		{"bucket", srcBucket}, {"prefix", accessPrefix}, {"region", env.srv.Region},
		{"endpoint", env.srv.Endpoint}, {"use_path_style", "true"}, {"checksum", "when_required"},
		{"store_dir", filepath.Join(dir, "source")}, {"poll_interval", "1s"},
	} {
		fmt.Fprintf(&b, "    %s: %q\n", kv[0], kv[1])
	}
	if r.maxInFlight > 0 {
		fmt.Fprintf(&b, "    max_objects_in_flight: %d\n", r.maxInFlight)
	}
	b.WriteString("outputs:\n  - match: '*'\n")
	for _, kv := range append([][2]string{
		{"bucket", r.bucket}, {"region", env.srv.Region}, {"endpoint", endpoint},
		{"use_path_style", "true"}, {"checksum", "when_required"},
		{"store_dir", filepath.Join(dir, "store")}, {"s3_key_format", accessKeyFormat},
	}, accessOutputOptions...) {
		fmt.Fprintf(&b, "    %s: %q\n", kv[0], kv[1])
	}
	return b.String()
}

// waitTaken polls the source's records counter until it reaches total.
// It gives up only when the counter stands still for sidecarReady, so a
// large run on a slow machine is not cut short.
func waitTaken(p *sidecarproc.Proc, total int64) error {
	last, moved := -1.0, time.Now()
	for {
		v, err := sourceCounter(p, "records_total", accessSource)
		if err != nil {
			return err
		}
		if v >= float64(total) {
			return nil
		}
		if v != last {
			last, moved = v, time.Now()
		}
		if time.Since(moved) > sidecarReady {
			return fmt.Errorf("s3append_source_records_total of %s stands at %.0f for %s, want %d", accessSource, v, sidecarReady, total)
		}
		select {
		case <-p.Done():
			return fmt.Errorf("s3append exited with %.0f of %d lines taken", v, total)
		case <-time.After(sourcePoll):
		}
	}
}

// checkSourceCounts checks the source's counters once every line is
// taken: exactly total records, text bytes of text, and nothing rejected
// (no line failed to parse, no object was given up).
func checkSourceCounts(p *sidecarproc.Proc, total, text int64) error {
	metrics, err := p.Metrics()
	if err != nil {
		return err
	}
	var records, textBytes, rejected float64
	var seen int
	for _, line := range strings.Split(metrics, "\n") {
		var dst *float64
		switch {
		case strings.HasPrefix(line, `s3append_source_records_total{source="`+accessSource+`"`):
			dst = &records
		case strings.HasPrefix(line, `s3append_source_bytes_total{source="`+accessSource+`"`):
			dst = &textBytes
		case strings.HasPrefix(line, `s3append_source_rejected_total{source="`+accessSource+`"`):
			dst = &rejected
		default:
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			return fmt.Errorf("metrics line %q: %w", line, err)
		}
		*dst += v
		seen++
	}
	if seen < 2 || records != float64(total) || textBytes != float64(text) || rejected != 0 {
		return fmt.Errorf("%s counted %.0f records of %.0f bytes and rejected %.0f; want %d records of %d bytes, none rejected", accessSource, records, textBytes, rejected, total, text)
	}
	return nil
}

// landedParquet counts the Parquet objects under access/ and their rows
// (from each footer), and fails on any other object (a dead letter, say)
// or a multipart upload left open.
func landedParquet(store *s3api.AWSStore) (landed, error) {
	ctx := context.Background()
	var l landed
	objs, err := store.ListObjects(ctx, "")
	if err != nil {
		return l, err
	}
	for _, o := range objs {
		if !strings.HasPrefix(o.Key, "access/dt=") || !strings.HasSuffix(o.Key, ".parquet") {
			return l, fmt.Errorf("%s in the bucket: want only Parquet objects under access/dt=", o.Key)
		}
		body, _, err := store.GetObject(ctx, o.Key)
		if err != nil {
			return l, err
		}
		f, err := parquet.OpenFile(bytes.NewReader(body), int64(len(body)), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
		if err != nil {
			return l, fmt.Errorf("%s: %w", o.Key, err)
		}
		l.records += f.NumRows()
		l.objects++
		l.bytes += o.Size
	}
	ups, err := store.ListMultipartUploads(ctx, "")
	if err != nil {
		return l, err
	}
	if len(ups) > 0 {
		return l, fmt.Errorf("%d multipart uploads left open", len(ups))
	}
	return l, nil
}
