// Package datagen generates realistic, seeded log data for benchmarks and
// tests: Kubernetes container logs as Fluent Bit's tail input and
// kubernetes filter emit them, and Amazon S3 server access logs.
//
// Output depends only on the seed: the same seed gives byte-identical
// records, text lines and chunks on every run and machine. All choices come
// from one PCG stream and from ordered slices, never from map iteration.
package datagen

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Set names one of the generated data sets.
type Set int

const (
	// Kubernetes is container logs from a small cluster, enriched with pod
	// metadata by Fluent Bit's kubernetes filter.
	Kubernetes Set = iota
	// S3Access is Amazon S3 server access log records.
	S3Access
	// KubernetesCompact is the same container logs with lean metadata
	// (pod, namespace, container and node; no labels, IDs or image) and
	// no "time" field, as the CRI parser leaves it by default. Records
	// average about 440 bytes as JSON, against about 950 for Kubernetes:
	// the nearer of the two to the short records per-record speed
	// targets are usually stated for.
	KubernetesCompact
)

func (s Set) String() string {
	switch s {
	case Kubernetes:
		return "kubernetes"
	case S3Access:
		return "s3access"
	case KubernetesCompact:
		return "kubernetes-compact"
	}
	return fmt.Sprintf("Set(%d)", int(s))
}

// startTime is the event time of the first record of every generator.
var startTime = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

// source makes records of one set; text is the raw line of the last one.
type source interface {
	next(rng *rand.Rand, t time.Time) (record map[string]any, text string, gap time.Duration)
}

// Generator yields records of one set deterministically from a seed.
// It is not safe for concurrent use.
type Generator struct {
	rng  *rand.Rand
	src  source
	now  time.Time
	text string
}

// New returns a generator of set whose output is fixed by seed. It panics
// on an unknown set.
func New(set Set, seed uint64) *Generator {
	// The second PCG word separates the sets' streams for equal seeds.
	rng := rand.New(rand.NewPCG(seed, 0x5eed_da7a_0000+uint64(set)))
	g := &Generator{rng: rng, now: startTime}
	switch set {
	case Kubernetes:
		g.src = newCluster(rng)
	case S3Access:
		g.src = newS3Account(rng)
	case KubernetesCompact:
		c := newCluster(rng)
		c.compact = true
		g.src = c
	default:
		panic(fmt.Sprintf("datagen: unknown set %d", int(set)))
	}
	return g
}

// Next returns the next record and its event time. Event times start at
// 2026-11-22T00:00:00Z and advance by a few milliseconds per record on
// average. Each call returns fresh maps that the caller may keep or change.
func (g *Generator) Next() (t time.Time, record map[string]any) {
	t = g.now
	var gap time.Duration
	record, g.text, gap = g.src.next(g.rng, t)
	g.now = t.Add(gap)
	return t, record
}

// Text returns the raw text form of the record last returned by Next,
// without a trailing newline: the access-log line for S3Access, the CRI
// log line "<time> <stream> F <log>" for Kubernetes.
func (g *Generator) Text() string { return g.text }
