package e2e

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/s3append/s3append/test/e2e/duckdb"
	"github.com/s3append/s3append/test/e2e/sample"
)

// Hive-style keys from a record field and the local time of Asia/Kolkata
// (UTC+05:30): DuckDB's hive_partitioning reads the partition columns back
// equal to each record's own field and its local date and hour.
func TestHivePartitionsFromRecordFieldsAndTimeZone(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	// 16 chunks of 250 records 3 s apart: 09:40 to 13:00 UTC, which is
	// 15:10 to 18:30 in Kolkata, crossing four local hours.
	entries := makeEntries(16, 250, 3*time.Second, "kube.app")
	cfg := writeConfig(t, dir, output{match: "kube.*", workers: 2, opts: map[string]string{
		"bucket":        bucket,
		"time_zone":     "Asia/Kolkata",
		"s3_key_format": `/logs/ns=$RECORD['kubernetes']['namespace_name']/dt=%Y-%m-%d/hour=%H/$UUID.json.gz`,
	}})
	runOK(t, dir, cfg, entries, 1)
	down := filepath.Join(dir, "down")
	keys := download(t, store, down)
	keyRe := regexp.MustCompile(`^logs/ns=(payments|search|checkout|kube-system)/dt=2026-11-22/hour=(15|16|17|18)/[0-9a-f-]{36}\.json\.gz$`)
	for _, k := range keys {
		if !keyRe.MatchString(k) {
			t.Fatalf("key %q not as templated", k)
		}
	}

	// Every field of every record reads back, once.
	want := wantIDs(entries)
	checkRecords(t, readBack(t, down+"/logs/*/*/*/*.json.gz", "gzip"), want, nil)

	rows, err := duckdb.Query(fmt.Sprintf(`
SELECT CAST(id AS VARCHAR) AS id, ns, dt, hour
FROM read_json('%s/logs/*/*/*/*.json.gz', format='newline_delimited', compression='gzip',
     hive_partitioning=true, hive_types_autocast=false, columns={id: 'BIGINT'})`, down))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want) {
		t.Fatalf("DuckDB read %d rows, %d were sent", len(rows), len(want))
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	hours := map[string]int{}
	for _, r := range rows {
		id, err := strconv.ParseInt(fmt.Sprint(r["id"]), 10, 64)
		if err != nil {
			t.Fatalf("row %v: %v", r, err)
		}
		rec := sample.Record(id)
		wantNS := rec["kubernetes"].(map[string]any)["namespace_name"]
		local := sample.Time(id, t0, want[id]).In(kolkata)
		if r["ns"] != wantNS || r["dt"] != local.Format("2006-01-02") || r["hour"] != local.Format("15") {
			t.Fatalf("record %d (namespace %v, %s local): partition columns ns=%v dt=%v hour=%v",
				id, wantNS, local.Format(time.DateTime), r["ns"], r["dt"], r["hour"])
		}
		hours[local.Format("15")]++
	}
	// 15:10 to 15:59 local is 1000 records (3 s apart); the local hour
	// begins at :30 UTC, so a UTC hour split would give other counts.
	if hours["15"] != 1000 || len(hours) != 4 {
		t.Fatalf("records per local hour %v, want 1000 in hour 15 and four hours", hours)
	}
	noOpenUploads(t, store)
}
