package datagen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// logStyle is the logging library or server format a container writes.
type logStyle int

const (
	styleSpring     logStyle = iota // Spring Boot console pattern
	styleSpringJSON                 // Spring Boot with a Logstash JSON encoder
	styleZap                        // Go, zap production JSON (stderr)
	styleLogrus                     // Go, logrus text format (stderr)
	styleKlog                       // Kubernetes components (stderr)
	styleGoKit                      // Prometheus exporters, go-kit logfmt (stderr)
	styleNginx                      // nginx combined access log
	styleIngress                    // ingress-nginx upstream access log
	stylePino                       // Node.js pino JSON
	stylePython                     // gunicorn access log and Python logging
	stylePostgres
	styleRedis
	styleCoreDNS
	styleFluentBit
)

// styles writes one log line for a pod; a style may queue continuation
// lines (stack traces) on the pod, which follow in the same burst.
var styles = [...]func(c *lineCtx) (text string, stderr bool){
	styleSpring:     springLine,
	styleSpringJSON: springJSONLine,
	styleZap:        zapLine,
	styleLogrus:     logrusLine,
	styleKlog:       klogLine,
	styleGoKit:      goKitLine,
	styleNginx:      nginxLine,
	styleIngress:    ingressLine,
	stylePino:       pinoLine,
	stylePython:     pythonLine,
	stylePostgres:   postgresLine,
	styleRedis:      redisLine,
	styleCoreDNS:    coreDNSLine,
	styleFluentBit:  fluentBitLine,
}

// lineCtx is what a style needs to write one line.
type lineCtx struct {
	rng     *rand.Rand
	t       time.Time
	pod     *pod
	cluster *cluster
}

// follow queues continuation lines written right after the current one.
func (c *lineCtx) follow(stderr bool, lines ...string) {
	c.pod.pending = append(c.pod.pending[:0], lines...)
	c.pod.pendingStderr = stderr
}

func (c *lineCtx) method() string { return httpMethods[weighted(c.rng, httpMethodWeights)] }
func (c *lineCtx) status() int    { return httpStatuses[weighted(c.rng, httpStatusWeights)] }
func (c *lineCtx) latencyMs() int { return logNormal(c.rng, 14, 1.1) }
func (c *lineCtx) service() string {
	return pick(c.rng, c.cluster.services)
}
func (c *lineCtx) peerIP() string   { return pick(c.rng, c.cluster.pods).ip }
func (c *lineCtx) clientIP() string { return pick(c.rng, c.cluster.clientIPs) }
func (c *lineCtx) id() int          { return logNormal(c.rng, 40000, 1.5) }
func (c *lineCtx) hex(n int) string { return randString(c.rng, lowerHex, n) }

// path returns the path and query of an API request.
func (c *lineCtx) path() string {
	res := pick(c.rng, resources)
	switch weighted(c.rng, []int{45, 25, 15, 10, 5}) {
	case 0:
		return fmt.Sprintf("/api/v1/%s/%d", res, c.id())
	case 1:
		return fmt.Sprintf("/api/v1/%s?page=%d&limit=%d", res, between(c.rng, 1, 40), pick(c.rng, []int{20, 50, 100}))
	case 2:
		return fmt.Sprintf("/api/v2/%s/%s/items", res, uuid4(c.rng))
	case 3:
		return "/healthz"
	default:
		return fmt.Sprintf("/api/v1/%s/search?q=%s&sort=relevance", res, pick(c.rng, searchTerms))
	}
}

var searchTerms = []string{"running+shoes", "usb-c+cable", "coffee", "winter+jacket", "headphones", "desk+lamp", "yoga+mat"}

// bytes returns a response body size.
func (c *lineCtx) bytes() int { return logNormal(c.rng, 900, 1.3) }

// Timestamp layouts of the libraries the styles imitate.
func (c *lineCtx) isoMillis() string { return c.t.Format("2006-01-02T15:04:05.000Z07:00") }
func (c *lineCtx) clf() string       { return c.t.Format("02/Jan/2006:15:04:05 -0700") }
func (c *lineCtx) epochSeconds() string {
	return strconv.FormatFloat(float64(c.t.UnixMicro())/1e6, 'f', -1, 64)
}

// quote writes s as a JSON string; the generated text is ASCII, for which
// Go's quoting and JSON's agree.
func quote(s string) string { return strconv.Quote(s) }

// camel turns "checkout-api" into "CheckoutApi" for class and type names.
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// firstWord returns the first dash-separated word of an app name.
func firstWord(s string) string {
	if i := strings.IndexByte(s, '-'); i > 0 {
		return s[:i]
	}
	return s
}
