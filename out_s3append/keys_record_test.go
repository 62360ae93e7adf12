package out_s3append

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/tinylib/msgp/msgp"
)

// records builds a chunk of the given records, one second apart from t0,
// each with "id" set to its position.
func records(recs ...map[string]any) []byte {
	var b []byte
	for i, r := range recs {
		r["id"] = int64(i)
		b = format.AppendEvent(b, t0.Add(time.Duration(i)*time.Second), nil, r)
	}
	return b
}

// prefixesOf maps each key, cut before its last segment, to its sorted ids.
func prefixesOf(t *testing.T, got map[string][]int64) map[string][]int64 {
	t.Helper()
	out := map[string][]int64{}
	for key, ids := range got {
		p := key[:strings.LastIndexByte(key, '/')+1]
		out[p] = append(out[p], ids...)
	}
	for _, ids := range out {
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	}
	return out
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRecordFieldsRouteRecords(t *testing.T) {
	s3 := s3api.NewMemory()
	in, logs := startInstance(t, testConfig(t, t.TempDir(), map[string]string{
		"s3_key_format": `/logs/service=$RECORD['service']/ns=$RECORD["kubernetes"]['namespace_name']/$UUID`,
	}), s3)
	k8s := func(ns any) map[string]any { return map[string]any{"namespace_name": ns, "pod": "p"} }
	// Alternating values within one time slot: the fast path must not
	// merge records whose fields differ.
	c := records(
		map[string]any{"service": "api", "kubernetes": k8s("prod")},                        // 0
		map[string]any{"service": "web", "kubernetes": k8s("prod")},                        // 1
		map[string]any{"service": "api", "kubernetes": k8s("prod")},                        // 2
		map[string]any{"service": "api", "kubernetes": k8s("dev")},                         // 3
		map[string]any{"kubernetes": k8s("prod")},                                          // 4: missing
		map[string]any{"service": nil, "kubernetes": nil},                                  // 5: null, and not a map
		map[string]any{"service": "", "kubernetes": k8s(int64(-42))},                       // 6: empty, int
		map[string]any{"service": true, "kubernetes": k8s(uint64(7))},                      // 7: bool, uint
		map[string]any{"service": 1.5, "kubernetes": k8s(float32(0.25))},                   // 8: floats
		map[string]any{"service": map[string]any{"a": "b"}, "kubernetes": k8s([]any{"x"})}, // 9: map, array
		map[string]any{"service": "a/b", "kubernetes": k8s("..")},                          // 10: escapes
		map[string]any{"service": "x\x00y\nz", "kubernetes": k8s(".")},                     // 11
		map[string]any{"service": "bad\xffutf8", "kubernetes": k8s("../../etc")},           // 12
		map[string]any{"service": "ünï", "kubernetes": k8s("a..b")},                        // 13
		map[string]any{"service": []byte("bin"), "kubernetes": k8s("prod")},                // 14: bin string
	)
	if r := in.Flush("kube.app", c); r != OK {
		t.Fatalf("flush: %v", r)
	}
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	got := prefixesOf(t, landed(t, s3, ""))
	want := map[string][]int64{
		"logs/service=api/ns=prod/":           {0, 2},
		"logs/service=web/ns=prod/":           {1},
		"logs/service=api/ns=dev/":            {3},
		"logs/service=_unknown/ns=prod/":      {4},
		"logs/service=_unknown/ns=_unknown/":  {5, 9}, // null, not a map, map, array
		"logs/service=_unknown/ns=-42/":       {6},
		"logs/service=true/ns=7/":             {7},
		"logs/service=1.5/ns=0.25/":           {8},
		"logs/service=a_b/ns=__/":             {10},
		"logs/service=x_y_z/ns=_/":            {11},
		"logs/service=bad_utf8/ns=______etc/": {12},
		"logs/service=ünï/ns=a__b/":           {13},
		"logs/service=bin/ns=prod/":           {14},
	}
	if len(got) != len(want) {
		t.Errorf("%d prefixes, want %d: %v", len(got), len(want), got)
	}
	for p, ids := range want {
		if !sameIDs(got[p], ids) {
			t.Errorf("prefix %q holds %v, want %v", p, got[p], ids)
		}
	}
	if !strings.Contains(logs.String(), `tag "kube.app"`) || !strings.Contains(logs.String(), `replaced by _ in "logs/service=a_b/ns=__/$UUID"`) {
		t.Errorf("no log line about the sanitised values:\n%s", logs.String())
	}
}

func TestMissingValueIsConfigurable(t *testing.T) {
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{
		"s3_key_format":        `/logs/$TAG[3]/level=$RECORD['level']/$UUID`,
		"s3_key_missing_value": "__none__",
	}), s3)
	if r := in.Flush("a.b", records(map[string]any{"level": "info"}, map[string]any{"msg": "x"})); r != OK {
		t.Fatalf("flush: %v", r)
	}
	in.Close()
	got := prefixesOf(t, landed(t, s3, ""))
	if !sameIDs(got["logs/__none__/level=info/"], []int64{0}) || !sameIDs(got["logs/__none__/level=__none__/"], []int64{1}) {
		t.Fatalf("prefixes %v", got)
	}
}

func TestEnvironmentVariablesInKeys(t *testing.T) {
	t.Setenv("S3APPEND_TEST_CLUSTER", "eu/west")
	s3 := s3api.NewMemory()
	in, _ := startInstance(t, testConfig(t, t.TempDir(), map[string]string{
		"s3_key_format": `/${S3APPEND_TEST_CLUSTER}/$TAG/$UUID`,
	}), s3)
	if r := in.Flush("app", records(map[string]any{"a": "b"})); r != OK {
		t.Fatalf("flush: %v", r)
	}
	in.Close()
	got := prefixesOf(t, landed(t, s3, ""))
	if !sameIDs(got["eu_west/app/"], []int64{0}) {
		t.Fatalf("prefixes %v", got)
	}

	cfg := testConfig(t, t.TempDir(), map[string]string{"s3_key_format": `/${S3APPEND_TEST_UNSET_VARIABLE}/$UUID`})
	_, err := New("s3append.0", cfg, s3api.NewMemory(), NewLogger(&syncBuffer{}, "s3append.0"))
	if err == nil || !strings.Contains(err.Error(), "S3APPEND_TEST_UNSET_VARIABLE") || !strings.Contains(err.Error(), "not set") {
		t.Fatalf("New with an unset variable: %v", err)
	}
}

func TestKeyTooLongForEveryRecordIsRefusedAtStart(t *testing.T) {
	for _, tc := range []struct{ tmpl, want string }{
		// 980 + "/" + %Y 4 + 2 x "/" %m/%d 6 + "/" + 36
		{"/" + strings.Repeat("a", 980) + "/%Y/%m/%d/$UUID", "up to 1028 bytes"},
		// $INDEX counts with its widest value, 20 digits.
		{"/" + strings.Repeat("a", 1010) + "/$INDEX", "up to 1031 bytes (with a 20-byte $INDEX"},
		// With a tag of one byte and the appended "-" + UUID.
		{"/" + strings.Repeat("a", 990) + "/$TAG", "at least 1029 bytes"},
	} {
		cfg := testConfig(t, t.TempDir(), map[string]string{"s3_key_format": tc.tmpl})
		_, err := New("s3append.0", cfg, s3api.NewMemory(), NewLogger(&syncBuffer{}, "s3append.0"))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "1024") {
			t.Errorf("template of %d bytes: error %v, want one saying %q", len(tc.tmpl), err, tc.want)
		}
	}
	// Just under the limit starts: 1024 - 37 (id) - 1 = 986 bytes of text.
	cfg := testConfig(t, t.TempDir(), map[string]string{"s3_key_format": "/" + strings.Repeat("a", 987) + "-$UUID"})
	in, err := New("s3append.0", cfg, s3api.NewMemory(), NewLogger(&syncBuffer{}, "s3append.0"))
	if err != nil {
		t.Fatalf("a template of exactly 1024-byte keys: %v", err)
	}
	in.Close()
}

func TestRecordWithTooLongKeyGoesToDeadLetters(t *testing.T) {
	s3 := s3api.NewMemory()
	in, logs := startInstance(t, testConfig(t, t.TempDir(), map[string]string{
		"s3_key_format": `/logs/$RECORD['user']/$UUID`,
	}), s3)
	long := strings.Repeat("u", 1000)
	c := records(map[string]any{"user": "ann"}, map[string]any{"user": long}, map[string]any{"user": long}, map[string]any{"user": "bob"})
	if r := in.Flush("web", c); r != OK {
		t.Fatalf("flush: %v", r)
	}
	in.Close()
	got := prefixesOf(t, landed(t, s3, ""))
	if len(got) != 2 || !sameIDs(got["logs/ann/"], []int64{0}) || !sameIDs(got["logs/bob/"], []int64{3}) {
		t.Fatalf("prefixes %v", got)
	}
	dl := deadLetters(t, s3)
	if len(dl) != 2 {
		t.Fatalf("%d dead letters, want 2", len(dl))
	}
	for _, d := range dl {
		if d.Tag != "web" || !strings.Contains(d.Reason, "over the S3 limit of 1024") {
			t.Errorf("dead letter %+v", d)
		}
		var r format.Reader
		var ev format.Event
		r.Reset(d.Raw)
		if err := r.Next(&ev); err != nil || !strings.Contains(string(ev.Record), long) {
			t.Errorf("dead letter does not hold the record: %v", err)
		}
	}
	if !strings.Contains(logs.String(), `tag "web"`) || !strings.Contains(logs.String(), "dead-letter") {
		t.Errorf("no log line naming the tag and the dead-letter prefix:\n%s", logs.String())
	}
	if n := in.Stats().RecordsRejected[RejectKeyTooLong].Load(); n != 2 {
		t.Errorf("RecordsRejected = %d, want 2", n)
	}
}

func TestSegmentValueEscaping(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		changed  bool
	}{
		{"api", "api", false},
		{"", "MISSING", false},
		{".", "_", true},
		{"..", "__", true},
		{"...", "__.", true},
		{"a.b", "a.b", false},
		{"a/b/c", "a_b_c", true},
		{"tab\there", "tab_here", true},
		{"del\x7f", "del_", true},
		{"c1\u0085", "c1_", true},
		{"bad\xff\xfe", "bad__", true},
		{"日本", "日本", false},
		{"a=b c", "a=b c", false},
	} {
		got, changed := appendSegmentValue(nil, tc.in, "MISSING")
		if string(got) != tc.want || changed != tc.changed {
			t.Errorf("%q -> %q (changed %v), want %q (%v)", tc.in, got, changed, tc.want, tc.changed)
		}
	}
}

func TestLookupField(t *testing.T) {
	rec := format.AppendEvent(nil, t0, nil, map[string]any{
		"a": map[string]any{"b": map[string]any{"c": "deep"}, "n": int64(1)},
		"s": "top",
	})
	var r format.Reader
	var ev format.Event
	r.Reset(rec)
	if err := r.Next(&ev); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path []string
		want string
	}{
		{[]string{"s"}, "top"},
		{[]string{"a", "b", "c"}, "deep"},
		{[]string{"a", "n"}, "1"},
		{[]string{"a", "b"}, "MISSING"}, // a map
		{[]string{"s", "x"}, "MISSING"}, // not a map on the way
		{[]string{"a", "b", "c", "d"}, "MISSING"},
		{[]string{"nope"}, "MISSING"},
	} {
		got, _ := appendFieldValue(nil, lookupField(ev.Record, tc.path), "MISSING")
		if string(got) != tc.want {
			t.Errorf("%v -> %q, want %q", tc.path, got, tc.want)
		}
	}
	// A record with a duplicate key: the first one wins.
	dup := msgp.AppendMapHeader(nil, 2)
	dup = msgp.AppendString(msgp.AppendString(dup, "k"), "first")
	dup = msgp.AppendString(msgp.AppendString(dup, "k"), "second")
	if got, _ := appendFieldValue(nil, lookupField(dup, []string{"k"}), "-"); string(got) != "first" {
		t.Errorf("duplicate key -> %q", got)
	}
	// Truncated msgpack reads as missing, not as a panic.
	if got, _ := appendFieldValue(nil, lookupField(dup[:5], []string{"k"}), "-"); string(got) != "-" {
		t.Errorf("truncated record -> %q", got)
	}
}

// BenchmarkFlushRecordFieldKey is BenchmarkFlush with two record fields in
// the key, read from the msgpack of every record.
func BenchmarkFlushRecordFieldKey(b *testing.B) {
	in, _ := startInstance(b, testConfig(b, b.TempDir(), map[string]string{
		"sync": "none", "upload_chunk_size": "5G", "total_file_size": "5G",
		"s3_key_format": `/$RECORD['kubernetes']['namespace_name']/service=$RECORD['service']/%Y/%m/%d/%H/$UUID`,
		"time_zone":     "America/New_York",
	}), s3api.NewMemory())
	defer in.Close()
	const records = 6000
	var c []byte
	services := []string{"api", "web", "worker"}
	for i := 0; i < records; i++ {
		c = format.AppendEvent(c, t0.Add(time.Duration(i)*100*time.Millisecond), nil, map[string]any{
			"log":        strings.Repeat("x", 150),
			"stream":     "stdout",
			"kubernetes": map[string]any{"pod_name": "p-1", "namespace_name": "prod", "labels": map[string]any{"app": "x"}},
			"service":    services[i/100%3],
		})
	}
	b.SetBytes(int64(len(c)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := in.Flush("kube.app", c); r != OK {
			b.Fatal(r)
		}
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(records*b.N)/sec, "rec/s")
	b.ReportMetric(float64(len(c)*b.N)/sec/1e6, "MB/s")
}
