package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// stageRow is one line of `go test -bench` output.
type stageRow struct {
	name    string
	metrics map[string]float64 // by unit: rec/s, MB/s, B/rec, allocs/op, ...
}

// readStages parses the benchmark lines of `go test -bench` output.
func readStages(path string) ([]stageRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []stageRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		r := stageRow{name: benchName(fields[0]), metrics: map[string]float64{}}
		// fields[1] is the iteration count; then value-unit pairs.
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				break
			}
			r.metrics[fields[i+1]] = v
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s holds no benchmark results", path)
	}
	return rows, nil
}

// benchName drops the Benchmark prefix and the -GOMAXPROCS suffix.
func benchName(s string) string {
	s = strings.TrimPrefix(s, "Benchmark")
	if i := strings.LastIndexByte(s, '-'); i > 0 {
		if _, err := strconv.Atoi(s[i+1:]); err == nil {
			s = s[:i]
		}
	}
	return s
}

type table struct {
	stages     []stageRow
	endToEnd   []e2eRow
	backlog    []backlogRow
	partitions []partitionRow
	sidecar    []sidecarRow
	access     []accessRow
}

// print writes every result as one Markdown table. Stage rows come from
// `go test -bench` (one goroutine each); end-to-end and backlog rows from
// runs of the host, whose CPU and memory figures are the host process's.
func (t *table) print(w io.Writer) {
	fmt.Fprintln(w, "| benchmark | rec/s | MB/s in | B/rec out | out/in bytes | × smaller than text | CPU-s per GB in | peak RSS MB | objects / parts |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range t.stages {
		memory := "–"
		if v, ok := r.metrics["peak-live-heap-MiB"]; ok {
			memory = fmt.Sprintf("%.0f MiB live heap", v)
		}
		if v, ok := r.metrics["B/row-group"]; ok {
			memory = fmt.Sprintf("%.1f KiB footer per row group", v/1024)
		}
		// Output per input byte: B/rec over the msgpack bytes per record.
		outIn := 0.0
		if r.metrics["MB/s"] > 0 {
			outIn = r.metrics["B/rec"] * r.metrics["rec/s"] / (r.metrics["MB/s"] * 1e6)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | – | %s | – |\n", r.name,
			count(r.metrics["rec/s"]), num(r.metrics["MB/s"], 0), num(r.metrics["B/rec"], 1),
			num(outIn, 3), num(r.metrics["x-smaller-than-text"], 1), memory)
	}
	for _, r := range t.endToEnd {
		sec := r.run.wall.Seconds()
		fmt.Fprintf(w, "| end to end: %s, %s records, sync always | %s | %.0f | %.1f | %.3f | %.1f | %.1f | %.0f | %d / %d |\n",
			r.name, count(float64(r.records)), count(float64(r.records)/sec), mb(r.inBytes)/sec,
			float64(r.outBytes)/float64(r.records), float64(r.outBytes)/float64(r.inBytes), float64(r.rawText)/float64(r.outBytes),
			cpuPerGB(r.run), mb(r.run.peakRSS), r.objects, r.parts)
	}
	for _, r := range t.backlog {
		objects := "–"
		if r.objects > 0 {
			objects = strconv.FormatInt(r.objects, 10)
		}
		rate := "–"
		if r.run.inBytes > 0 {
			rate = fmt.Sprintf("%.0f", mb(r.run.inBytes)/r.run.wall.Seconds())
		}
		fmt.Fprintf(w, "| backlog: %s | – | %s | – | – | – | %s | %.0f | %s |\n", r.name, rate,
			num(cpuPerGB(r.run), 1), mb(r.run.peakRSS), objects)
	}
	t.printPartitions(w)
	t.printSidecarRows(w)
	t.printSidecarTargets(w)
	t.printAccessLogs(w)
}

// printPartitions writes the rows of the runs with many open objects.
func (t *table) printPartitions(w io.Writer) {
	for _, r := range t.partitions {
		sec := r.run.wall.Seconds()
		fmt.Fprintf(w, "| open objects: %s | %s | %.0f | – | – | – | %.1f | %.0f | %d / %d |\n", r.name,
			count(float64(r.records)/sec), mb(r.run.inBytes)/sec, cpuPerGB(r.run), mb(r.run.peakRSS), r.objects, r.parts)
	}
}

// cpuPerGB is the host's CPU time per GB of input it was fed.
func cpuPerGB(r hostRun) float64 {
	if r.inBytes == 0 {
		return 0
	}
	return r.cpu.Seconds() / (float64(r.inBytes) / 1e9)
}

func mb(b int64) float64 { return float64(b) / 1e6 }

// count writes a rate or count as 1.23M or 456k.
func count(v float64) string {
	switch {
	case v == 0:
		return "–"
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func num(v float64, decimals int) string {
	if v == 0 {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}
