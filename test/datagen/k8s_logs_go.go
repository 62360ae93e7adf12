package datagen

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// zapLine writes zap's production JSON encoding; zap logs to stderr.
func zapLine(c *lineCtx) (string, bool) {
	rng, ts := c.rng, c.epochSeconds()
	entity := pick(rng, entities)
	switch weighted(rng, []int{45, 12, 14, 6, 3}) {
	case 0:
		return fmt.Sprintf(`{"level":"info","ts":%s,"caller":"httpserver/middleware.go:%d","msg":"request completed","method":"%s","path":%s,"status":%d,"bytes":%d,"duration":%s,"request_id":"%s"}`,
			ts, between(rng, 60, 90), c.method(), quote(c.path()), c.status(), c.bytes(), seconds(c.latencyMs()), uuid4(rng)), true
	case 1:
		return fmt.Sprintf(`{"level":"info","ts":%s,"caller":"cache/redis.go:%d","msg":"cache refreshed","keys":%d,"elapsed":"%dms"}`,
			ts, between(rng, 80, 120), logNormal(rng, 500, 1), logNormal(rng, 20, 1)), true
	case 2:
		return fmt.Sprintf(`{"level":"info","ts":%s,"caller":"grpc/interceptors.go:%d","msg":"finished call","grpc.service":"%s.v1.%sService","grpc.method":"Get%s","grpc.code":"OK","grpc.time_ms":%d,"peer.address":"%s:%d"}`,
			ts, between(rng, 40, 70), firstWord(c.pod.app), entity, entity, c.latencyMs(), c.peerIP(), between(rng, 32768, 60999)), true
	case 3:
		return fmt.Sprintf(`{"level":"warn","ts":%s,"caller":"store/postgres.go:%d","msg":"slow query","query":"SELECT id, sku, quantity, updated_at FROM %s WHERE sku = ANY($1)","rows":%d,"duration":"%dms"}`,
			ts, between(rng, 150, 260), strings.ToLower(entity)+"s", logNormal(rng, 40, 1.5), logNormal(rng, 800, 0.6)), true
	default:
		app := c.pod.app
		stack := fmt.Sprintf("github.com/%s/%s/internal/client.(*Upstream).Call\n\t/src/internal/client/upstream.go:97\ngithub.com/%s/%s/internal/api.(*Handler).Get%s\n\t/src/internal/api/handler.go:%d",
			c.cluster.company, app, c.cluster.company, app, entity, between(rng, 50, 300))
		err := fmt.Sprintf(`rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp %s:9090: connect: connection refused"`, c.peerIP())
		return fmt.Sprintf(`{"level":"error","ts":%s,"caller":"client/upstream.go:97","msg":"upstream call failed","upstream":"%s:9090","error":%s,"stacktrace":%s}`,
			ts, c.service(), quote(err), quote(stack)), true
	}
}

// seconds renders milliseconds as zap's float seconds.
func seconds(ms int) string { return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64) }

// logrusLine writes logrus's text formatter; logrus logs to stderr.
func logrusLine(c *lineCtx) (string, bool) {
	rng := c.rng
	ts := c.t.Format(time.RFC3339)
	queue := firstWord(c.pod.app) + "." + pick(rng, []string{"send", "created", "updated", "retry"})
	switch weighted(rng, []int{50, 20, 8, 4}) {
	case 0:
		return fmt.Sprintf(`time="%s" level=info msg="processed message" queue=%s message_id=%s attempt=%d duration=%dms`,
			ts, queue, uuid4(rng), 1+weighted(rng, []int{90, 8, 2}), c.latencyMs()), true
	case 1:
		return fmt.Sprintf(`time="%s" level=info msg="polled queue" queue=%s received=%d in_flight=%d`,
			ts, queue, rng.IntN(11), rng.IntN(30)), true
	case 2:
		return fmt.Sprintf(`time="%s" level=warning msg="retrying request" error="Post \"http://%s:8080/api/v1/%s\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)" attempt=%d backoff=%dms`,
			ts, c.service(), pick(rng, resources), between(rng, 1, 4), 100<<rng.IntN(5)), true
	default:
		return fmt.Sprintf(`time="%s" level=error msg="failed to deliver notification" error="smtp: 451 4.4.2 Timeout waiting for data from client" user_id=%d template=%s`,
			ts, c.id(), pick(rng, []string{"order-confirmation", "password-reset", "shipping-update", "weekly-digest"})), true
	}
}

// klogLine writes the klog header and structured message of Kubernetes
// components, which log to stderr.
func klogLine(c *lineCtx) (string, bool) {
	rng := c.rng
	header := func(severity byte, file string) string {
		return fmt.Sprintf("%c%s %7d %s:%d] ", severity, c.t.Format("0102 15:04:05.000000"), 1, file, between(rng, 60, 400))
	}
	cert := pick(rng, c.cluster.services)
	cert = cert[:strings.IndexByte(cert, '.')]
	ns := pick(rng, c.cluster.pods).namespace
	switch weighted(rng, []int{30, 20, 15, 6, 4}) {
	case 0:
		return header('I', "trigger_controller.go") + fmt.Sprintf(`"Certificate does not need re-issuance" logger="cert-manager.certificates-trigger" key="%s/%s-tls"`, ns, cert), true
	case 1:
		return header('I', "server.go") + fmt.Sprintf(`"Scraped metrics" duration="%dms" nodes=%d pods=%d`, logNormal(rng, 90, 0.5), len(c.cluster.nodes), len(c.cluster.pods)), true
	case 2:
		return header('I', "reflector.go") + fmt.Sprintf(`"Listing and watching" type="*v1.%s" reflector="k8s.io/client-go/informers/factory.go:160"`, pick(rng, []string{"Secret", "Pod", "Node", "ConfigMap"})), true
	case 3:
		n := pick(rng, c.cluster.nodes)
		ip := strings.ReplaceAll(strings.TrimPrefix(n[:strings.IndexByte(n, '.')], "ip-"), "-", ".")
		return header('W', "scraper.go") + fmt.Sprintf(`"Failed to scrape node, timeout to access kubelet" err="Get \"https://%s:10250/metrics/resource\": context deadline exceeded" node=%q timeout="10s"`, ip, n), true
	default:
		return header('E', "controller.go") + fmt.Sprintf(`"re-queuing item due to error processing" err="Operation cannot be fulfilled on certificates.cert-manager.io \"%s-tls\": the object has been modified; please apply your changes to the latest version and try again" logger="cert-manager.controller" key="%s/%s-tls"`, cert, ns, cert), true
	}
}

// goKitLine writes go-kit logfmt, as Prometheus exporters do, to stderr.
func goKitLine(c *lineCtx) (string, bool) {
	rng, ts := c.rng, c.isoMillis()
	switch weighted(rng, []int{10, 3}) {
	case 0:
		return fmt.Sprintf(`ts=%s caller=collector.go:169 level=error msg="collector failed" name=%s duration_seconds=%s err="%s"`,
			ts, pick(rng, []string{"hwmon", "thermal_zone", "netclass", "filesystem"}), seconds(logNormal(rng, 2, 1)),
			pick(rng, []string{"open /sys/class/hwmon/hwmon1/temp1_input: no such device", "read /proc/net/dev: input/output error",
				"failed to read textfile collector directory: open /var/lib/node_exporter: permission denied"})), true
	default:
		return fmt.Sprintf(`ts=%s caller=filesystem_linux.go:%d level=warn collector=filesystem msg="Mount point is in an unresponsive state" mountpoint=/var/lib/kubelet/pods/%s/volumes/kubernetes.io~nfs/data`,
			ts, between(rng, 100, 140), uuid4(rng)), true
	}
}
