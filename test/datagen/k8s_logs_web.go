package datagen

import (
	"fmt"
	"strconv"
	"strings"
)

// referer returns a page of the shop or "-".
func (c *lineCtx) referer() string {
	if chance(c.rng, 0.4) {
		return "-"
	}
	return fmt.Sprintf("https://%s/%s", c.cluster.domain, pick(c.rng, []string{"", "cart", "checkout", "account/orders", "product/" + strconv.Itoa(c.id())}))
}

// assetPath returns a path a web front end serves.
func (c *lineCtx) assetPath() string {
	rng := c.rng
	switch weighted(rng, []int{30, 15, 25, 15, 10, 5}) {
	case 0:
		return fmt.Sprintf("/static/js/%s.%s.js", pick(rng, []string{"main", "vendor", "runtime", "checkout"}), c.hex(8))
	case 1:
		return fmt.Sprintf("/static/css/app.%s.css", c.hex(8))
	case 2:
		return fmt.Sprintf("/images/products/%d-%dw.webp", c.id(), pick(rng, []int{320, 640, 1280}))
	case 3:
		return "/product/" + strconv.Itoa(c.id())
	case 4:
		return "/"
	default:
		return "/favicon.ico"
	}
}

// nginxLine writes nginx's combined format with X-Forwarded-For, or now
// and then an error log line on stderr.
func nginxLine(c *lineCtx) (string, bool) {
	rng := c.rng
	if chance(rng, 0.03) {
		return fmt.Sprintf(`%s [error] 29#29: *%d open() "/usr/share/nginx/html/%s" failed (2: No such file or directory), client: %s, server: localhost, request: "GET /%s HTTP/1.1", host: "%s"`,
			c.t.Format("2006/01/02 15:04:05"), rng.IntN(900000), "apple-touch-icon.png", c.peerIP(), "apple-touch-icon.png", c.cluster.domain), true
	}
	status := pick(rng, []int{200, 200, 200, 200, 200, 200, 304, 304, 404})
	size := c.bytes() * 20
	if status != 200 {
		size = 0
	}
	return fmt.Sprintf(`%s - - [%s] "GET %s HTTP/1.1" %d %d "%s" "%s" "%s"`,
		c.peerIP(), c.clf(), c.assetPath(), status, size, c.referer(), pick(rng, browserAgents), c.clientIP()), false
}

// ingressLine writes ingress-nginx's default upstream log format.
func ingressLine(c *lineCtx) (string, bool) {
	rng := c.rng
	svc := c.service()
	name, ns, _ := strings.Cut(strings.TrimSuffix(svc, ".svc.cluster.local"), ".")
	status, size := c.status(), c.bytes()
	secs := float64(c.latencyMs()) / 1000
	agent := pick(rng, browserAgents)
	if chance(rng, 0.2) {
		agent = pick(rng, serviceAgents)
	}
	return fmt.Sprintf(`%s - - [%s] "%s %s HTTP/2.0" %d %d "%s" "%s" %d %.3f [%s-%s-8080] [] %s:8080 %d %.3f %d %s`,
		c.clientIP(), c.clf(), c.method(), c.path(), status, size, c.referer(), agent, between(rng, 40, 900), secs+0.001,
		ns, name, c.peerIP(), size, secs, status, c.hex(32)), false
}

// pinoLine writes pino's JSON from a Node.js service, request logs from
// pino-http and application events.
func pinoLine(c *lineCtx) (string, bool) {
	rng := c.rng
	head := fmt.Sprintf(`"time":%d,"pid":1,"hostname":"%s"`, c.t.UnixMilli(), c.pod.name)
	switch weighted(rng, []int{55, 20, 6, 3}) {
	case 0:
		return fmt.Sprintf(`{"level":30,%s,"reqId":"req-%x","req":{"method":"%s","url":%s,"remoteAddress":"%s","remotePort":%d},"res":{"statusCode":%d},"responseTime":%d,"msg":"request completed"}`,
			head, rng.IntN(1<<20), c.method(), quote(c.path()), c.peerIP(), between(rng, 32768, 60999), c.status(), c.latencyMs()), false
	case 1:
		return fmt.Sprintf(`{"level":30,%s,"cartId":"%s","items":%d,"totalCents":%d,"msg":"cart recalculated"}`,
			head, uuid4(rng), between(rng, 1, 9), logNormal(rng, 6000, 0.8)), false
	case 2:
		return fmt.Sprintf(`{"level":40,%s,"flag":"%s","latencyMs":%d,"msg":"feature flag service slow, using cached value"}`,
			head, pick(rng, []string{"new-checkout", "express-shipping", "recommendations-v2"}), logNormal(rng, 1500, 0.4)), false
	default:
		stack := fmt.Sprintf("Error: connect ECONNREFUSED %s:6379\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1610:16)", c.peerIP())
		return fmt.Sprintf(`{"level":50,%s,"err":{"type":"Error","message":"connect ECONNREFUSED","stack":%s,"code":"ECONNREFUSED"},"msg":"session store unavailable"}`,
			head, quote(stack)), false
	}
}

// pythonLine writes a gunicorn access line on stdout or a logging record
// on stderr, with an occasional traceback.
func pythonLine(c *lineCtx) (string, bool) {
	rng, app := c.rng, strings.ReplaceAll(c.pod.app, "-", "_")
	ts := c.t.Format("2006-01-02 15:04:05,000")
	switch weighted(rng, []int{50, 25, 6, 2}) {
	case 0:
		return fmt.Sprintf(`%s - - [%s] "%s %s HTTP/1.1" %d %d "-" "%s"`,
			c.peerIP(), c.clf(), c.method(), c.path(), c.status(), c.bytes(), pick(rng, serviceAgents)), false
	case 1:
		return fmt.Sprintf("%s INFO [%s.service] scored %d candidates for user %d in %.1fms",
			ts, app, between(rng, 10, 200), c.id(), float64(c.latencyMs())+rng.Float64()), true
	case 2:
		return fmt.Sprintf("%s WARNING [%s.clients] retrying %s after %s (attempt %d)",
			ts, app, c.service(), pick(rng, []string{"ReadTimeout", "ConnectionError", "HTTP 503"}), between(rng, 1, 3)), true
	default:
		task := uuid4(rng)
		c.follow(true,
			"Traceback (most recent call last):",
			`  File "/usr/local/lib/python3.12/site-packages/celery/app/trace.py", line 453, in trace_task`,
			"    R = retval = fun(*args, **kwargs)",
			fmt.Sprintf(`  File "/app/%s/tasks.py", line %d, in run`, app, between(rng, 20, 200)),
			"    client.send(payload)",
			`  File "/usr/local/lib/python3.12/smtplib.py", line 986, in send_message`,
			"    return self.sendmail(from_addr, to_addrs, flatmsg, mail_options,",
			"smtplib.SMTPServerDisconnected: Connection unexpectedly closed")
		return fmt.Sprintf("%s ERROR [celery.app.trace] Task %s.tasks.run[%s] raised unexpected: SMTPServerDisconnected('Connection unexpectedly closed')",
			ts, app, task), true
	}
}
