package main

import (
	"fmt"
	"io"
	"runtime"
)

// Targets of the access-log runs.
const (
	// accessPerCore: records per second end to end for each core of the
	// machine, the whole sidecar process.
	accessPerCore = 100_000
	// accessSmaller: the Parquet output at most 1/6 of the log text.
	accessSmaller = 6
	// accessRSSTarget: peak RSS with 100 objects in flight.
	accessRSSTarget = 150e6
)

// AWS's reference conversion: 240M records in 1.5 h on 4 vCPUs, output
// 5× smaller than the text with gzip.
const (
	awsRecords = 240e6
	awsSeconds = 1.5 * 3600
	awsVCPUs   = 4
	awsSmaller = 5
)

// printAccessLogs writes the access-log runs as rows of the main table
// (input: the log text), then, after it, each beside its targets and
// AWS's reference.
func (t *table) printAccessLogs(w io.Writer) {
	for _, r := range t.access {
		sec := r.run.wall.Seconds()
		fmt.Fprintf(w, "| sidecar: %s, %s records | %s | %.0f | %.1f | %.3f | %.1f | %.1f | %.0f | %d / %d |\n",
			r.name(), count(float64(r.records)), count(float64(r.records)/sec), mb(r.text)/sec,
			float64(r.outBytes)/float64(r.records), float64(r.outBytes)/float64(r.text), float64(r.text)/float64(r.outBytes),
			cpuPerGB(r.run), mb(r.run.peakRSS), r.outObjects, r.parts)
	}
	if len(t.access) == 0 {
		return
	}
	cores := runtime.NumCPU()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| access-log run | rec/s end to end | rec/s until every line taken | rec/s per core | records per CPU-s | MB/s of text | CPU-s per GB of text | × smaller than text | peak RSS MB | target | |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
	for _, r := range t.access {
		rate := float64(r.records) / r.run.wall.Seconds()
		smaller := float64(r.text) / float64(r.outBytes)
		var target, verdict string
		if r.maxInFlight > 0 {
			target = fmt.Sprintf("peak RSS ≤ %.0f MB with %d objects in flight", accessRSSTarget/1e6, r.maxInFlight)
			verdict = metOrMissed(float64(r.run.peakRSS) <= accessRSSTarget)
		} else {
			target = fmt.Sprintf("≥ %s rec/s per core end to end (≥ %s on %d cores); output ≤ 1/%d of the text",
				count(accessPerCore), count(float64(accessPerCore*cores)), cores, accessSmaller)
			verdict = metOrMissed(rate >= float64(accessPerCore*cores)) + "; " + metOrMissed(smaller >= accessSmaller)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %.0f | %.1f | %.1f | %.0f | %s | %s |\n", r.name(), count(rate),
			count(float64(r.records)/r.taken.Seconds()), count(rate/float64(cores)), count(float64(r.records)/r.run.cpu.Seconds()),
			mb(r.text)/r.run.wall.Seconds(), cpuPerGB(r.run), smaller, mb(r.run.peakRSS), target, verdict)
	}
	fmt.Fprintf(w, "| AWS's reference: %.0fM records in %.1f h on %d vCPUs, gzip | %s | – | %s | – | – | – | %d | – | the reference | – |\n",
		awsRecords/1e6, awsSeconds/3600, awsVCPUs, count(awsRecords/awsSeconds), count(awsRecords/awsSeconds/awsVCPUs), awsSmaller)
}
