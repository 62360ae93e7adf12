package e2e

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/s3append/s3append/test/e2e/duckdb"
	"github.com/s3append/s3append/test/e2e/sample"
)

// landed is one record as DuckDB read it from the bucket's objects.
type landed struct {
	ID       int64
	Date     string
	File     string
	Fields   map[string]any
	KeyNames []string
}

// readBack reads every record of the JSON-lines files matching glob with
// DuckDB. Columns are declared, so a field of the wrong type fails the read.
func readBack(t *testing.T, glob, compression string) []landed {
	t.Helper()
	sql := fmt.Sprintf(`
SELECT CAST(id AS VARCHAR) AS id, date, filename, log, level, stream, status, latency_ms, cached,
       to_json(kubernetes)::VARCHAR AS kubernetes
FROM read_json('%s', format='newline_delimited', compression='%s', filename=true,
     columns={id: 'BIGINT', date: 'VARCHAR', log: 'VARCHAR', level: 'VARCHAR', stream: 'VARCHAR',
              status: 'INTEGER', latency_ms: 'DOUBLE', cached: 'BOOLEAN',
              kubernetes: 'STRUCT(namespace_name VARCHAR, pod_name VARCHAR, container_name VARCHAR, labels STRUCT(app VARCHAR, tier VARCHAR))'})`,
		glob, compression)
	rows, err := duckdb.Query(sql)
	if err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	out := make([]landed, 0, len(rows))
	for _, r := range rows {
		id, err := strconv.ParseInt(fmt.Sprint(r["id"]), 10, 64)
		if err != nil {
			t.Fatalf("row %v: id: %v", r, err)
		}
		var k8s map[string]any
		if err := json.Unmarshal([]byte(fmt.Sprint(r["kubernetes"])), &k8s); err != nil {
			t.Fatalf("row %v: kubernetes: %v", r, err)
		}
		out = append(out, landed{
			ID: id, Date: fmt.Sprint(r["date"]), File: fmt.Sprint(r["filename"]),
			Fields: map[string]any{
				"log": r["log"], "level": r["level"], "stream": r["stream"],
				"status": r["status"], "latency_ms": r["latency_ms"], "cached": r["cached"],
				"kubernetes": k8s,
			},
		})
	}
	keys, err := duckdb.Query(fmt.Sprintf(`
SELECT DISTINCT list_sort(json_keys(json))::VARCHAR AS keys
FROM read_json_objects('%s', format='newline_delimited', compression='%s')`, glob, compression))
	if err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	want := "[cached, date, id, kubernetes, latency_ms, level, log, status, stream]"
	if len(keys) != 1 || fmt.Sprint(keys[0]["keys"]) != want {
		t.Fatalf("records carry keys %v, want exactly %s", keys, want)
	}
	return out
}

// checkRecords asserts that exactly the ids in want landed, once each,
// with every field as sent, and calls where (if set) with each record's
// object key relative to the download dir.
func checkRecords(t *testing.T, got []landed, want map[int64]time.Duration, where func(l landed)) {
	t.Helper()
	seen := map[int64]int{}
	for _, l := range got {
		seen[l.ID]++
		step, ok := want[l.ID]
		if !ok {
			t.Fatalf("record %d landed but was never sent (file %s)", l.ID, l.File)
		}
		if wantDate := sample.Time(l.ID, t0, step).Format("2006-01-02T15:04:05.000000Z"); l.Date != wantDate {
			t.Fatalf("record %d: date %q, want %q", l.ID, l.Date, wantDate)
		}
		if diff := fieldDiff(sample.Record(l.ID), l.Fields); diff != "" {
			t.Fatalf("record %d: %s", l.ID, diff)
		}
		if where != nil {
			where(l)
		}
	}
	var missing []int64
	for id := range want {
		switch seen[id] {
		case 1:
		case 0:
			missing = append(missing, id)
		default:
			t.Fatalf("record %d landed %d times", id, seen[id])
		}
	}
	if len(missing) > 0 {
		sort.Slice(missing, func(i, j int) bool { return missing[i] < missing[j] })
		t.Fatalf("%d of %d records missing, first %v", len(missing), len(want), missing[:min(5, len(missing))])
	}
	t.Logf("records sent %d, found %d, duplicated 0", len(want), len(got))
}

// fieldDiff compares a sent record with what DuckDB read, after a JSON
// round trip of the sent one (numbers become float64).
func fieldDiff(sent map[string]any, got map[string]any) string {
	b, _ := json.Marshal(sent)
	var norm map[string]any
	json.Unmarshal(b, &norm)
	for k, v := range got {
		if k == "status" {
			if f, ok := v.(float64); ok {
				v = f
			}
		}
		if !reflect.DeepEqual(norm[k], v) {
			return fmt.Sprintf("field %s: got %#v, sent %#v", k, v, norm[k])
		}
	}
	return ""
}

func wantIDs(entries []entry) map[int64]time.Duration {
	want := map[int64]time.Duration{}
	for _, e := range entries {
		for id := e.first; id < e.first+e.n; id++ {
			want[id] = e.step
		}
	}
	return want
}
