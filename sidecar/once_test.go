package sidecar

import (
	"fmt"
	"testing"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/source"
)

// DeliverOnce gives a batch to each output that takes its tag and has not
// committed its token: an output that took it before a crash of the
// source is not given it again, the other one is; Committed holds once
// both have it, and Forget drops it from both.
func TestDeliverOnceSkipsOutputsThatCommitted(t *testing.T) {
	dir := t.TempDir()
	text := fmt.Sprintf(`
sources:
  - type: direct
    listen: 127.0.0.1:0
outputs:
  - match: 'logs.*'
    bucket: first
    store_dir: %[1]s
    s3_key_format: /$TAG/$UUID
    shutdown_timeout: 5m
  - match: '*'
    bucket: second
    store_dir: %[1]s
    s3_key_format: /$TAG/$UUID
    shutdown_timeout: 5m
`, dir)
	var built []*directSource
	cfg, err := Parse("once.yaml", []byte(text), testKinds(&built), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	stores := map[string]*s3api.Memory{"first": s3api.NewMemory(), "second": s3api.NewMemory()}
	sc, err := start(cfg, &syncWriter{w: new(nopWriter)}, func(oc *OutputConfig) s3api.Store { return stores[oc.Conf.Bucket] })
	if err != nil {
		t.Fatal(err)
	}
	sink, ok := built[0].sink().(source.OnceSink)
	if !ok {
		t.Fatal("the sidecar's sink does not take batches once")
	}
	batch := events("logs.s3", 0, 40)
	// The first output took the batch before the source crashed.
	if res := sc.router.outputs[0].inst.FlushOnce("logs.s3", batch, "obj-1/g1/0"); res != source.OK {
		t.Fatalf("FlushOnce on the first output: %v", res)
	}
	if sink.Committed("logs.s3", "obj-1/g1/0") {
		t.Fatal("Committed before the second output has the batch")
	}
	if res := sink.DeliverOnce("logs.s3", batch, "obj-1/g1/0"); res != source.OK {
		t.Fatalf("DeliverOnce: %v", res)
	}
	if !sink.Committed("logs.s3", "obj-1/g1/0") {
		t.Error("not Committed once both outputs have the batch")
	}
	if err := sink.Forget("logs.s3", "obj-1/g1/0"); err != nil {
		t.Fatal(err)
	}
	if sink.Committed("logs.s3", "obj-1/g1/0") {
		t.Error("still Committed after Forget")
	}
	sc.Stop()
	for name, m := range stores {
		if n := len(jsonLines(t, m, "logs.s3/")); n != 40 {
			t.Errorf("bucket %s holds %d records of the batch, want 40", name, n)
		}
	}
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }
