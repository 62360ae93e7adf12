package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/e2e/duckdb"
	"github.com/s3append/s3append/test/e2e/sample"
)

// pqObject is one object of the bucket, downloaded to path.
type pqObject struct {
	key, path string
}

// downloadParquet copies every object of the bucket under dir and checks
// that each is a Parquet object as the plugin writes them: a key ending in
// .parquet, Content-Type application/vnd.apache.parquet, no
// Content-Encoding (the pages are compressed inside the file).
func downloadParquet(t *testing.T, store s3api.Store, dir string) []pqObject {
	t.Helper()
	ctx := context.Background()
	objs, err := store.ListObjects(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []pqObject
	for _, o := range objs {
		if !strings.HasSuffix(o.Key, ".parquet") {
			t.Fatalf("object %s: key does not end in .parquet", o.Key)
		}
		body, meta, err := store.GetObject(ctx, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		if meta.ContentType != "application/vnd.apache.parquet" || meta.ContentEncoding != "" {
			t.Fatalf("object %s: Content-Type %q, Content-Encoding %q; want application/vnd.apache.parquet and none",
				o.Key, meta.ContentType, meta.ContentEncoding)
		}
		path := filepath.Join(dir, filepath.FromSlash(o.Key))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, pqObject{key: o.Key, path: path})
	}
	if len(out) == 0 {
		t.Fatal("no object in the bucket")
	}
	return out
}

// checkColumnTypes asserts that DuckDB reads exactly the columns of want,
// with those types, from each object.
func checkColumnTypes(t *testing.T, objs []pqObject, want map[string]string) {
	t.Helper()
	var parts []string
	for _, o := range objs {
		parts = append(parts, fmt.Sprintf("(SELECT '%s' AS __key, typeof(COLUMNS(*)) FROM read_parquet('%s') LIMIT 1)", o.key, o.path))
	}
	rows, err := duckdb.Query(strings.Join(parts, " UNION ALL BY NAME "))
	if err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	if len(rows) != len(objs) {
		t.Fatalf("column types of %d objects, want %d (an empty object?)", len(rows), len(objs))
	}
	for _, r := range rows {
		got := map[string]string{}
		for col, typ := range r {
			if col != "__key" && typ != nil {
				got[col] = fmt.Sprint(typ)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("object %s: DuckDB reads columns\n%v\nwant\n%v", r["__key"], got, want)
		}
	}
}

// pqFileMeta is what an object's footer says.
type pqFileMeta struct {
	RowGroups int
	Rows      int64
	Codecs    string // the column chunks' distinct compression codecs
}

// parquetMeta reads the footers of the objects with DuckDB, by path.
func parquetMeta(t *testing.T, glob string) map[string]pqFileMeta {
	t.Helper()
	rows, err := duckdb.Query(fmt.Sprintf(`
SELECT m.file_name, count(DISTINCT m.row_group_id)::INTEGER AS row_groups,
       string_agg(DISTINCT m.compression, ',' ORDER BY m.compression) AS codecs,
       any_value(f.num_rows)::VARCHAR AS num_rows
FROM parquet_metadata('%s') m JOIN parquet_file_metadata('%s') f USING (file_name)
GROUP BY m.file_name`, glob, glob))
	if err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	out := map[string]pqFileMeta{}
	for _, r := range rows {
		n, err := strconv.ParseInt(fmt.Sprint(r["num_rows"]), 10, 64)
		if err != nil {
			t.Fatalf("footer %v: %v", r, err)
		}
		out[fmt.Sprint(r["file_name"])] = pqFileMeta{
			RowGroups: int(r["row_groups"].(float64)), Rows: n, Codecs: fmt.Sprint(r["codecs"]),
		}
	}
	return out
}

// pqRow is one record as DuckDB read it from a Parquet object.
type pqRow struct {
	ID     int64
	Micros int64 // the date column, microseconds since the epoch
	File   string
	Cols   map[string]any // every column but date, as JSON values
}

// readParquet reads every row of the Parquet files matching glob with
// DuckDB. Values come through DuckDB's own JSON conversion of each row;
// the id and the event time also as exact integers.
func readParquet(t *testing.T, glob string) []pqRow {
	t.Helper()
	rows, err := duckdb.Query(fmt.Sprintf(`
SELECT filename, id::VARCHAR AS id, epoch_us(date)::VARCHAR AS us, to_json(p)::VARCHAR AS j
FROM read_parquet('%s', filename=true, union_by_name=true) p`, glob))
	if err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	out := make([]pqRow, 0, len(rows))
	for _, r := range rows {
		id, err1 := strconv.ParseInt(fmt.Sprint(r["id"]), 10, 64)
		us, err2 := strconv.ParseInt(fmt.Sprint(r["us"]), 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("row %v: id or date is not an integer", r)
		}
		var cols map[string]any
		if err := json.Unmarshal([]byte(fmt.Sprint(r["j"])), &cols); err != nil {
			t.Fatalf("row %v: %v", r, err)
		}
		delete(cols, "filename")
		delete(cols, "date")
		out = append(out, pqRow{ID: id, Micros: us, File: fmt.Sprint(r["filename"]), Cols: cols})
	}
	return out
}

// checkParquetRecords asserts that every record of must landed exactly
// once, nothing landed twice or that was not in may, and that each record
// read back is the one sent: event time to the microsecond, and every
// field, from its column or (withExtra) from the _extra column.
func checkParquetRecords(t *testing.T, got []pqRow, must, may map[int64]time.Duration, withExtra bool) {
	t.Helper()
	seen := map[int64]int{}
	for _, r := range got {
		seen[r.ID]++
		step, ok := may[r.ID]
		if !ok {
			t.Fatalf("record %d landed but was never sent (file %s)", r.ID, r.File)
		}
		if seen[r.ID] > 1 {
			t.Fatalf("record %d landed %d times", r.ID, seen[r.ID])
		}
		if want := sample.Time(r.ID, t0, step).UnixMicro(); r.Micros != want {
			t.Fatalf("record %d: date %s, want %s", r.ID, time.UnixMicro(r.Micros).UTC(), time.UnixMicro(want).UTC())
		}
		if diff := parquetRecordDiff(r.Cols, sample.Record(r.ID), withExtra); diff != "" {
			t.Fatalf("record %d (file %s): %s", r.ID, r.File, diff)
		}
	}
	var missing []int64
	for id := range must {
		if seen[id] != 1 {
			missing = append(missing, id)
		}
	}
	t.Logf("records sent %d, must land %d, found %d, missing 0, duplicated 0", len(may), len(must), len(got))
	if len(missing) > 0 {
		sort.Slice(missing, func(i, j int) bool { return missing[i] < missing[j] })
		t.Fatalf("%d of %d records missing, first %v", len(missing), len(must), missing[:min(5, len(missing))])
	}
}

// parquetRecordDiff rebuilds the record from its columns and, withExtra,
// the JSON object of its _extra column, and compares it with the record
// sent after a JSON round trip (numbers as float64; column types are
// checked apart). Without extra the _extra column must be empty; with it,
// no field may be both in a column and in _extra.
func parquetRecordDiff(cols map[string]any, sent map[string]any, withExtra bool) string {
	extra := cols["_extra"]
	delete(cols, "_extra")
	switch {
	case !withExtra && extra != nil:
		return fmt.Sprintf("_extra holds %v, want nothing", extra)
	case withExtra:
		text, ok := extra.(string)
		if !ok {
			return fmt.Sprintf("_extra is %#v, want a JSON object of the undeclared fields", extra)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			return fmt.Sprintf("_extra %q: %v", text, err)
		}
		if err := mergeExtra(cols, m, ""); err != nil {
			return err.Error()
		}
	}
	b, _ := json.Marshal(sent)
	var norm map[string]any
	json.Unmarshal(b, &norm)
	if !reflect.DeepEqual(cols, norm) {
		return fmt.Sprintf("read back %v\nsent %v", cols, norm)
	}
	return ""
}

// mergeExtra adds the fields of extra to cols, nested as they are.
func mergeExtra(cols, extra map[string]any, path string) error {
	for k, v := range extra {
		have, ok := cols[k]
		if !ok {
			cols[k] = v
			continue
		}
		hm, ok1 := have.(map[string]any)
		vm, ok2 := v.(map[string]any)
		if !ok1 || !ok2 {
			return fmt.Errorf("field %s%s is both in a column (%v) and in _extra (%v)", path, k, have, v)
		}
		if err := mergeExtra(hm, vm, path+k+"."); err != nil {
			return err
		}
	}
	return nil
}

// pqRun is a finished host run with a Parquet output: its bucket, and
// the bucket's objects downloaded under down.
type pqRun struct {
	bucket, down string
	objs         []pqObject
	log          string // the host's
}

// runParquet runs the host over entries with a Parquet output of opts,
// letting it upload everything before it exits, and downloads the bucket.
func runParquet(t *testing.T, opts map[string]string, entries []entry) pqRun {
	t.Helper()
	dir := t.TempDir()
	bucket, store := newBucket(t)
	all := map[string]string{"bucket": bucket, "format": "parquet"}
	for k, v := range opts {
		all[k] = v
	}
	cfg := writeConfig(t, dir, output{match: "*", opts: all})
	start := time.Now()
	_, log := runOK(t, dir, cfg, entries, 1)
	t.Logf("host ran %d entries in %v", len(entries), time.Since(start).Round(time.Millisecond))
	down := filepath.Join(dir, "down")
	objs := downloadParquet(t, store, down)
	noOpenUploads(t, store)
	return pqRun{bucket: bucket, down: down, objs: objs, log: log}
}
