package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/test/datagen"
	"github.com/s3append/s3append/test/e2e/feed"
)

// sidecarRun is one run of the sidecar: a protocol's load, and idle
// connections held open to its source meanwhile.
type sidecarRun struct {
	bucket string
	load   func(records int) sidecarLoad
	idle   int
	// memoryLimit is service.memory_limit ("": unset).
	memoryLimit string
	// target is the rate to print beside the result (0: none), in unit.
	target float64
	unit   string
}

// sidecarRuns measures the plugin on the sidecar runs' records and
// output options, then the sidecar fed over each protocol, records
// records per run; the forward run is repeated with idle connections
// open to the source.
func sidecarRuns(env *benchEnv, records, idle int) ([]sidecarRow, error) {
	if _, err := os.Stat(env.sidecar); err != nil {
		return nil, fmt.Errorf("%s is missing: run `make bench`, which builds it", env.sidecar)
	}
	fmt.Fprintf(os.Stderr, "bench: %d records through the plugin, to compare the sidecar with\n", records)
	plugin, err := pluginOnSidecarRecords(env, records)
	if err != nil {
		return nil, fmt.Errorf("plugin on the sidecar's records: %w", err)
	}
	rows := []sidecarRow{plugin}
	for _, r := range []sidecarRun{
		{"bench-sc-forward", forwardLoad, 0, "", 400_000, "rec/s"},
		{"bench-sc-forward-idle", forwardLoad, idle, "", 0, ""},
		{"bench-sc-forward-idle-limit", forwardLoad, idle, "64M", 0, ""},
		{"bench-sc-http", httpLoad, 0, "", 250_000, "rec/s"},
		{"bench-sc-lines", linesLoad, 0, "", 400_000, "lines/s"},
		{"bench-sc-otlp", otlpLoad, 0, "", 0, ""},
	} {
		load := r.load(records)
		if r.idle > 0 {
			load.name += fmt.Sprintf(", %d idle connections open", r.idle)
		}
		if r.memoryLimit != "" {
			load.name += ", memory_limit " + r.memoryLimit
		}
		fmt.Fprintf(os.Stderr, "bench: sidecar, %s, %d records\n", load.name, records)
		row, err := runSidecar(env, r.bucket, load, r.idle, r.memoryLimit)
		if err != nil {
			return nil, fmt.Errorf("sidecar, %s: %w", load.name, err)
		}
		row.target, row.unit = r.target, r.unit
		rows = append(rows, row)
	}
	return rows, nil
}

// pluginOnSidecarRecords runs the plugin in flbhost as the throughput
// runs do (Workers 2, chunks of about 2 MB in turns over the same tags),
// on the sidecar runs' records and with their output options.
func pluginOnSidecarRecords(env *benchEnv, records int) (sidecarRow, error) {
	chunks, _ := datagen.Chunks(sidecarSet, sidecarSeed, sidecarPool, 2<<20)
	counts := make([]int, len(chunks))
	for i, c := range chunks {
		n, err := format.CountEvents(c)
		if err != nil {
			return sidecarRow{}, err
		}
		counts[i] = n
	}
	var extra strings.Builder
	for _, o := range sidecarOutputOptions {
		fmt.Fprintf(&extra, "    %-17s %s\n", o[0], o[1])
	}
	const bucket = "bench-sc-plugin"
	var fed int64
	l, err := countedRun(env, bucket, sidecarKeyFormat, extra.String(), func(w *feed.Writer) (int64, error) {
		var n int64
		for i := 0; fed < int64(records); i++ {
			c := chunks[i%len(chunks)]
			if err := w.Write(sidecarTag(i), c); err != nil {
				return n, err
			}
			n += int64(len(c))
			fed += int64(counts[i%len(chunks)])
		}
		return n, nil
	})
	if err != nil {
		return sidecarRow{}, err
	}
	store, err := env.srv.Store(bucket)
	if err != nil {
		return sidecarRow{}, err
	}
	got, err := landedRecords(store)
	if err != nil {
		return sidecarRow{}, err
	}
	if got.records != fed {
		return sidecarRow{}, fmt.Errorf("%d records landed in %s, %d were fed", got.records, bucket, fed)
	}
	return sidecarRow{
		name: "plugin in flbhost, Workers 2, chunks of 2 MB", plugin: true,
		records: fed, inBytes: l.run.inBytes, rawText: rawTextOf(fed), run: l.run,
		objects: l.objects, parts: l.parts, outBytes: l.outBytes,
	}, nil
}
