// Package sample makes deterministic log records, shaped like Kubernetes
// container logs, for the end-to-end tests and the demo. Every record has
// a unique "id", so a reader of the bucket can tell lost and duplicated
// records apart.
package sample

import (
	"fmt"
	"time"

	"github.com/s3append/s3append/format"
)

var (
	namespaces = []string{"payments", "search", "checkout", "kube-system"}
	levels     = []string{"info", "info", "info", "warn", "error", "debug"}
	paths      = []string{"/api/v1/orders", "/healthz", "/api/v1/search?q=caf\u00e9", "/static/app.js"}
)

// Record returns the fields of record id.
func Record(id int64) map[string]any {
	ns := namespaces[id%int64(len(namespaces))]
	pod := fmt.Sprintf("%s-%x-%d", ns, uint32(id*2654435761)%0xffff, id%3)
	status := []int64{200, 200, 201, 404, 500}[id%5]
	return map[string]any{
		"id":         id,
		"stream":     []string{"stdout", "stderr"}[id%2],
		"level":      levels[id%int64(len(levels))],
		"log":        fmt.Sprintf("%s %s status=%d user=\"u%d\" took %dms", []string{"GET", "POST"}[id%2], paths[id%int64(len(paths))], status, id%97, id%250),
		"status":     status,
		"latency_ms": float64(id%250) + 0.25,
		"cached":     id%3 == 0,
		"kubernetes": map[string]any{
			"namespace_name": ns,
			"pod_name":       pod,
			"container_name": "app",
			"labels":         map[string]any{"app": ns, "tier": "backend"},
		},
	}
}

// Time is the event time of record id: start plus id steps.
func Time(id int64, start time.Time, step time.Duration) time.Time {
	return start.Add(time.Duration(id) * step)
}

// Chunk builds one Fluent Bit chunk (current event format) holding records
// first .. first+n-1.
func Chunk(first, n int64, start time.Time, step time.Duration) []byte {
	var b []byte
	for id := first; id < first+n; id++ {
		b = format.AppendEvent(b, Time(id, start, step), map[string]any{}, Record(id))
	}
	return b
}
