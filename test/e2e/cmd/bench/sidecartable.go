package main

import (
	"fmt"
	"io"
)

// Targets of the sidecar that are not a rate of its own run.
const (
	// cpuVsPlugin: the sidecar's CPU per GB of input against the plugin's
	// on the same records.
	cpuVsPlugin = 1.5
	// idleRSSTarget: peak RSS with the idle connections open.
	idleRSSTarget = 80e6
)

// printSidecarRows writes the sidecar runs as rows of the main table.
func (t *table) printSidecarRows(w io.Writer) {
	for _, r := range t.sidecar {
		what := "sidecar"
		if r.plugin {
			what = "sidecar comparison"
		}
		sec := r.run.wall.Seconds()
		fmt.Fprintf(w, "| %s: %s, %s records | %s | %.0f | %.1f | %.3f | %.1f | %.1f | %.0f | %d / %d |\n",
			what, r.name, count(float64(r.records)), count(float64(r.records)/sec), mb(r.inBytes)/sec,
			float64(r.outBytes)/float64(r.records), float64(r.outBytes)/float64(r.inBytes), float64(r.rawText)/float64(r.outBytes),
			cpuPerGB(r.run), mb(r.run.peakRSS), r.objects, r.parts)
	}
}

// printSidecarTargets writes, after the main table, each sidecar run
// beside its targets: its rate end to end (and until the last
// acknowledgement), its CPU against the plugin's on the same records, and
// the peak RSS of the run with idle connections.
func (t *table) printSidecarTargets(w io.Writer) {
	var plugin *sidecarRow
	for i := range t.sidecar {
		if t.sidecar[i].plugin {
			plugin = &t.sidecar[i]
		}
	}
	if plugin == nil {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| sidecar run | rec/s end to end | rec/s until the last ack | CPU-s per GB in | × plugin's | CPU-µs per record | × plugin's | peak RSS MB | target | |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
	for _, r := range t.sidecar {
		rate := float64(r.records) / r.run.wall.Seconds()
		acked := "–"
		if r.acked > 0 {
			acked = count(float64(r.records) / r.acked.Seconds())
		}
		perGB, perRec := cpuPerGB(r.run)/cpuPerGB(plugin.run), cpuPerRecord(r)/cpuPerRecord(*plugin)
		var target, verdict string
		switch {
		case r.plugin:
			target, verdict = "the comparison", "–"
		case r.idleConnections > 0:
			target = fmt.Sprintf("peak RSS ≤ %.0f MB with %d connections", idleRSSTarget/1e6, r.idleConnections)
			verdict = metOrMissed(float64(r.run.peakRSS) <= idleRSSTarget)
		case r.target > 0:
			target = fmt.Sprintf("≥ %s %s; CPU per GB ≤ %.1f× the plugin's", count(r.target), r.unit, cpuVsPlugin)
			verdict = metOrMissed(rate >= r.target) + "; " + metOrMissed(perGB <= cpuVsPlugin)
		default:
			target, verdict = "none: reported only", "–"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.1f | %.2f | %.1f | %.2f | %.0f | %s | %s |\n", r.name, count(rate), acked,
			cpuPerGB(r.run), perGB, cpuPerRecord(r), perRec, mb(r.run.peakRSS), target, verdict)
	}
}

// cpuPerRecord is the process's CPU time per record, in microseconds.
func cpuPerRecord(r sidecarRow) float64 {
	if r.records == 0 {
		return 0
	}
	return r.run.cpu.Seconds() * 1e6 / float64(r.records)
}

func metOrMissed(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}
