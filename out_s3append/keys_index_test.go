package out_s3append

import (
	"regexp"
	"sort"
	"testing"

	"github.com/s3append/s3append/out_s3append/s3api"
)

func sortedKeys(m map[string][]int64) []string {
	ks := keysOf(m)
	sort.Strings(ks)
	return ks
}

// $INDEX counts per key prefix, padded by index_format, and the count
// survives a restart.
func TestIndexFormatAndPersistence(t *testing.T) {
	for _, tc := range []struct {
		format string
		want   []string
	}{
		{"", []string{"logs/a/000000", "logs/a/000001", "logs/b/000000"}}, // the default, %06d
		{"part-%03x", []string{"logs/a/part-000", "logs/a/part-001", "logs/b/part-000"}},
	} {
		s3 := s3api.NewMemory()
		dir := t.TempDir()
		opts := map[string]string{"s3_key_format": "/logs/$TAG/$INDEX", "static_file_path": "on"}
		if tc.format != "" {
			opts["index_format"] = tc.format
		}
		in, _ := startInstance(t, testConfig(t, dir, opts), s3)
		if r := in.Flush("a", chunk(0, 10, t0, 0, 0)); r != OK {
			t.Fatal(r)
		}
		in.Close()
		in, _ = startInstance(t, testConfig(t, dir, opts), s3) // same store_dir
		if r := in.Flush("a", chunk(10, 10, t0, 0, 0)); r != OK {
			t.Fatal(r)
		}
		if r := in.Flush("b", chunk(20, 10, t0, 0, 0)); r != OK {
			t.Fatal(r)
		}
		in.Close()
		got := landed(t, s3, "")
		exactlyOnce(t, got, 30)
		keys := sortedKeys(got)
		if len(keys) != len(tc.want) {
			t.Fatalf("index_format %q: keys %v, want %v", tc.format, keys, tc.want)
		}
		for i := range keys {
			if keys[i] != tc.want[i] {
				t.Errorf("index_format %q: keys %v, want %v", tc.format, keys, tc.want)
				break
			}
		}
	}
}

// Without $UUID or $INDEX a random id is appended so objects of one
// partition cannot overwrite each other; with $INDEX none is.
func TestAppendedIDOnlyWhenKeysCouldCollide(t *testing.T) {
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"s3_key_format": "/logs/$TAG/%Y"}), s3)
	in.Flush("app", chunk(0, 5, t0, 0, 0))
	in.Close()
	keys := sortedKeys(landed(t, s3, ""))
	id := regexp.MustCompile(`^logs/app/2026-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	if len(keys) != 1 || !id.MatchString(keys[0]) {
		t.Fatalf("keys %v, want logs/app/2026-<uuid>", keys)
	}
}
