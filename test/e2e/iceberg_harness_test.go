package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/iceberg-go"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	icebergio "github.com/apache/iceberg-go/io"
	_ "github.com/apache/iceberg-go/io/gocloud/s3" // the s3:// scheme of the table's files
	"github.com/apache/iceberg-go/table"
	_ "modernc.org/sqlite"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/e2e/duckdb"
)

// The table the Iceberg tests write: sample records, a column per field
// the schema declares (the rest in _extra), partitioned by the hour of
// the event time and by level, as the key is.
const (
	icebergSchema = `{"id":"int64","level":"string","status":"int64","latency_ms":"double","cached":"boolean","kubernetes":{"namespace_name":"string","pod_name":"string"}}`
	icebergKey    = "/tbl/level=$RECORD['level']/%Y/%m/%d/%H/$UUID.parquet"
)

// icebergOptions are an output's options committing to the SQLite catalog
// in catalogPath, the warehouse in bucket.
func icebergOptions(bucket, catalogPath string) map[string]string {
	return map[string]string{
		"bucket": bucket, "format": "parquet", "compression": "zstd",
		"parquet_schema": icebergSchema, "json_date_key": "time",
		"s3_key_format":           icebergKey,
		"iceberg_catalog":         "sql",
		"iceberg_catalog_uri":     catalogPath,
		"iceberg_warehouse":       "s3://" + bucket + "/warehouse",
		"iceberg_table":           "logs.app",
		"iceberg_create_table":    "on",
		"iceberg_commit_interval": "1s",
	}
}

// loadTable reads the table through the catalog as any reader would,
// with the test server's credentials.
func loadTable(t *testing.T, catalogPath string) *table.Table {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+catalogPath+"?_pragma=busy_timeout(30000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat, err := sqlcat.NewCatalog("s3append", db, sqlcat.SQLite, iceberg.Properties{
		icebergio.S3EndpointURL: server.Endpoint, icebergio.S3Region: server.Region,
		icebergio.S3AccessKeyID: server.AccessKey, icebergio.S3SecretAccessKey: server.SecretKey,
		icebergio.S3ForceVirtualAddressing: "false",
	})
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := cat.LoadTable(context.Background(), table.Identifier{"logs", "app"})
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// scanIDs reads the table with iceberg-go's scan and counts each id.
func scanIDs(t *testing.T, tbl *table.Table) map[int64]int {
	t.Helper()
	at, err := tbl.Scan(table.WithSelectedFields("id")).ToArrowTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer at.Release()
	got := map[int64]int{}
	col := at.Column(0)
	for _, chunk := range col.Data().Chunks() {
		ids := chunk.(*array.Int64)
		for i := 0; i < ids.Len(); i++ {
			got[ids.Value(i)]++
		}
	}
	return got
}

// dataFile is one file the current snapshot lists, with its partition.
type dataFile struct {
	key       string
	records   int64
	partition map[int]any
}

// currentFiles lists the data files of the current snapshot.
func currentFiles(t *testing.T, tbl *table.Table, bucket string) []dataFile {
	t.Helper()
	tasks, err := tbl.Scan().PlanFiles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []dataFile
	for _, task := range tasks {
		key := strings.TrimPrefix(task.File.FilePath(), "s3://"+bucket+"/")
		out = append(out, dataFile{key: key, records: task.File.Count(), partition: task.File.Partition()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// checkWithDuckDB downloads exactly the files the snapshot lists and reads
// them with DuckDB: every id once, the columns typed as declared, and
// each file's partition values those of its rows.
func checkWithDuckDB(t *testing.T, store s3api.Store, tbl *table.Table, files []dataFile, dir string, want int) {
	t.Helper()
	down := filepath.Join(dir, "snapshot")
	var paths []string
	for i, f := range files {
		body, _, err := store.GetObject(context.Background(), f.key)
		if err != nil {
			t.Fatalf("data file %s listed by the snapshot: %v", f.key, err)
		}
		p := filepath.Join(down, fmt.Sprintf("f%04d.parquet", i))
		os.MkdirAll(down, 0o755)
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	list := "['" + strings.Join(paths, "','") + "']"
	rows, err := duckdb.Query(fmt.Sprintf(`SELECT count(*)::BIGINT AS n, count(DISTINCT id)::BIGINT AS ids,
		any_value(typeof(id)) AS tid, any_value(typeof(status)) AS tstatus, any_value(typeof(latency_ms)) AS tlat,
		any_value(typeof(cached)) AS tcached, any_value(typeof("time")) AS ttime, any_value(typeof(_extra)) AS textra
		FROM read_parquet(%s)`, list))
	if err != nil {
		t.Fatal(err)
	}
	r := rows[0]
	if fmt.Sprint(r["n"]) != fmt.Sprint(want) || fmt.Sprint(r["ids"]) != fmt.Sprint(want) {
		t.Errorf("DuckDB over the snapshot's files: %v rows, %v distinct ids; want %d of each", r["n"], r["ids"], want)
	}
	types := fmt.Sprint(r["tid"], " ", r["tstatus"], " ", r["tlat"], " ", r["tcached"], " ", r["ttime"], " ", r["textra"])
	if types != "BIGINT BIGINT DOUBLE BOOLEAN TIMESTAMP WITH TIME ZONE VARCHAR" {
		t.Errorf("column types %q", types)
	}
	// Partition values: the hour since the epoch of the rows' time, and
	// their namespace, one of each per file.
	rows, err = duckdb.Query(fmt.Sprintf(`SELECT filename, count(DISTINCT date_trunc('hour', "time"))::BIGINT AS hours,
		(epoch(min("time"))::BIGINT // 3600) AS hour, min(level) AS lvl, count(DISTINCT level)::BIGINT AS lvls, count(*)::BIGINT AS n
		FROM read_parquet(%s, filename=true) GROUP BY filename ORDER BY filename`, list))
	if err != nil {
		t.Fatal(err)
	}
	spec := tbl.Spec()
	var hourID, levelID int
	for _, f := range spec.Fields() {
		switch f.Name {
		case "time_hour":
			hourID = f.FieldID
		case "level":
			levelID = f.FieldID
		}
	}
	if hourID == 0 || levelID == 0 {
		t.Fatalf("partition spec %s: want time_hour and level", spec)
	}
	for i, r := range rows {
		f := files[i]
		if fmt.Sprint(r["hours"]) != "1" || fmt.Sprint(r["lvls"]) != "1" {
			t.Errorf("%s holds %v hours and %v levels, want one of each", f.key, r["hours"], r["lvls"])
		}
		if fmt.Sprint(f.partition[hourID]) != fmt.Sprint(r["hour"]) || fmt.Sprint(f.partition[levelID]) != fmt.Sprint(r["lvl"]) {
			t.Errorf("%s: partition %v, its rows are of hour %v, level %v", f.key, f.partition, r["hour"], r["lvl"])
		}
		if fmt.Sprint(f.records) != fmt.Sprint(r["n"]) {
			t.Errorf("%s: the table says %d records, the file holds %v", f.key, f.records, r["n"])
		}
		if !strings.Contains(f.key, "level="+fmt.Sprint(r["lvl"])+"/") {
			t.Errorf("%s holds level %v", f.key, r["lvl"])
		}
	}
}

// tableObjects lists the Parquet objects under tbl/ in the bucket.
func tableObjects(t *testing.T, store s3api.Store) []string {
	t.Helper()
	objs, err := store.ListObjects(context.Background(), "tbl/")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	sort.Strings(keys)
	return keys
}
