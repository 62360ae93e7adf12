package main

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/test/datagen"
	"github.com/s3append/s3append/test/e2e/feed"
)

// partitionRow is one run with many objects open at once.
type partitionRow struct {
	name    string
	records int64
	run     hostRun
	objects int64
	parts   int64
}

// partitionServices is how many services the partitioned runs spread
// records over: the key has the tag, so each is an object of its own.
const partitionServices = 40

// partitions measures memory with many objects open at once, each
// growing:
//
//   - records of 40 services (one tag each, the tag in the key), as
//     JSON lines + gzip and as Parquet + zstd: with Parquet each open
//     object holds only its footer entries between passes, so its peak
//     RSS must stay within twice that of JSON lines;
//   - wideObjects Parquet objects open at once, each fed in turns until it
//     is past its first part (and so its first row group), then all
//     completed at exit.
func partitions(env *benchEnv, records, wideObjects int) ([]partitionRow, error) {
	chunks, _ := datagen.Chunks(datagen.KubernetesCompact, 3, records, 1<<20)
	var rows []partitionRow
	for _, f := range []struct{ name, options, ext string }{
		{"json_lines+gzip", "compression gzip", ".json.gz"},
		{"parquet+zstd", "format parquet", ".parquet"},
	} {
		fmt.Fprintf(os.Stderr, "bench: %d records of %d services as %s\n", records, partitionServices, f.name)
		row, err := partitionRun(env, "bench-svc-"+f.ext[1:], f.options, "/svc/$TAG/$UUID"+f.ext,
			feedInTurns(chunks, func(i int) string { return fmt.Sprintf("svc%02d", i%partitionServices) }))
		if err != nil {
			return nil, fmt.Errorf("%d services, %s: %w", partitionServices, f.name, err)
		}
		row.name = fmt.Sprintf("%d services, %s, %s records", partitionServices, f.name, count(float64(records)))
		row.records = int64(records)
		rows = append(rows, row)
	}

	fmt.Fprintf(os.Stderr, "bench: %d Parquet objects open at once, each past its first part\n", wideObjects)
	perObject := 10 << 20 // raw bytes: more than a part of these records
	var fed int64
	row, err := partitionRun(env, "bench-wide", "format parquet", "/wide/$TAG/$UUID.parquet", func(w *feed.Writer) (int64, error) {
		gens := make([]*noiseRecords, wideObjects)
		for i := range gens {
			gens[i] = newNoiseRecords(uint64(i))
		}
		var n int64
		for round := 0; round*wideChunk < perObject; round++ {
			for i, g := range gens {
				c := g.chunk(wideChunk)
				if err := w.Write(fmt.Sprintf("obj%04d", i), c); err != nil {
					return n, err
				}
				n += int64(len(c))
				fed += int64(g.records)
				g.records = 0
			}
		}
		return n, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%d open Parquet objects: %w", wideObjects, err)
	}
	if row.objects != int64(wideObjects) || row.parts < 2*int64(wideObjects) {
		return nil, fmt.Errorf("%d open Parquet objects: %d objects in %d parts landed, want one per tag, each past its first part", wideObjects, row.objects, row.parts)
	}
	row.name = fmt.Sprintf("%d Parquet objects open at once, each past its first part", wideObjects)
	row.records = fed
	return append(rows, row), nil
}

// wideChunk is the size of the chunks the wide run feeds each object in
// turn.
const wideChunk = 256 << 10

// partitionRun runs the host with one output into bucket, its objects
// kept open until exit, and counts what landed.
func partitionRun(env *benchEnv, bucket, options, keyFormat string, feedChunks func(w *feed.Writer) (int64, error)) (partitionRow, error) {
	l, err := countedRun(env, bucket, keyFormat, "    shutdown_timeout  1h\n    max_open_objects  10000\n    "+options+"\n", feedChunks)
	return partitionRow{run: l.run, objects: l.objects, parts: l.parts}, err
}

// noiseRecords makes records of high-entropy text (IDs, tokens, base64
// payloads), which Parquet cannot shrink much: each object then passes
// its first part after a few megabytes.
type noiseRecords struct {
	rng     *rand.ChaCha8
	next    int64
	records int
	buf     []byte
}

func newNoiseRecords(seed uint64) *noiseRecords {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return &noiseRecords{rng: rand.NewChaCha8(s), next: int64(seed) << 32}
}

var noiseStart = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// chunk returns a chunk of about size bytes.
func (g *noiseRecords) chunk(size int) []byte {
	var out []byte
	var id [16]byte
	for len(out) < size {
		g.rng.Read(id[:])
		payload := make([]byte, 96)
		g.rng.Read(payload)
		out = format.AppendEvent(out, noiseStart.Add(time.Duration(g.next&0xffff)*time.Millisecond), nil, map[string]any{
			"id":      g.next,
			"trace":   hex.EncodeToString(id[:]),
			"status":  int64(200 + g.rng.Uint64()%5),
			"payload": base64.StdEncoding.EncodeToString(payload),
		})
		g.next++
		g.records++
	}
	return out
}
