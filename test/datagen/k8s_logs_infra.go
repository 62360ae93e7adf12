package datagen

import (
	"fmt"
	"strings"
)

// postgresLine writes PostgreSQL's stderr log with the default prefix.
func postgresLine(c *lineCtx) (string, bool) {
	rng := c.rng
	prefix := fmt.Sprintf("%s UTC [%d] ", c.t.Format("2006-01-02 15:04:05.000"), between(rng, 100, 90000))
	table := pick(rng, resources)
	switch weighted(rng, []int{40, 20, 10, 5, 3}) {
	case 0:
		return prefix + fmt.Sprintf("LOG:  duration: %d.%03d ms  statement: SELECT * FROM %s WHERE customer_id = %d ORDER BY created_at DESC LIMIT 50",
			logNormal(rng, 600, 0.6), rng.IntN(1000), table, c.id()), true
	case 1:
		return prefix + fmt.Sprintf(`LOG:  connection authorized: user=%s database=%s application_name=PostgreSQL JDBC Driver`,
			strings.ReplaceAll(pick(rng, c.cluster.pods).app, "-", "_"), "orders"), true
	case 2:
		return prefix + fmt.Sprintf("LOG:  checkpoint complete: wrote %d buffers (%.1f%%); 0 WAL file(s) added, 0 removed, %d recycled; write=%d.%03d s, sync=0.%03d s, total=%d.%03d s",
			logNormal(rng, 2000, 1), rng.Float64()*12, rng.IntN(4), between(rng, 20, 270), rng.IntN(1000), rng.IntN(1000), between(rng, 20, 270), rng.IntN(1000)), true
	case 3:
		return prefix + fmt.Sprintf("LOG:  automatic vacuum of table \"orders.public.%s\": index scans: 1", table), true
	default:
		return prefix + fmt.Sprintf(`ERROR:  duplicate key value violates unique constraint "%s_pkey"`, table), true
	}
}

// redisLine writes Redis's server log.
func redisLine(c *lineCtx) (string, bool) {
	rng := c.rng
	ts := c.t.Format("02 Jan 2006 15:04:05.000")
	switch weighted(rng, []int{4, 4, 4, 1}) {
	case 0:
		return fmt.Sprintf("1:M %s * %d changes in %d seconds. Saving...", ts, pick(rng, []int{1, 100, 10000}), pick(rng, []int{60, 300, 3600})), false
	case 1:
		return fmt.Sprintf("1:M %s * Background saving started by pid %d", ts, between(rng, 1000, 60000)), false
	case 2:
		return fmt.Sprintf("%d:C %s * DB saved on disk", between(rng, 1000, 60000), ts), false
	default:
		return fmt.Sprintf("1:M %s # Client id=%d addr=%s:%d laddr=%s:6379 fd=%d name= age=%d idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=20474 argv-mem=0 multi-mem=0 rbs=1024 rbp=42 obl=0 oll=0 omem=0 tot-mem=1928 events=r cmd=client|list user=default redir=-1 resp=2 closed for overcoming of output buffer limits.",
			ts, rng.IntN(900000), c.peerIP(), between(rng, 32768, 60999), c.pod.ip, between(rng, 8, 400), rng.IntN(86400)), false
	}
}

// coreDNSLine writes CoreDNS's log plugin line for one query.
func coreDNSLine(c *lineCtx) (string, bool) {
	rng := c.rng
	name := c.service() + "."
	if chance(c.rng, 0.3) { // ndots:5 makes clients try search domains first
		name = c.service() + "." + pick(rng, c.cluster.pods).namespace + ".svc.cluster.local."
	}
	rcode, flags := "NOERROR", "qr,aa,rd"
	if strings.Count(name, "svc.cluster.local") > 1 {
		rcode, flags = "NXDOMAIN", "qr,aa,rd"
	}
	return fmt.Sprintf(`[INFO] %s:%d - %d "%s IN %s udp %d false 512" %s %s %d %s`,
		c.peerIP(), between(rng, 32768, 60999), rng.IntN(65536), pick(rng, []string{"A", "A", "AAAA"}), name,
		len(name)+29, rcode, flags, len(name)+between(rng, 60, 130), seconds(max(1, rng.IntN(3)))+"s"), false
}

// fluentBitLine writes Fluent Bit's own log, to stderr.
func fluentBitLine(c *lineCtx) (string, bool) {
	rng := c.rng
	ts := c.t.Format("[2006/01/02 15:04:05]")
	p := pick(rng, c.cluster.pods)
	file := fmt.Sprintf("/var/log/containers/%s_%s_%s-%s.log", p.name, p.namespace, p.container, p.dockerID)
	switch weighted(rng, []int{5, 5, 2}) {
	case 0:
		return fmt.Sprintf("%s [ info] [input:tail:tail.0] inotify_fs_add(): inode=%d watch_fd=%d name=%s", ts, between(rng, 1e6, 9e7), between(rng, 1, 200), file), true
	case 1:
		return fmt.Sprintf("%s [ info] [input:tail:tail.0] inotify_fs_remove(): inode=%d watch_fd=%d", ts, between(rng, 1e6, 9e7), between(rng, 1, 200)), true
	default:
		return fmt.Sprintf("%s [ warn] [engine] failed to flush chunk '1-%d.%09d.flb', retry in %d seconds: task_id=%d, input=tail.0 > output=s3.0 (out_id=0)",
			ts, c.t.Unix(), rng.IntN(1e9), between(rng, 5, 60), rng.IntN(40)), true
	}
}
