// Command demo runs s3append end to end on this machine: it starts a local
// S3-compatible server, loads build/out_s3append.so into flbhost (which
// calls it exactly as Fluent Bit's Go proxy does), feeds it sample
// Kubernetes-style logs, and shows where the objects landed and what DuckDB
// reads from them; then it does the same through the s3append sidecar,
// fed over the forward protocol and HTTP. Run it with `make demo`.
package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/s3append/s3append/test/e2e/duckdb"
	"github.com/s3append/s3append/test/e2e/feed"
	"github.com/s3append/s3append/test/e2e/s3server"
	"github.com/s3append/s3append/test/e2e/sample"
)

const (
	bucket   = "demo-logs"
	records  = 60000
	perChunk = 500
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := s3server.RepoRoot()
	if err != nil {
		return err
	}
	work := filepath.Join(root, "build", "demo")
	os.RemoveAll(work)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	so, hostBin := filepath.Join(root, "build", "out_s3append.so"), filepath.Join(root, "build", "flbhost")
	for _, p := range []string{so, hostBin} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%s is missing: run `make demo`, which builds it", p)
		}
	}

	step("starting a local S3 server (versitygw)")
	srv, err := s3server.Start(filepath.Join(work, "s3"))
	if err != nil {
		return err
	}
	defer srv.Stop()
	store, err := srv.Store(bucket)
	if err != nil {
		return err
	}
	if err := store.CreateBucket(context.Background()); err != nil {
		return err
	}
	fmt.Printf("  %s, bucket %q\n", srv.Endpoint, bucket)

	step(fmt.Sprintf("writing %d sample records as Fluent Bit chunks (3 services, 3 hours of event time)", records))
	start := time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour)
	var fb bytes.Buffer
	w := feed.NewWriter(&fb)
	services := []string{"web", "api", "worker"}
	for first := int64(0); first < records; first += perChunk {
		tag := "kube." + services[(first/perChunk)%3] + ".log"
		if err := w.Write(tag, sample.Chunk(first, perChunk, start, 150*time.Millisecond)); err != nil {
			return err
		}
	}
	feedPath := filepath.Join(work, "feed.bin")
	if err := os.WriteFile(feedPath, fb.Bytes(), 0o644); err != nil {
		return err
	}
	config := fmt.Sprintf(`[SERVICE]
    Grace 5

[OUTPUT]
    Name              s3append
    Match             kube.*
    Workers           2
    Retry_Limit       no_limits
    bucket            %s
    region            %s
    endpoint          %s
    use_path_style    true
    checksum          when_required
    store_dir         %s
    s3_key_format     /logs/service=$TAG[1]/dt=%%Y-%%m-%%d/hour=%%H/$UUID.json.gz
    compression       gzip

# The same records once more, as Parquet (schema inferred, zstd pages).
[OUTPUT]
    Name              s3append
    Match             kube.*
    Retry_Limit       no_limits
    bucket            %[1]s
    region            %[2]s
    endpoint          %[3]s
    use_path_style    true
    checksum          when_required
    store_dir         %[5]s
    s3_key_format     /parquet/service=$TAG[1]/dt=%%Y-%%m-%%d/hour=%%H/$UUID.parquet
    format            parquet
`, bucket, srv.Region, srv.Endpoint, filepath.Join(work, "buffer"), filepath.Join(work, "buffer-parquet"))
	confPath := filepath.Join(work, "fluent-bit.conf")
	if err := os.WriteFile(confPath, []byte(config), 0o644); err != nil {
		return err
	}
	fmt.Printf("  configuration: %s\n", confPath)

	step("running the plugin: flbhost -e build/out_s3append.so -c fluent-bit.conf")
	cmd := exec.Command(hostBin, "-e", so, "-c", confPath, "-f", feedPath, "-a", filepath.Join(work, "acks.log"))
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+srv.SecretKey, "AWS_EC2_METADATA_DISABLED=true")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	began := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("flbhost: %w", err)
	}
	fmt.Printf("  done in %s\n", time.Since(began).Round(time.Millisecond))

	step("objects in s3://" + bucket)
	objs, err := store.ListObjects(context.Background(), "")
	if err != nil {
		return err
	}
	down := filepath.Join(work, "objects")
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

	for _, q := range []struct{ what, from string }{
		{"JSON lines", fmt.Sprintf("read_json('%s/logs/**/*.json.gz', format='newline_delimited', hive_partitioning=true)", down)},
		{"Parquet", fmt.Sprintf("read_parquet('%s/parquet/**/*.parquet', hive_partitioning=true)", down)},
	} {
		if err := summarize(q.what, q.from); err != nil {
			return err
		}
	}
	if err := runSidecar(root, work, srv, store); err != nil {
		return err
	}
	fmt.Printf("\n  Objects are kept in %s; the S3 server's data in %s.\n", down, filepath.Join(work, "s3"))
	return nil
}

// summarize runs the demo query over one format's objects and checks that
// every record sent was read back.
func summarize(what, from string) error {
	query := fmt.Sprintf(`SELECT service, dt, hour, count(*) AS records, count(DISTINCT id) AS ids,
       sum(CASE WHEN level = 'error' THEN 1 ELSE 0 END) AS errors, round(avg(latency_ms), 1) AS avg_latency_ms
FROM %s
GROUP BY ALL ORDER BY ALL`, from)
	step("DuckDB over the downloaded " + what + " objects (hive partitions from the keys):")
	fmt.Println(indent(query))
	rows, err := duckdb.Query(query)
	if err != nil {
		return err
	}
	cols := []string{"service", "dt", "hour", "records", "ids", "errors", "avg_latency_ms"}
	fmt.Printf("\n  %-8s %-10s %-4s %8s %8s %7s %14s\n", "service", "dt", "hour", "records", "ids", "errors", "avg_latency_ms")
	total := 0
	for _, r := range rows {
		var v []any
		for _, c := range cols {
			v = append(v, r[c])
		}
		fmt.Printf("  %-8v %-10v %-4v %8v %8v %7v %14v\n", v...)
		var n int
		fmt.Sscan(fmt.Sprint(r["records"]), &n)
		total += n
	}
	fmt.Printf("\n  %d records sent, %d read back by DuckDB from the %s objects.\n", records, total, what)
	if total != records {
		return fmt.Errorf("DuckDB read %d records from the %s objects, %d were sent", total, what, records)
	}
	return nil
}

func step(s string) { fmt.Printf("\n==> %s\n", s) }

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }
