package out_s3append

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/s3append/s3append/out_s3append/s3api"
)

// markers returns the completion markers in the bucket by the key they
// stand for, and the other objects' sizes.
func markers(t *testing.T, s3 s3api.Store, suffix string) (map[string]completionMarker, map[string]int64) {
	t.Helper()
	objs, err := s3.ListObjects(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	ms, sizes := map[string]completionMarker{}, map[string]int64{}
	for _, o := range objs {
		if !strings.HasSuffix(o.Key, suffix) {
			sizes[o.Key] = o.Size
			continue
		}
		body, meta, err := s3.GetObject(context.Background(), o.Key)
		if err != nil {
			t.Fatal(err)
		}
		if meta.ContentType != "application/json" {
			t.Errorf("marker %s has Content-Type %q", o.Key, meta.ContentType)
		}
		var m completionMarker
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("marker %s: %v", o.Key, err)
		}
		if m.Key+suffix != o.Key {
			t.Errorf("marker %s names %s", o.Key, m.Key)
		}
		ms[m.Key] = m
	}
	return ms, sizes
}

func TestCompletionMarkers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    map[string]string
		records int
		format  string
	}{
		{"small json", map[string]string{}, 500, "json_lines"},
		{"multipart json", map[string]string{"compression": "none"}, 60000, "json_lines"},
		{"parquet", map[string]string{"format": "parquet"}, 500, "parquet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s3 := s3api.NewMemory()
			tc.opts["on_complete_marker"] = ".done"
			in, logs := startInstance(t, testConfig(t, t.TempDir(), tc.opts), s3)
			for i := 0; i < tc.records; i += 2000 {
				n := min(2000, tc.records-i)
				if r := in.Flush("app", chunk(i, n, t0, time.Millisecond, 250)); r != OK {
					t.Fatal(r)
				}
			}
			// A record that cannot be read: its dead letter gets no marker.
			in.Flush("app", []byte{0x92, 0xd3, 0, 0, 0, 0, 0, 0, 0, 1, 0xa1, 'x'})
			in.Close()
			ms, sizes := markers(t, s3, ".done")
			var objects []string
			for key := range sizes {
				if !strings.HasPrefix(key, "s3append-dead-letter/") {
					objects = append(objects, key)
				}
			}
			if len(objects) != 1 || len(ms) != 1 {
				t.Fatalf("objects %v, markers %v\n%s", objects, ms, logs.String())
			}
			m, ok := ms[objects[0]]
			if !ok {
				t.Fatalf("no marker for %s: %v", objects[0], ms)
			}
			if m.Records == nil || *m.Records != int64(tc.records) || m.Size != sizes[objects[0]] || m.Format != tc.format {
				t.Errorf("marker %+v (records %v), object of %d bytes", m, m.Records, sizes[objects[0]])
			}
			if tc.name == "multipart json" && in.Stats().PartsUploaded.Load() < 2 {
				t.Errorf("test setup: %d parts", in.Stats().PartsUploaded.Load())
			}
		})
	}
}

// A marker that cannot be written is retried; the object is not uploaded
// again meanwhile.
func TestCompletionMarkerRetried(t *testing.T) {
	s3 := s3api.NewMemory()
	var failures atomic.Int32
	s3.SetFault(func(op, key string) error {
		if op == s3api.OpPutObject && strings.HasSuffix(key, ".done") && failures.Add(1) <= 2 {
			return &smithy.GenericAPIError{Code: "InternalError"}
		}
		return nil
	})
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{"on_complete_marker": ".done", "compression": "none"}), s3)
	for i := 0; i < 30; i++ {
		in.Flush("app", chunk(i*2000, 2000, t0, time.Millisecond, 250))
	}
	in.Close()
	ms, _ := markers(t, s3, ".done")
	if len(ms) != 1 || failures.Load() < 3 {
		t.Fatalf("markers %v after %d attempts", ms, failures.Load())
	}
	// ~18 MB is 3 or 4 parts of 5 MiB: none was sent twice.
	if n := in.Stats().PartsUploaded.Load(); n > 4 {
		t.Errorf("%d parts: the object was uploaded again while its marker was retried", n)
	}
	got := landed(t, s3, "")
	for k := range got {
		if strings.HasSuffix(k, ".done") {
			delete(got, k)
		}
	}
	exactlyOnce(t, got, 60000)
}
