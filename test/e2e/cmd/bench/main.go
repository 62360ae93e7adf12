// Command bench measures s3append end to end: flbhost drives the built
// .so exactly as Fluent Bit's Go proxy does, with generated records, into
// the local S3 server, and the kernel's accounting of the host process
// gives CPU time and peak memory. It prints one Markdown table; with
// -stages it first folds in the stage benchmarks `go test -bench` wrote.
// Run it with `make bench`; BENCHMARKS.md explains every figure.
//
// Environment:
//
//	S3APPEND_BENCH_RECORDS     records per throughput run (default 1000000)
//	S3APPEND_BENCH_BACKLOG_MB  size of the backlog run's input (default 5120)
//	S3APPEND_BENCH_OBJECTS     open objects in the backlog run (default 1000)
//	S3APPEND_BENCH_SERVICE_RECORDS  records of the 40-service runs (default 3000000)
//	S3APPEND_BENCH_WIDE_OBJECTS     Parquet objects open at once (default 200)
//	S3APPEND_BENCH_SIDECAR_RECORDS  records per sidecar run (default 3000000)
//	S3APPEND_BENCH_IDLE_CONNECTIONS idle connections of the forward run that has them (default 1000)
//	S3APPEND_BENCH_ACCESS_OBJECTS   access-log objects of 15,000 lines to convert (default 40)
//
// -only sidecar runs the sidecar's rows alone (and the plugin run they are
// compared with), the access-log runs included; -only accesslogs runs the
// access-log runs alone.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
)

func main() {
	stages := flag.String("stages", "", "file holding `go test -bench` output to include in the table")
	only := flag.String("only", "", "`sidecar`: only the sidecar's runs; accesslogs: only its access-log runs")
	flag.Parse()
	if *only != "" && *only != "sidecar" && *only != "accesslogs" {
		fmt.Fprintf(os.Stderr, "bench: -only %q: the selections are sidecar and accesslogs\n", *only)
		os.Exit(2)
	}
	if err := run(*stages, *only); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(stagesPath, only string) error {
	var t table
	if stagesPath != "" {
		rows, err := readStages(stagesPath)
		if err != nil {
			return err
		}
		t.stages = rows
	}
	records, err := envInt("S3APPEND_BENCH_RECORDS", 1_000_000)
	if err != nil {
		return err
	}
	backlogMB, err := envInt("S3APPEND_BENCH_BACKLOG_MB", 5120)
	if err != nil {
		return err
	}
	objects, err := envInt("S3APPEND_BENCH_OBJECTS", 1000)
	if err != nil {
		return err
	}
	serviceRecords, err := envInt("S3APPEND_BENCH_SERVICE_RECORDS", 3_000_000)
	if err != nil {
		return err
	}
	wide, err := envInt("S3APPEND_BENCH_WIDE_OBJECTS", 200)
	if err != nil {
		return err
	}
	sidecarRecords, err := envInt("S3APPEND_BENCH_SIDECAR_RECORDS", 3_000_000)
	if err != nil {
		return err
	}
	idle, err := envInt("S3APPEND_BENCH_IDLE_CONNECTIONS", 1000)
	if err != nil {
		return err
	}
	accessObjects, err := envInt("S3APPEND_BENCH_ACCESS_OBJECTS", 40)
	if err != nil {
		return err
	}
	env, err := newBenchEnv("")
	if err != nil {
		return err
	}
	defer env.srv.Stop()
	if only == "accesslogs" {
		if t.access, err = accessLogRuns(env, defaultAccessRuns(accessObjects)); err != nil {
			return err
		}
		t.print(os.Stdout)
		return nil
	}
	if only == "sidecar" {
		if t.sidecar, err = sidecarRuns(env, sidecarRecords, idle); err != nil {
			return err
		}
		if t.access, err = accessLogRuns(env, defaultAccessRuns(accessObjects)); err != nil {
			return err
		}
		t.print(os.Stdout)
		return nil
	}

	for _, f := range throughputFormats {
		fmt.Fprintf(os.Stderr, "bench: %d records as %s into the local S3 server\n", records, f.name)
		row, err := throughput(env, f, records)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		t.endToEnd = append(t.endToEnd, row)
	}
	fmt.Fprintf(os.Stderr, "bench: a %d MB backlog over %d open objects\n", backlogMB, objects)
	rows, err := backlog(env, int64(backlogMB)<<20, objects)
	if err != nil {
		return fmt.Errorf("backlog: %w", err)
	}
	t.backlog = rows
	if t.partitions, err = partitions(env, serviceRecords, wide); err != nil {
		return err
	}
	if t.sidecar, err = sidecarRuns(env, sidecarRecords, idle); err != nil {
		return err
	}
	if t.access, err = accessLogRuns(env, defaultAccessRuns(accessObjects)); err != nil {
		return err
	}
	t.print(os.Stdout)
	return nil
}

func envInt(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive integer", name, v)
	}
	return n, nil
}
