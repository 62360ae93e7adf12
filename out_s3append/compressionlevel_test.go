package out_s3append

import (
	"context"
	"testing"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/datagen"
)

// compression_level reaches the encoder of JSON lines and of Parquet
// pages: the same container logs make a smaller object at the slowest
// level than at the fastest.
func TestCompressionLevelReachesObjects(t *testing.T) {
	chunks, _ := datagen.Chunks(datagen.Kubernetes, 1, 5000, 1<<20)
	for _, tc := range []struct {
		name      string
		opts      map[string]string
		fast, max string
	}{
		{"gzip", map[string]string{"compression": "gzip", "s3_key_format": "/$TAG/$UUID.json.gz"}, "1", "9"},
		{"zstd", map[string]string{"compression": "zstd", "s3_key_format": "/$TAG/$UUID.json.zst"}, "1", "19"},
		{"parquet", map[string]string{"format": "parquet", "s3_key_format": "/$TAG/$UUID.parquet"}, "1", "19"},
	} {
		size := map[string]int64{}
		for _, level := range []string{tc.fast, tc.max} {
			opts := map[string]string{"compression_level": level}
			for k, v := range tc.opts {
				opts[k] = v
			}
			s3 := s3api.NewMemory()
			in, _ := startInstance(t, testConfig(t, t.TempDir(), opts), s3)
			for _, c := range chunks {
				if r := in.Flush("app", c); r != OK {
					t.Fatalf("%s level %s: flush: %v", tc.name, level, r)
				}
			}
			if err := in.Close(); err != nil {
				t.Fatal(err)
			}
			objs, err := s3.ListObjects(context.Background(), "")
			if err != nil || len(objs) != 1 {
				t.Fatalf("%s level %s: objects %v, %v; want one", tc.name, level, objs, err)
			}
			size[level] = objs[0].Size
		}
		if size[tc.max] >= size[tc.fast] {
			t.Errorf("%s: %d bytes at level %s, %d at level %s; want the higher level smaller", tc.name, size[tc.max], tc.max, size[tc.fast], tc.fast)
		}
	}
}
