package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/fluent/fluent-logger-golang/fluent"

	"github.com/s3append/s3append/out_s3append/s3api"
	"github.com/s3append/s3append/test/e2e/duckdb"
	"github.com/s3append/s3append/test/e2e/s3server"
	"github.com/s3append/s3append/test/e2e/sidecarproc"
)

// sidecarRecords is how many records each client sends the sidecar.
const sidecarRecords = 20000

// runSidecar shows the same engine in the s3append binary: a Fluentd-style
// client (fluent-logger-golang, waiting for acks) over the forward
// protocol and a Vector-style client (gzip NDJSON over HTTP), then DuckDB
// over what landed.
func runSidecar(root, work string, srv *s3server.Server, store s3api.Store) error {
	bin := filepath.Join(root, "build", "s3append")
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s is missing: run `make demo`, which builds it", bin)
	}
	config := fmt.Sprintf(`service:
  metrics_listen: 127.0.0.1:0
sources:
  - type: forward          # Fluentd, Fluent Bit's forward output, Docker's fluentd driver
    listen: 127.0.0.1:0
  - type: http             # Vector's http sink, curl: POST /<tag>
    listen: 127.0.0.1:0
outputs:
  - match: '*'
    bucket: %s
    region: %s
    endpoint: %s
    use_path_style: true
    checksum: when_required
    store_dir: %s
    s3_key_format: /sidecar/via=$TAG[0]/dt=%%Y-%%m-%%d/$UUID.json.gz
    shutdown_timeout: 5m
`, bucket, srv.Region, srv.Endpoint, filepath.Join(work, "sidecar-buffer"))
	confPath := filepath.Join(work, "s3append.yaml")
	if err := os.WriteFile(confPath, []byte(config), 0o644); err != nil {
		return err
	}
	step("running the sidecar: build/s3append -c " + confPath)
	p, err := sidecarproc.Start(bin, confPath, []string{"forward.0", "http.0"}, true, time.Minute,
		"AWS_ACCESS_KEY_ID="+srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+srv.SecretKey, "AWS_EC2_METADATA_DISABLED=true")
	if err != nil {
		return err
	}
	defer p.Kill()
	fmt.Printf("  forward on %s, http on %s\n", p.Addr("forward.0"), p.Addr("http.0"))

	step(fmt.Sprintf("sending %d records with fluent-logger-golang (acks on) and %d as gzip NDJSON over HTTP", sidecarRecords, sidecarRecords))
	if err := sendForward(p.Addr("forward.0")); err != nil {
		return err
	}
	if err := sendHTTP(p.Addr("http.0")); err != nil {
		return err
	}
	step("stopping it (SIGTERM): what is buffered is uploaded before it exits")
	if err := p.Stop(); err != nil {
		return fmt.Errorf("s3append: %v\n%s", err, p.Log())
	}
	down := filepath.Join(work, "sidecar-objects")
	objs, err := store.ListObjects(context.Background(), "sidecar/")
	if err != nil {
		return err
	}
	for _, o := range objs {
		body, _, err := store.GetObject(context.Background(), o.Key)
		if err != nil {
			return err
		}
		path := filepath.Join(down, filepath.FromSlash(o.Key))
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, body, 0o644); err != nil {
			return err
		}
		fmt.Printf("  %8d bytes  %s\n", o.Size, o.Key)
	}
	query := fmt.Sprintf(`SELECT via, count(*) AS records, count(DISTINCT seq) AS distinct_seq
FROM read_json('%s/sidecar/**/*.json.gz', format='newline_delimited', hive_partitioning=true)
GROUP BY via ORDER BY via`, down)
	step("DuckDB over the sidecar's objects:")
	fmt.Println(indent(query))
	rows, err := duckdb.Query(query)
	if err != nil {
		return err
	}
	fmt.Printf("\n  %-8s %8s %12s\n", "via", "records", "distinct_seq")
	for _, r := range rows {
		fmt.Printf("  %-8v %8v %12v\n", r["via"], r["records"], r["distinct_seq"])
		if fmt.Sprint(r["records"]) != fmt.Sprint(sidecarRecords) || fmt.Sprint(r["distinct_seq"]) != fmt.Sprint(sidecarRecords) {
			return fmt.Errorf("%v: DuckDB read %v records (%v distinct), %d were sent", r["via"], r["records"], r["distinct_seq"], sidecarRecords)
		}
	}
	if len(rows) != 2 {
		return fmt.Errorf("DuckDB found %d sources in the sidecar's objects, want forward and http", len(rows))
	}
	return nil
}

func sendForward(addr string) error {
	host, port, err := splitHostPort(addr)
	if err != nil {
		return err
	}
	f, err := fluent.New(fluent.Config{FluentHost: host, FluentPort: port, RequestAck: true, BufferLimit: 8 << 20})
	if err != nil {
		return err
	}
	defer f.Close()
	for i := 0; i < sidecarRecords; i++ {
		rec := map[string]any{"seq": i, "level": []string{"info", "warn", "error"}[i%3], "msg": fmt.Sprintf("forward record %d", i)}
		if err := f.Post("forward.app", rec); err != nil {
			return fmt.Errorf("forward: record %d: %w", i, err)
		}
	}
	return nil
}

func sendHTTP(addr string) error {
	const batch = 2000
	for first := 0; first < sidecarRecords; first += batch {
		var body bytes.Buffer
		zw := gzip.NewWriter(&body)
		for i := first; i < first+batch; i++ {
			fmt.Fprintf(zw, `{"seq":%d,"level":"info","msg":"http record %d","timestamp":"%s"}`+"\n", i, i, time.Now().UTC().Format(time.RFC3339Nano))
		}
		zw.Close()
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/http.app", &body)
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Content-Encoding", "gzip")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("http: POST answered %s", resp.Status)
		}
	}
	return nil
}

func splitHostPort(addr string) (string, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(port)
	return host, n, err
}
