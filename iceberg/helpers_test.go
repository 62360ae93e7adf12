package iceberg

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/tinylib/msgp/msgp"

	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/format"
)

// testConfig is an output committing to a SQLite catalog in dir, its
// warehouse a local directory (the engine's is S3; the commit logic is
// the same for both).
func testConfig(t *testing.T, dir string, kv ...string) *conf.Config {
	t.Helper()
	src := conf.MapSource{
		"bucket": "b", "format": "parquet", "compression": "zstd",
		"parquet_schema":          `{"level":"string","status":"int64","service":"string"}`,
		"json_date_key":           "time",
		"s3_key_format":           "/logs/service=$RECORD['service']/%Y/%m/%d/%H/$UUID.parquet",
		"iceberg_catalog":         "sql",
		"iceberg_catalog_uri":     filepath.Join(dir, "catalog.db"),
		"iceberg_warehouse":       "s3://b/warehouse",
		"iceberg_table":           "logs.app",
		"iceberg_create_table":    "on",
		"iceberg_commit_interval": "1h", // tests drive commits themselves
	}
	for i := 0; i+1 < len(kv); i += 2 {
		src[kv[i]] = kv[i+1]
	}
	cfg, err := conf.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Iceberg.Warehouse = "file://" + filepath.Join(dir, "warehouse")
	return cfg
}

func testSchema(t *testing.T, cfg *conf.Config) *format.ParquetSchema {
	t.Helper()
	fields, err := format.ParseParquetSchema(cfg.ParquetSchema.Text)
	if err != nil {
		t.Fatal(err)
	}
	s, err := format.NewParquetSchema(fields, format.ParquetOptions{DateKey: cfg.JSONDateKey, Codec: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeFile writes n records of one service and hour as a Parquet file
// in dir and returns it as a journal entry.
func writeFile(t *testing.T, s *format.ParquetSchema, dir, name, service string, hour time.Time, n int) File {
	t.Helper()
	var buf bytes.Buffer
	w := format.NewParquetWriter(s, &buf)
	for i := 0; i < n; i++ {
		rec := msgp.AppendMapHeader(nil, 3)
		rec = msgp.AppendString(rec, "level")
		rec = msgp.AppendString(rec, "info")
		rec = msgp.AppendString(rec, "status")
		rec = msgp.AppendInt64(rec, int64(i))
		rec = msgp.AppendString(rec, "service")
		rec = msgp.AppendString(rec, service)
		at := hour.Add(time.Duration(i) * time.Second)
		ev := &format.Event{Sec: at.Unix(), Nsec: int32(at.Nanosecond()), Record: rec}
		if err := w.Write(ev); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return File{Key: name, Path: "file://" + path, Records: int64(n), Size: int64(buf.Len()), Completed: time.Now()}
}

// testLog collects what the committer logs.
type testLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *testLog) add(level, f string, a ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, level+" "+fmt.Sprintf(f, a...))
	l.mu.Unlock()
}
func (l *testLog) Infof(f string, a ...any)  { l.add("info", f, a...) }
func (l *testLog) Warnf(f string, a ...any)  { l.add("warn", f, a...) }
func (l *testLog) Errorf(f string, a ...any) { l.add("error", f, a...) }
func (l *testLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprint(l.lines)
}

func startCommitter(t *testing.T, cfg *conf.Config, j *Journal, log *testLog) (*Committer, *Stats) {
	t.Helper()
	stats := &Stats{}
	c, err := Start(cfg, testSchema(t, cfg), j, aws.Config{}, log, stats)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c, stats
}
