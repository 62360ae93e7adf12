package format

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// benchTime is the fixed event time the generated data starts from.
var benchTime = time.Date(2025, 11, 22, 10, 0, 0, 123456789, time.UTC)

var (
	k8sApps    = []string{"api", "web", "worker", "billing", "auth", "search"}
	k8sSpaces  = []string{"prod", "staging", "payments", "kube-system"}
	k8sMethods = []string{"GET", "POST", "PUT", "DELETE"}
	k8sStatus  = []int{200, 200, 200, 201, 204, 301, 404, 500}
)

// k8sRecord returns a realistic container-log record of about 300 bytes,
// the shape Fluent Bit's tail input and kubernetes filter produce.
func k8sRecord(rng *rand.Rand, t time.Time) map[string]any {
	app := k8sApps[rng.IntN(len(k8sApps))]
	hash := fmt.Sprintf("%08x", rng.Uint32())
	return map[string]any{
		"log": fmt.Sprintf("%s INFO request_id=%016x %s /api/v1/%s/items/%d status=%d duration=%dms\n",
			t.Format(time.RFC3339Nano), rng.Uint64(), k8sMethods[rng.IntN(len(k8sMethods))],
			app, rng.IntN(100000), k8sStatus[rng.IntN(len(k8sStatus))], rng.IntN(2000)),
		"stream": "stdout",
		"time":   t.Format(time.RFC3339Nano),
		"kubernetes": map[string]any{
			"pod_name":       fmt.Sprintf("%s-%s-%05x", app, hash, rng.IntN(1<<20)),
			"namespace_name": k8sSpaces[rng.IntN(len(k8sSpaces))],
			"container_name": app,
			"labels": map[string]any{
				"app":               app,
				"pod-template-hash": hash,
			},
			"host": fmt.Sprintf("ip-10-0-%d-%d.ec2.internal", rng.IntN(256), rng.IntN(256)),
		},
	}
}

// k8sChunk returns a chunk of current-shape events of at least size bytes
// and the number of events in it.
func k8sChunk(size int) ([]byte, int) {
	rng := rand.New(rand.NewPCG(1, 2))
	chunk := make([]byte, 0, size+1024)
	n := 0
	for len(chunk) < size {
		t := benchTime.Add(time.Duration(n) * time.Millisecond)
		chunk = AppendEvent(chunk, t, map[string]any{}, k8sRecord(rng, t))
		n++
	}
	return chunk, n
}
