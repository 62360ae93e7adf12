package out_s3append

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Every instance in the process is exported by one collector, labelled
// name="s3append.N": Fluent Bit runs all outputs in one process, and
// outputs that share a metrics_listen address share its endpoint.

// metricsSet is the instances the collector exports.
var metricsSet = struct {
	mu sync.Mutex
	in map[*Instance]struct{}
}{in: map[*Instance]struct{}{}}

func registerMetrics(in *Instance) {
	metricsSet.mu.Lock()
	metricsSet.in[in] = struct{}{}
	metricsSet.mu.Unlock()
}

func unregisterMetrics(in *Instance) {
	metricsSet.mu.Lock()
	delete(metricsSet.in, in)
	metricsSet.mu.Unlock()
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("s3append_"+name, help, append([]string{"name"}, labels...), nil)
}

var (
	descFlushes           = desc("flushes_total", "Chunks Fluent Bit handed to the output, by the answer: ok (durable in the buffer), retry (Fluent Bit keeps the chunk), error.", "result")
	descRecordsAcked      = desc("records_acknowledged_total", "Records durable in the disk buffer and acknowledged to Fluent Bit.")
	descBytesAcked        = desc("bytes_acknowledged_total", "Bytes of the chunks (msgpack) acknowledged to Fluent Bit.")
	descRecordsRejected   = desc("records_rejected_total", "Records that could not go to an object, by reason; each went to a dead-letter object instead.", "reason")
	descDeadLetters       = desc("dead_letter_records_total", "Records written to dead-letter objects under dead_letter_prefix.")
	descRecordsUploaded   = desc("records_uploaded_total", "Records in objects completed in S3 by this process.")
	descBytesUploaded     = desc("bytes_uploaded_total", "Bytes, as stored, of objects completed in S3 by this process.")
	descParts             = desc("parts_uploaded_total", "Multipart upload parts uploaded.")
	descObjects           = desc("objects_uploaded_total", "Objects completed in S3.")
	descUploadErrors      = desc("upload_errors_total", "Failed S3 calls, by class: retryable, throttled (503 SlowDown) or permanent (needs a person; still retried).", "class")
	descRetries           = desc("upload_retries_total", "S3 calls tried again after a failure.")
	descAborted           = desc("uploads_aborted_total", "Multipart uploads aborted: unfinished at shutdown, refused by S3, left by an earlier run or by a lost reply.")
	descFailed            = desc("objects_failed_total", "Objects given up after upload_retry_limit; their records are kept under failed/ in store_dir.")
	descRecovery          = desc("recovery_actions_total", "What the start-up recovery did with the buffer and uploads of an earlier run, by action.", "action")
	descBufferedBytes     = desc("buffered_bytes", "Disk used by the buffer: records acknowledged but not yet in a completed object.")
	descBufferLimit       = desc("buffer_limit_bytes", "store_dir_limit_size; 0 means unlimited.")
	descBufferedObjects   = desc("buffered_objects", "Objects in the buffer, not yet complete in S3.")
	descOpenObjects       = desc("open_objects", "Objects still taking records.")
	descOldestBufferedAge = desc("oldest_buffered_record_age_seconds", "How long the oldest buffered object has held records; 0 when nothing is buffered.")

	descIcebergCommits    = desc("iceberg_commits_total", "Snapshots committed to the Iceberg table (iceberg_catalog).")
	descIcebergFiles      = desc("iceberg_files_committed_total", "Objects committed to the Iceberg table as data files.")
	descIcebergConflicts  = desc("iceberg_commit_conflicts_total", "Commits refused because another writer committed first; each is retried.")
	descIcebergRetries    = desc("iceberg_commit_retries_total", "Commit attempts after a failed one (conflict, catalog or storage unreachable).")
	descIcebergFailures   = desc("iceberg_commit_failures_total", "Failed commit attempts other than conflicts: the catalog or the table's storage unreachable, or the schema refused.")
	descIcebergWaiting    = desc("iceberg_uncommitted_objects", "Objects complete in S3 and not yet committed to the table.")
	descIcebergOldestWait = desc("iceberg_oldest_uncommitted_age_seconds", "How long ago the oldest object not yet committed completed in S3; 0 when none waits.")
)

var allDescs = []*prometheus.Desc{
	descFlushes, descRecordsAcked, descBytesAcked, descRecordsRejected, descDeadLetters,
	descRecordsUploaded, descBytesUploaded, descParts, descObjects, descUploadErrors, descRetries,
	descAborted, descFailed, descRecovery, descBufferedBytes, descBufferLimit, descBufferedObjects,
	descOpenObjects, descOldestBufferedAge,
	descIcebergCommits, descIcebergFiles, descIcebergConflicts, descIcebergRetries, descIcebergFailures,
	descIcebergWaiting, descIcebergOldestWait,
}

// collector exports every registered instance.
type collector struct{}

func (collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

func (collector) Collect(ch chan<- prometheus.Metric) {
	metricsSet.mu.Lock()
	all := make([]*Instance, 0, len(metricsSet.in))
	for in := range metricsSet.in {
		all = append(all, in)
	}
	metricsSet.mu.Unlock()
	now := time.Now()
	for _, in := range all {
		in.collect(ch, now)
	}
}

func (in *Instance) collect(ch chan<- prometheus.Metric, now time.Time) {
	s, name := in.stats, in.name
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), append([]string{name}, labels...)...)
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, name)
	}
	for r := range s.Flushes {
		counter(descFlushes, s.Flushes[r].Load(), [...]string{"ok", "retry", "error"}[r])
	}
	counter(descRecordsAcked, s.RecordsAcknowledged.Load())
	counter(descBytesAcked, s.BytesAcknowledged.Load())
	for r := range s.RecordsRejected {
		counter(descRecordsRejected, s.RecordsRejected[r].Load(), RejectReason(r).String())
	}
	counter(descDeadLetters, s.DeadLetterRecords.Load())
	counter(descRecordsUploaded, s.RecordsUploaded.Load())
	counter(descBytesUploaded, s.BytesUploaded.Load())
	counter(descParts, s.PartsUploaded.Load())
	counter(descObjects, s.ObjectsUploaded.Load())
	for c := range s.UploadErrors {
		counter(descUploadErrors, s.UploadErrors[c].Load(), classNames[c])
	}
	counter(descRetries, s.UploadRetries.Load())
	counter(descAborted, s.UploadsAborted.Load())
	counter(descFailed, s.ObjectsFailed.Load())
	for a := range s.Recovery {
		counter(descRecovery, s.Recovery[a].Load(), RecoveryAction(a).String())
	}
	g := in.Gauges(now)
	gauge(descBufferedBytes, float64(g.BufferedBytes))
	gauge(descBufferLimit, float64(g.BufferLimit))
	gauge(descBufferedObjects, float64(g.BufferedObjects))
	gauge(descOpenObjects, float64(g.OpenObjects))
	gauge(descOldestBufferedAge, g.OldestAge.Seconds())
	if in.journal != nil {
		ic := &s.Iceberg
		counter(descIcebergCommits, ic.Commits.Load())
		counter(descIcebergFiles, ic.FilesCommitted.Load())
		counter(descIcebergConflicts, ic.Conflicts.Load())
		counter(descIcebergRetries, ic.Retries.Load())
		counter(descIcebergFailures, ic.Failures.Load())
		n, oldest := in.journal.Waiting()
		age := 0.0
		if n > 0 {
			age = now.Sub(oldest).Seconds()
		}
		gauge(descIcebergWaiting, float64(n))
		gauge(descIcebergOldestWait, age)
	}
}
