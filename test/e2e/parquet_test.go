package e2e

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
)

// The columns DuckDB reads from an object whose schema was inferred from
// sample records: every field in a column of its own type, the kubernetes
// map and its labels as structs (their keys are the same in every record),
// the event time as a UTC timestamp, and an _extra column with nothing in it.
var inferredColumns = map[string]string{
	"_extra":     "VARCHAR",
	"cached":     "BOOLEAN",
	"date":       "TIMESTAMP WITH TIME ZONE",
	"id":         "BIGINT",
	"kubernetes": "STRUCT(container_name VARCHAR, labels STRUCT(app VARCHAR, tier VARCHAR), namespace_name VARCHAR, pod_name VARCHAR)",
	"latency_ms": "DOUBLE",
	"level":      "VARCHAR",
	"log":        "VARCHAR",
	"status":     "BIGINT",
	"stream":     "VARCHAR",
}

// A declared schema naming some of the sample fields, and the columns
// DuckDB reads for it: the declared ones, date and _extra.
const declaredSchema = `{"id":"int64","level":"string","status":"int64","kubernetes":{"namespace_name":"string"}}`

var declaredColumns = map[string]string{
	"_extra":     "VARCHAR",
	"date":       "TIMESTAMP WITH TIME ZONE",
	"id":         "BIGINT",
	"kubernetes": "STRUCT(namespace_name VARCHAR)",
	"level":      "VARCHAR",
	"status":     "BIGINT",
}

// Records of three tags, one of them enough for an object of several
// parts, go out as Parquet with the default zstd pages and an inferred
// schema; DuckDB reads every value back with its type.
func TestParquetInferred(t *testing.T) {
	// Event times are a step of ms, µs and ns apart: the date column keeps
	// the microseconds and truncates the rest.
	const step = time.Millisecond + 7*time.Microsecond + 300*time.Nanosecond
	// Sample records take about 12 bytes each as zstd Parquet: the 520,000
	// of "big" make about 6 MB, two parts of the 5M upload_chunk_size.
	var entries []entry
	tagOf := map[int64]string{}
	for i := int64(0); i < 300; i++ {
		tag := "big"
		switch i % 15 {
		case 3:
			tag = "web"
		case 11:
			tag = "db"
		}
		e := entry{tag: tag, first: i * 2000, n: 2000, step: step}
		entries = append(entries, e)
		for id := e.first; id < e.first+e.n; id++ {
			tagOf[id] = tag
		}
	}
	run := runParquet(t, map[string]string{"upload_chunk_size": "5M", "parquet_row_group_size": "1M"}, entries)
	if !strings.Contains(run.log, "format=parquet compression=zstd") {
		t.Errorf("the start-up line does not say format=parquet compression=zstd:\n%s", run.log)
	}
	keyRe := regexp.MustCompile(`^fluent-bit-logs/(big|web|db)/2026/11/22/09/[0-9a-f-]{36}\.parquet$`)
	tagOfKey := map[string]string{}
	for _, o := range run.objs {
		m := keyRe.FindStringSubmatch(o.key)
		if m == nil {
			t.Fatalf("key %q not as the default s3_key_format makes it", o.key)
		}
		if tagOfKey[m[1]] != "" {
			t.Fatalf("two objects for tag %s: %s and %s", m[1], tagOfKey[m[1]], o.key)
		}
		tagOfKey[m[1]] = o.key
	}
	if len(run.objs) != 3 {
		t.Fatalf("%d objects, want one per tag", len(run.objs))
	}
	big := tagOfKey["big"]
	etag := objectETag(t, run.bucket, big)
	parts := regexp.MustCompile(`-(\d+)"?$`).FindStringSubmatch(etag)
	if parts == nil || parts[1] == "1" {
		t.Fatalf("object %s has ETag %s: want a multipart object of several parts", big, etag)
	}
	glob := run.down + "/**/*.parquet"
	meta := parquetMeta(t, glob)
	checkColumnTypes(t, run.objs, inferredColumns)
	got := readParquet(t, glob)
	perFile := map[string]int64{}
	for _, r := range got {
		perFile[r.File]++
		key := strings.TrimPrefix(filepath.ToSlash(r.File), filepath.ToSlash(run.down)+"/")
		if tagOfKey[tagOf[r.ID]] != key {
			t.Fatalf("record %d of tag %s landed in %s", r.ID, tagOf[r.ID], key)
		}
	}
	for _, o := range run.objs {
		m := meta[o.path]
		if m.RowGroups < 2 || m.Codecs != "ZSTD" || m.Rows != perFile[o.path] {
			t.Fatalf("object %s: footer %+v, %d rows read; want several row groups, ZSTD pages, the rows read", o.key, m, perFile[o.path])
		}
		t.Logf("%s: %d rows in %d row groups", o.key, m.Rows, m.RowGroups)
	}
	t.Logf("%s: ETag %s", big, etag)
	want := wantIDs(entries)
	checkParquetRecords(t, got, want, want, false)
}

// A declared schema, inline or from a file, with zstd or snappy pages:
// DuckDB reads exactly the declared columns plus date and _extra, and the
// undeclared fields, values and nesting intact, in _extra.
func TestParquetDeclaredSchema(t *testing.T) {
	schemaFile := filepath.Join(t.TempDir(), "schema.json")
	pretty := "{\n  \"id\": \"int64\",\n  \"level\": \"string\",\n  \"status\": \"int64\",\n  \"kubernetes\": {\"namespace_name\": \"string\"}\n}\n"
	if err := os.WriteFile(schemaFile, []byte(pretty), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, schema, compression, codec string }{
		{"inline", declaredSchema, "", "ZSTD"},
		{"file", schemaFile, "", "ZSTD"},
		{"snappy", declaredSchema, "snappy", "SNAPPY"},
	} {
		t.Run(c.name, func(t *testing.T) {
			entries := makeEntries(10, 2000, 10*time.Millisecond, "app", "api")
			run := runParquet(t, map[string]string{
				"parquet_schema": c.schema, "compression": c.compression, "parquet_row_group_size": "256K",
				"s3_key_format": "/declared/$TAG/%Y%m%d/$UUID.parquet",
			}, entries)
			if len(run.objs) != 2 {
				t.Fatalf("%d objects, want one per tag", len(run.objs))
			}
			checkColumnTypes(t, run.objs, declaredColumns)
			glob := run.down + "/**/*.parquet"
			meta := parquetMeta(t, glob)
			got := readParquet(t, glob)
			perFile := map[string]int64{}
			for _, r := range got {
				perFile[r.File]++
			}
			for _, o := range run.objs {
				if m := meta[o.path]; m.Codecs != c.codec || m.Rows != perFile[o.path] {
					t.Fatalf("object %s: footer %+v, %d rows read; want %s pages, the rows read", o.key, m, perFile[o.path], c.codec)
				}
			}
			want := wantIDs(entries)
			checkParquetRecords(t, got, want, want, true)
		})
	}
}

// openUploadWithParts returns the key of a multipart upload of the bucket
// that has at least one part, or "".
func openUploadWithParts(store s3api.Store) string {
	ctx := context.Background()
	ups, err := store.ListMultipartUploads(ctx, "")
	if err != nil {
		return ""
	}
	for _, u := range ups {
		if parts, err := store.ListParts(ctx, u.Key, u.UploadID); err == nil && len(parts) > 0 {
			return u.Key
		}
	}
	return ""
}

// The host is killed with SIGKILL between flushes, then while a Parquet
// object is being uploaded in parts; the restart aborts that upload (a
// Parquet file cannot be continued without its footer) and encodes the
// object again, under the same key: every acknowledged record is in the
// bucket once, and no upload is left open.
func TestParquetKill9(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	// Uncompressed pages: a part's 5 MB with few records.
	cfg := writeConfig(t, dir, output{match: "*", opts: map[string]string{
		"bucket": bucket, "format": "parquet", "compression": "none", "parquet_row_group_size": "1M",
		"s3_key_format": "/k/$TAG/%Y%m%d/$UUID.parquet",
	}})
	var sent []entry
	next := int64(0)
	chunkOf := func(tag string, n int64) entry {
		e := entry{tag: tag, first: next, n: n, step: time.Millisecond}
		next += n
		sent = append(sent, e)
		return e
	}

	// Phase 1: small flushes, killed between flushes.
	var phase1 []entry
	for i := 0; i < 10; i++ {
		phase1 = append(phase1, chunkOf("a", 100))
	}
	killAfterAcks(t, cfg, filepath.Join(dir, "phase1.acks"), phase1, nil)
	if objs, _ := os.ReadDir(filepath.Join(dir, "store", bucket, "objects")); len(objs) == 0 {
		t.Fatal("nothing buffered on disk after the kill")
	}

	// Phase 2: about 7 MB of Parquet for tag b; killed once a part of its
	// multipart upload is in.
	var phase2 []entry
	for i := 0; i < 40; i++ {
		phase2 = append(phase2, chunkOf("b", 2000))
	}
	uploading := ""
	killAfterAcks(t, cfg, filepath.Join(dir, "phase2.acks"), phase2, func() bool {
		uploading = openUploadWithParts(store)
		return uploading != ""
	})

	// Phase 3: a clean run takes over what the killed runs left.
	code, log, _ := runHost(t, dir, cfg, []entry{chunkOf("c", 100)})
	if code != 0 {
		t.Fatalf("host exit %d\n%s", code, log)
	}
	if !strings.Contains(log, "object "+uploading+": a Parquet upload cannot be resumed") {
		t.Fatalf("the restart did not say it redid the upload of %s:\n%s", uploading, log)
	}
	noOpenUploads(t, store)
	objs := downloadParquet(t, store, filepath.Join(dir, "down"))
	redone := false
	for _, o := range objs {
		redone = redone || o.key == uploading
	}
	if !redone {
		t.Fatalf("no object under the key of the aborted upload %s: %v", uploading, objs)
	}
	checkColumnTypes(t, objs, inferredColumns)
	want := wantIDs(sent)
	checkParquetRecords(t, readParquet(t, filepath.Join(dir, "down", "**", "*.parquet")), want, want, false)
}

// TestParquetKill9Loop is TestKill9Loop with a Parquet output: the host is
// killed with SIGKILL at random moments while records flow, every third
// time while a Parquet object is being uploaded in parts, and restarted,
// S3APPEND_KILL_LOOPS times (6 by default). At the end every acknowledged
// record is in the bucket exactly once and no multipart upload is open.
func TestParquetKill9Loop(t *testing.T) {
	dir := t.TempDir()
	bucket, store := newBucket(t)
	midUpload := 0
	acked, sent := killLoop{
		loops: 6,
		opts: map[string]string{
			"bucket": bucket, "format": "parquet", "compression": "none", "parquet_row_group_size": "1M",
			"upload_timeout": "5s", "s3_key_format": "/loop/$TAG/%Y%m%d/$UUID.parquet",
		},
		// Big runs send one tag about 7 MB of Parquet, more than a part,
		// all of the same day: one object.
		bigEvery: 3,
		small:    chunkSpec{15, 200},
		big:      chunkSpec{40, 2000},
		bigTag:   "big",
		step:     time.Millisecond,
		killAt: func(t *testing.T, r *streamRun, big bool, rng *rand.Rand) {
			wait := time.Duration(rng.IntN(800)) * time.Millisecond
			if big {
				deadline := time.Now().Add(patience)
				for openUploadWithParts(store) == "" {
					if time.Now().After(deadline) {
						t.Fatalf("no multipart upload with a part\n%s", r.log.String())
					}
					time.Sleep(20 * time.Millisecond)
				}
				wait /= 4
			}
			time.Sleep(wait) // a random moment, not a synchronisation
			if ups, err := store.ListMultipartUploads(context.Background(), ""); err == nil && len(ups) > 0 {
				midUpload++
			}
		},
	}.run(t, dir)
	t.Logf("%d crashes with a multipart upload open", midUpload)
	noOpenUploads(t, store)
	objs := downloadParquet(t, store, filepath.Join(dir, "down"))
	checkColumnTypes(t, objs, inferredColumns)
	checkParquetRecords(t, readParquet(t, filepath.Join(dir, "down", "**", "*.parquet")), wantIDs(acked), wantIDs(sent), false)
}
