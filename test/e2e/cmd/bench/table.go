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
	stages   []stageRow
	endToEnd []e2eRow
	backlog  []backlogRow
}

func (t *table) print(w io.Writer) {
	if len(t.stages) > 0 {
		fmt.Fprintln(w, "| stage (one goroutine) | rec/s | MB/s | B/rec out | × smaller than text | allocs/op |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
		for _, r := range t.stages {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.name,
				count(r.metrics["rec/s"]), num(r.metrics["MB/s"], 0), num(r.metrics["B/rec"], 1),
				num(r.metrics["x-smaller-than-text"], 1), num(r.metrics["allocs/op"], 0))
		}
		fmt.Fprintln(w)
	}
	if len(t.endToEnd) > 0 {
		fmt.Fprintln(w, "| end to end, sync always, 2 workers | records | input MB | rec/s | input MB/s | CPU-s per GB in | peak RSS MB | objects | parts | out/in bytes | × smaller than text |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, r := range t.endToEnd {
			sec := r.run.wall.Seconds()
			fmt.Fprintf(w, "| %s | %s | %.0f | %s | %.0f | %.1f | %.0f | %d | %d | %.3f | %.1f |\n", r.name,
				count(float64(r.records)), mb(r.inBytes), count(float64(r.records)/sec), mb(r.inBytes)/sec,
				r.run.cpu.Seconds()/(float64(r.inBytes)/1e9), mb(r.run.peakRSS), r.objects, r.parts,
				float64(r.outBytes)/float64(r.inBytes), float64(r.rawText)/float64(r.outBytes))
		}
		fmt.Fprintln(w)
	}
	if len(t.backlog) > 0 {
		fmt.Fprintln(w, "| backlog, json_lines+gzip | input MB | wall s | CPU s | peak RSS MB | objects |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
		for _, r := range t.backlog {
			fmt.Fprintf(w, "| %s | %.0f | %.1f | %.1f | %.0f | %d |\n", r.name, mb(r.run.inBytes),
				r.run.wall.Seconds(), r.run.cpu.Seconds(), mb(r.run.peakRSS), r.objects)
		}
	}
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
