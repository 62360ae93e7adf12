package datagen

import (
	"github.com/tinylib/msgp/msgp"

	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/format"
)

func TestKubernetesRecordShape(t *testing.T) {
	g := New(Kubernetes, 5)
	for i := range 5000 {
		ts, rec := g.Next()
		log, _ := rec["log"].(string)
		stream, _ := rec["stream"].(string)
		when, _ := rec["time"].(string)
		if log == "" || strings.ContainsAny(log, "\n\r") {
			t.Fatalf("record %d: log %q is empty or spans lines", i, log)
		}
		if stream != "stdout" && stream != "stderr" {
			t.Fatalf("record %d: stream %q", i, stream)
		}
		if parsed, err := time.Parse(time.RFC3339Nano, when); err != nil || !parsed.Equal(ts) {
			t.Fatalf("record %d: time %q does not parse to the event time %s (%v)", i, when, ts, err)
		}
		if want := when + " " + stream + " F " + log; g.Text() != want {
			t.Fatalf("record %d: Text() = %q, want %q", i, g.Text(), want)
		}
		k, ok := rec["kubernetes"].(map[string]any)
		if !ok || len(k) != 9 {
			t.Fatalf("record %d: kubernetes = %#v", i, rec["kubernetes"])
		}
		for _, key := range []string{"pod_name", "namespace_name", "pod_id", "host", "container_name", "docker_id", "container_hash", "container_image"} {
			if s, _ := k[key].(string); s == "" {
				t.Fatalf("record %d: kubernetes.%s = %#v", i, key, k[key])
			}
		}
		if labels, _ := k["labels"].(map[string]any); len(labels) < 1 || len(labels) > 5 {
			t.Fatalf("record %d: labels %#v", i, k["labels"])
		}
		if id := k["docker_id"].(string); len(id) != 64 {
			t.Fatalf("record %d: docker_id %q is not 64 hex digits", i, id)
		}
	}
}

// meanJSONLine returns the mean size of the JSON lines the plugin's own
// encoder makes of the records in chunks, newline excluded.
func meanJSONLine(t *testing.T, chunks [][]byte) float64 {
	t.Helper()
	enc := format.NewJSONEncoder(format.JSONOptions{})
	var line []byte
	total, n := 0, 0
	for _, ev := range readAll(t, chunks) {
		var err error
		if line, err = enc.AppendLine(line[:0], &ev); err != nil {
			t.Fatal(err)
		}
		total += len(line) - 1
		n++
	}
	return float64(total) / float64(n)
}

func TestKubernetesSizes(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		const n = 10000
		chunks, raw := Chunks(Kubernetes, seed, n, 1<<20)
		// The metadata alone (two 64-digit IDs, an image digest, a UUID,
		// registry paths) is about 650 bytes on EKS.
		mean := meanJSONLine(t, chunks)
		t.Logf("seed %d: mean JSON record %.0f bytes, mean CRI line %.0f bytes", seed, mean, float64(raw)/n-1)
		if mean < 750 || mean > 1200 {
			t.Errorf("seed %d: mean JSON record %.0f bytes, want 750–1200", seed, mean)
		}
		if mean := float64(raw) / n; mean < 180 || mean > 400 {
			t.Errorf("seed %d: mean CRI line %.0f bytes, want 180–400", seed, mean)
		}
	}
}

func TestKubernetesCardinality(t *testing.T) {
	const n = 100000
	g := New(Kubernetes, 11)
	pods := map[string]string{} // pod name → namespace/host/docker_id
	namespaces, hosts, labelSets := map[string]bool{}, map[string]bool{}, map[string]bool{}
	same, stderr, jsonLogs, stackLines := 0, 0, 0, 0
	prev := ""
	for range n {
		_, rec := g.Next()
		k := rec["kubernetes"].(map[string]any)
		name := k["pod_name"].(string)
		where := k["namespace_name"].(string) + "/" + k["host"].(string) + "/" + k["docker_id"].(string)
		if old, seen := pods[name]; seen && old != where {
			t.Fatalf("pod %s moved from %s to %s", name, old, where)
		}
		pods[name] = where
		namespaces[k["namespace_name"].(string)] = true
		hosts[k["host"].(string)] = true
		var keys []string
		for key := range k["labels"].(map[string]any) {
			keys = append(keys, key)
		}
		slices.Sort(keys)
		labelSets[strings.Join(keys, ",")] = true
		if name == prev {
			same++
		}
		prev = name
		if rec["stream"] == "stderr" {
			stderr++
		}
		log := rec["log"].(string)
		if strings.HasPrefix(log, "{") {
			jsonLogs++
		}
		if strings.HasPrefix(log, "\tat ") || strings.HasPrefix(log, "  File ") {
			stackLines++
		}
	}
	if len(pods) < 20 || len(pods) > 200 {
		t.Errorf("%d distinct pods, want 20–200", len(pods))
	}
	if len(namespaces) != 12 || len(hosts) != 8 {
		t.Errorf("%d namespaces and %d hosts, want 12 and 8", len(namespaces), len(hosts))
	}
	if len(labelSets) < 4 {
		t.Errorf("%d distinct label key sets, want workloads to differ", len(labelSets))
	}
	if f := float64(same) / n; f < 0.7 || f > 0.95 {
		t.Errorf("%.2f of records follow one from the same pod, want bursts (0.7–0.95)", f)
	}
	if f := float64(stderr) / n; f < 0.05 || f > 0.7 {
		t.Errorf("%.2f of records on stderr", f)
	}
	if f := float64(jsonLogs) / n; f < 0.03 || f > 0.6 {
		t.Errorf("%.2f of log lines are JSON, want some", f)
	}
	if stackLines == 0 {
		t.Error("no stack trace lines")
	}
}

func TestKubernetesCompactSizes(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		const n = 10000
		chunks, _ := Chunks(KubernetesCompact, seed, n, 1<<20)
		mean := meanJSONLine(t, chunks)
		t.Logf("seed %d: mean compact JSON record %.0f bytes", seed, mean)
		if mean < 380 || mean > 520 {
			t.Errorf("seed %d: mean compact JSON record %.0f bytes, want 380–520", seed, mean)
		}
		for i, ev := range readAll(t, chunks)[:100] {
			rec, _, err := msgp.ReadMapStrIntfBytes(ev.Record, nil)
			if err != nil {
				t.Fatal(err)
			}
			k, _ := rec["kubernetes"].(map[string]any)
			if len(k) != 4 || k["pod_name"] == nil || k["namespace_name"] == nil || k["host"] == nil || k["container_name"] == nil {
				t.Fatalf("record %d: kubernetes = %#v, want pod, namespace, host and container", i, rec["kubernetes"])
			}
		}
	}
}
