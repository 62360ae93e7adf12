package out_s3append

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/parquet-go/parquet-go"
	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/out_s3append/s3api"
)

// parquetRows reads every Parquet object under prefix: its rows by key.
func parquetRows(t testing.TB, s3 s3api.Store, prefix string) map[string][]map[string]any {
	t.Helper()
	ctx := context.Background()
	objs, err := s3.ListObjects(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]map[string]any{}
	for _, o := range objs {
		if strings.HasPrefix(o.Key, "s3append-dead-letter/") {
			continue
		}
		body, meta, err := s3.GetObject(ctx, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		if meta.ContentEncoding != "" || meta.ContentType != "application/vnd.apache.parquet" {
			t.Fatalf("object %s: Content-Type %q, Content-Encoding %q", o.Key, meta.ContentType, meta.ContentEncoding)
		}
		r := parquet.NewReader(bytes.NewReader(body))
		for {
			row := map[string]any{}
			if err := r.Read(&row); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				t.Fatalf("object %s: %v", o.Key, err)
			}
			out[o.Key] = append(out[o.Key], row)
		}
	}
	return out
}

// idsOf turns rows into the ids they hold, by key.
func idsOf(t testing.TB, rows map[string][]map[string]any) map[string][]int64 {
	t.Helper()
	out := map[string][]int64{}
	for key, rs := range rows {
		for _, r := range rs {
			id, ok := r["id"].(int64)
			if !ok {
				t.Fatalf("object %s: id %#v is not an int64", key, r["id"])
			}
			out[key] = append(out[key], id)
		}
	}
	return out
}

func rowGroups(t testing.TB, s3 s3api.Store, key string) int {
	t.Helper()
	body, _, err := s3.GetObject(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return len(f.RowGroups())
}

// noisyChunk is a chunk of records whose log text does not compress, so
// that Parquet objects grow to several parts.
func noisyChunk(first, n int, start time.Time) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		id := first + i
		sum := sha256.Sum256([]byte(fmt.Sprint(id)))
		noise := strings.Repeat(hex.EncodeToString(sum[:]), 4)
		b = format.AppendEvent(b, start.Add(time.Duration(i)*time.Millisecond), nil, map[string]any{
			"id": int64(id), "status": int64(200 + id%3), "log": noise,
		})
	}
	return b
}

func TestParquetSmallObjectIsOnePut(t *testing.T) {
	s3 := s3api.NewMemory()
	in, logs := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"format": "parquet"}), s3)
	if r := in.Flush("app", chunk(0, 500, t0, time.Millisecond, 10)); r != OK {
		t.Fatal(r)
	}
	in.Close()
	rows := parquetRows(t, s3, "")
	if len(rows) != 1 {
		t.Fatalf("%d objects\n%s", len(rows), logs.String())
	}
	for key, rs := range rows {
		if !strings.HasSuffix(key, ".parquet") {
			t.Errorf("key %s does not end in .parquet", key)
		}
		first := rs[0]
		if first["log"] != "line 0 xxxxxxxxxx" {
			t.Errorf("log = %#v", first["log"])
		}
		// The event time column is micros since the epoch (a UTC TIMESTAMP).
		if got, ok := first["date"].(int64); !ok || got != t0.UnixMicro() {
			t.Errorf("date = %#v, want %d", first["date"], t0.UnixMicro())
		}
	}
	if n := in.Stats().PartsUploaded.Load(); n != 0 {
		t.Errorf("%d parts for a small object, want one PutObject", n)
	}
	exactlyOnce(t, idsOf(t, rows), 500)
}

func TestParquetStreamsPartsWhileOpen(t *testing.T) {
	s3 := s3api.NewMemory()
	cfg := testConfig(t, t.TempDir(), map[string]string{"format": "parquet", "compression": "none"})
	in, logs := startInstance(t, cfg, s3)
	const perChunk, chunks = 2000, 32 // ~ 18 MB of incompressible text
	for i := 0; i < chunks; i++ {
		if r := in.Flush("big", noisyChunk(i*perChunk, perChunk, t0)); r != OK {
			t.Fatalf("flush %d: %v", i, r)
		}
	}
	waitFor(t, "parts uploaded while the object is open", func() bool { return in.Stats().PartsUploaded.Load() >= 2 })
	in.Close()
	rows := parquetRows(t, s3, "")
	if len(rows) != 1 {
		t.Fatalf("%d objects\n%s", len(rows), logs.String())
	}
	for key := range rows {
		if n := rowGroups(t, s3, key); n < 3 {
			t.Errorf("%s has %d row groups, want one per part or so", key, n)
		}
	}
	if ups, _ := s3.ListMultipartUploads(context.Background(), ""); len(ups) != 0 {
		t.Fatalf("%d multipart uploads left open", len(ups))
	}
	exactlyOnce(t, idsOf(t, rows), perChunk*chunks)
}

// Once an object's first row group is written its schema is fixed; a
// record whose field changed type seals it and starts a new object.
func TestParquetTypeChangeStartsNewObject(t *testing.T) {
	s3 := s3api.NewMemory()
	cfg := testConfig(t, t.TempDir(), map[string]string{"format": "parquet", "compression": "none", "parquet_row_group_size": "64K"})
	in, logs := startInstance(t, cfg, s3)
	sent := 0
	frozen := func() bool {
		in.mu.Lock()
		defer in.mu.Unlock()
		for o := range in.all {
			if o.schema.Load() != nil {
				return true
			}
		}
		return false
	}
	for !frozen() {
		if sent > 200000 {
			t.Fatalf("no row group written after %d records\n%s", sent, logs.String())
		}
		if r := in.Flush("app", noisyChunk(sent, 500, t0)); r != OK {
			t.Fatal(r)
		}
		sent += 500
		waitFor(t, "the upload queue to drain", func() bool { return len(in.queue) == 0 })
	}
	odd := format.AppendEvent(nil, t0, nil, map[string]any{"id": int64(sent), "status": "teapot", "log": "x"})
	if r := in.Flush("app", odd); r != OK {
		t.Fatal(r)
	}
	sent++
	if r := in.Flush("app", noisyChunk(sent, 10, t0)); r != OK {
		t.Fatal(r)
	}
	sent += 10
	in.Close()
	if !strings.Contains(logs.String(), `field "status" of a record is a string, but`) {
		t.Errorf("no log line names the field that changed type:\n%s", logs.String())
	}
	rows := parquetRows(t, s3, "")
	if len(rows) != 2 {
		t.Fatalf("%d objects, want 2 (before and after the type change)\n%s", len(rows), logs.String())
	}
	var kinds []string
	for _, rs := range rows {
		kinds = append(kinds, fmt.Sprintf("%T", rs[len(rs)-1]["status"]))
	}
	if !(kinds[0] == "int64" && kinds[1] == "string" || kinds[0] == "string" && kinds[1] == "int64") {
		t.Errorf("status columns are %v, want one int64 and one string", kinds)
	}
	exactlyOnce(t, idsOf(t, rows), sent)
}

// A Parquet upload cut short is not resumed (its footer would be lost)
// but aborted, and the object encoded again under the same key.
func TestParquetUnfinishedUploadIsRedoneAtStart(t *testing.T) {
	dir := t.TempDir()
	s3 := s3api.NewMemory()
	opts := map[string]string{"format": "parquet", "compression": "none", "shutdown_timeout": "0s"}
	s3.SetFault(func(op, key string) error {
		if op == s3api.OpCompleteMultipartUpload || op == s3api.OpAbortMultipartUpload {
			return &smithy.GenericAPIError{Code: "InternalError"}
		}
		return nil
	})
	in, _ := startInstance(t, testConfig(t, dir, opts), s3)
	for i := 0; i < 20; i++ {
		in.Flush("app", noisyChunk(i*2000, 2000, t0))
	}
	waitFor(t, "a part", func() bool { return in.Stats().PartsUploaded.Load() >= 1 })
	key := ""
	for o := range in.all {
		key = o.key
	}
	in.Close()
	ups, _ := s3.ListMultipartUploads(context.Background(), "")
	if len(ups) == 0 {
		t.Fatal("test setup: no multipart upload in progress")
	}
	s3.SetFault(nil)
	in2, logs := startInstance(t, testConfig(t, dir, map[string]string{"format": "parquet", "compression": "none"}), s3)
	in2.Close()
	if ups, _ := s3.ListMultipartUploads(context.Background(), ""); len(ups) != 0 {
		t.Fatalf("%d uploads left after restart", len(ups))
	}
	if !strings.Contains(logs.String(), "cannot be resumed") {
		t.Errorf("no log line for the redone upload:\n%s", logs.String())
	}
	rows := parquetRows(t, s3, "")
	if _, ok := rows[key]; !ok || len(rows) != 1 {
		t.Fatalf("objects %v, want only %s", keysOfRows(rows), key)
	}
	exactlyOnce(t, idsOf(t, rows), 40000)
}

func keysOfRows(rows map[string][]map[string]any) []string {
	var keys []string
	for k := range rows {
		keys = append(keys, k)
	}
	return keys
}

// A declared schema takes records that carry more, or a value of another
// type: what has no column is kept in _extra.
func TestParquetDeclaredSchemaKeepsTheRestInExtra(t *testing.T) {
	s3 := s3api.NewMemory()
	schema := `{"id":"int64","status":"int64","kubernetes":{"namespace_name":"string"}}`
	in, logs := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"format": "parquet", "parquet_schema": schema}), s3)
	var c []byte
	c = format.AppendEvent(c, t0, nil, map[string]any{"id": int64(0), "status": int64(200), "kubernetes": map[string]any{"namespace_name": "a", "pod_name": "p"}})
	c = format.AppendEvent(c, t0, nil, map[string]any{"id": int64(1), "status": "teapot", "user": "u1"})
	if r := in.Flush("app", c); r != OK {
		t.Fatal(r)
	}
	in.Close()
	rows := parquetRows(t, s3, "")
	var got []map[string]any
	for _, rs := range rows {
		got = rs
	}
	if len(got) != 2 {
		t.Fatalf("rows %v\n%s", got, logs.String())
	}
	extra := func(r map[string]any) map[string]any {
		var m map[string]any
		s, _ := r["_extra"].(string)
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatalf("_extra %#v: %v", r["_extra"], err)
		}
		return m
	}
	if got[0]["status"] != int64(200) || fmt.Sprint(extra(got[0])) != "map[kubernetes:map[pod_name:p]]" {
		t.Errorf("row 0: %#v", got[0])
	}
	if got[1]["status"] != nil || fmt.Sprint(extra(got[1])) != "map[status:teapot user:u1]" {
		t.Errorf("row 1: %#v", got[1])
	}
	if !strings.Contains(logs.String(), "do not fit their Parquet column") {
		t.Errorf("the misfit was not logged:\n%s", logs.String())
	}
}

// Records that cannot be read go to JSON-lines dead letters, even from a
// Parquet output.
func TestParquetDeadLettersAreJSONLines(t *testing.T) {
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"format": "parquet"}), s3)
	c := chunk(0, 10, t0, time.Millisecond, 5)
	// [ts, "not a map"]: well framed, but no record.
	c = append(c, 0x92, 0xd3, 0, 0, 0, 0, 0, 0, 0, 1, 0xa3, 'a', 'b', 'c')
	if r := in.Flush("app", c); r != OK {
		t.Fatal(r)
	}
	in.Close()
	exactlyOnce(t, idsOf(t, parquetRows(t, s3, "")), 10)
	dead := deadLetters(t, s3)
	if len(dead) != 1 || dead[0].Tag != "app" {
		t.Fatalf("dead letters %+v", dead)
	}
	objs, _ := s3.ListObjects(context.Background(), "s3append-dead-letter/")
	_, meta, _ := s3.GetObject(context.Background(), objs[0].Key)
	if meta.ContentType != "application/x-ndjson" || !strings.HasSuffix(objs[0].Key, ".json.zst") {
		t.Errorf("dead letter %s has Content-Type %q", objs[0].Key, meta.ContentType)
	}
}
