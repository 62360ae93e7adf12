package lint

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/s3append/s3append/sidecar"
	"github.com/s3append/s3append/source"
)

// sourceKinds are the source types the s3append binary serves: a type or
// a setting it does not know is a problem here as it would be at start.
var sourceKinds = sidecar.Kinds

// sidecarRequiredEnv are test values of the variables the shipped sidecar
// configurations leave without a default on purpose: the user must set them.
var sidecarRequiredEnv = map[string]string{"S3_BUCKET": "test-bucket"}

// sidecarFile is a sidecar configuration as s3append reads it.
type sidecarFile struct {
	cfg *sidecar.Config
	// raw are the settings of each item of sources: as written, in order
	// (socket_mode is not in sidecar.Config).
	raw []map[string]string
}

// checkSidecarConfig reads a sidecar configuration with sidecar.Parse,
// the function ReadFile runs on the file, answering ${NAME} from env
// rather than from this process's environment, and checks what every
// shipped configuration must get right beyond that: metrics_listen is set
// and reachable from outside the container (probes, Prometheus), and no
// buffer is under /tmp. cfg is nil when s3append would refuse the file.
func checkSidecarConfig(file, text string, env map[string]string) (*sidecarFile, problems) {
	var found problems
	cfg, err := sidecar.Parse(file, []byte(text), sourceKinds, func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	})
	var ce *sidecar.ConfigError
	switch {
	case errors.As(err, &ce):
		for _, p := range ce.Problems {
			found.add("sidecar.Parse: %s", p)
		}
		return &sidecarFile{}, found
	case err != nil:
		found.add("%s: sidecar.Parse: %v", file, err)
		return &sidecarFile{}, found
	}
	sf := &sidecarFile{cfg: cfg}
	var doc struct {
		Sources []map[string]string `yaml:"sources"`
	}
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		found.add("%s: sources are not key: value settings: %v", file, err)
	}
	sf.raw = doc.Sources
	if m := cfg.Service.MetricsListen; m == "" {
		found.add("%s: service: metrics_listen is not set: no /healthz, /readyz for probes, no /metrics", file)
	} else if host, _, err := net.SplitHostPort(m); err != nil || !unspecified(host) {
		found.add("%s: service: metrics_listen %s answers only inside the container; listen on 0.0.0.0", file, m)
	}
	for _, o := range cfg.Outputs {
		if d := path.Clean(o.Conf.StoreDir); d == "/tmp" || strings.HasPrefix(d, "/tmp/") {
			found.add("%s: output %s: store_dir %s is under /tmp, which does not outlive the container", file, o.Name, o.Conf.StoreDir)
		}
	}
	return sf, found
}

// setting returns a raw setting of the i-th source.
func (sf *sidecarFile) setting(i int, key string) string {
	if i < len(sf.raw) {
		return sf.raw[i][key]
	}
	return ""
}

// unspecified says whether host is every address: reachable from outside.
func unspecified(host string) bool {
	ip := net.ParseIP(host)
	return host == "" || ip != nil && ip.IsUnspecified()
}

// tcpListen splits the listen setting of a TCP source; ok is false for a
// unix socket.
func tcpListen(listen string) (host string, port int32, ok bool) {
	network, addr, err := source.SplitListen(listen)
	if err != nil || network != "tcp" {
		return "", 0, false
	}
	h, p, err := net.SplitHostPort(addr)
	n, perr := strconv.ParseUint(p, 10, 16)
	if err != nil || perr != nil {
		return "", 0, false
	}
	return h, int32(n), true
}

// metricsPort is the port of service: metrics_listen (0: none).
func metricsPort(cfg *sidecar.Config) int32 {
	_, p, ok := tcpListen(cfg.Service.MetricsListen)
	if !ok {
		return 0
	}
	return p
}

// sidecarConfigFiles are the sidecar configurations shipped as files:
// the image's default and the examples beside the plugin's.
func sidecarConfigFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"conf/sidecar*.yaml", "conf/sidecar*.yml", "deploy/docker/*.yaml", "deploy/docker/*.yml"} {
		matches, err := fs.Glob(os.DirFS(repoRoot), pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range matches {
			if sidecar.IsSidecarFile(filepath.Join(repoRoot, filepath.FromSlash(m))) {
				files = append(files, m)
			}
		}
	}
	if !slices.Contains(files, sidecarDefaultConfRel) {
		t.Fatalf("%s is not found as a sidecar configuration among %v", sidecarDefaultConfRel, files)
	}
	return files
}

func TestSidecarConfigs(t *testing.T) {
	for _, f := range sidecarConfigFiles(t) {
		_, found := checkSidecarConfig(f, readRepo(t, f), sidecarRequiredEnv)
		expectClean(t, f, found)
	}
}

func TestSidecarConfigRefuses(t *testing.T) {
	real := readRepo(t, sidecarDefaultConfRel)
	for _, r := range []refusal{
		{"unknown type", "type: otlp", "type: otel", `"otel" is not a source type`},
		{"tag on forward", "    listen: 0.0.0.0:24224\n", "    listen: 0.0.0.0:24224\n    tag: x\n", "(forward): tag:"},
		{"unset variable", "${S3_REGION:-us-east-1}", "${S3_REGION}", "uses ${S3_REGION}, which is not set"},
		{"bad option", "${S3_UPLOAD_TIMEOUT:-10m}", "soon", "upload_timeout"},
		{"unknown option", "    store_dir: /var/lib/s3append\n", "    store_dir: /var/lib/s3append\n    bucket_name: x\n", `"bucket_name" is not an option`},
		// The checks below need the configuration accepted: every source type
		// of the file in sidecar.Kinds.
		{"unknown setting", "    listen: 0.0.0.0:8080\n", "    listen: 0.0.0.0:8080\n    lisen: x\n", `"lisen" is not a setting of a http source`},
		{"two on one port", "listen: 0.0.0.0:4318", "listen: 0.0.0.0:8080", "is also the address of"},
		{"no metrics", "  metrics_listen: 0.0.0.0:2021\n", "", "metrics_listen is not set"},
		{"metrics on loopback", "metrics_listen: 0.0.0.0:2021", "metrics_listen: 127.0.0.1:2021", "answers only inside the container"},
		{"store_dir in tmp", "store_dir: /var/lib/s3append", "store_dir: /tmp/s3append", "store_dir /tmp/s3append is under /tmp"},
		{"store_dir default", "    store_dir: /var/lib/s3append\n", "", "store_dir /tmp/fluent-bit/s3append is under /tmp"},
	} {
		_, found := checkSidecarConfig("broken.yaml", mutate(t, real, r.old, r.new), sidecarRequiredEnv)
		expectRefusal(t, r.name, found, r.want)
	}
	_, found := checkSidecarConfig("no-env.yaml", real, nil)
	expectRefusal(t, "bucket required", found, "uses ${S3_BUCKET}, which is not set")
}
