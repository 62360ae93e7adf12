package sidecar

import (
	"errors"
	"strings"
	"testing"

	"github.com/s3append/s3append/source"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestConfigReadsServiceSourcesAndOutputs(t *testing.T) {
	text := `
service:
  metrics_listen: 127.0.0.1:0
  log_level: debug
  memory_limit: 64M
sources:
  - type: forward
    listen: 127.0.0.1:24224
  - type: direct
    listen: unix:///tmp/x.sock
outputs:
  - match: 'app.*'
    bucket: ${BUCKET}
    region: ${REGION:-eu-west-1}
    store_dir: /tmp/a
  - match: '*'
    alias: rest
    bucket: other
    format: parquet
    compression: zstd
`
	cfg, err := Parse("s.yaml", []byte(text), testKinds(nil), env(map[string]string{"BUCKET": "logs"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Service.MetricsListen != "127.0.0.1:0" || cfg.Service.LogLevel.String() != "debug" || cfg.Service.MemoryLimit != 64<<20 {
		t.Errorf("service read as %+v", cfg.Service)
	}
	if len(cfg.Sources) != 2 || cfg.Sources[0].Name != "forward.0" || cfg.Sources[1].Name != "direct.0" {
		t.Fatalf("sources read as %+v", cfg.Sources)
	}
	o := cfg.Outputs
	if len(o) != 2 || o[0].Name != "s3append.0" || o[1].Name != "rest" || o[0].Match != "app.*" {
		t.Fatalf("outputs read as %+v %+v", o[0], o[1])
	}
	if o[0].Conf.Bucket != "logs" || o[0].Conf.Region != "eu-west-1" || o[0].Conf.StoreDir != "/tmp/a" {
		t.Errorf("first output's options: bucket %q region %q store_dir %q", o[0].Conf.Bucket, o[0].Conf.Region, o[0].Conf.StoreDir)
	}
	if string(o[1].Conf.Format) != "parquet" || string(o[1].Conf.Compression) != "zstd" {
		t.Errorf("second output's format %s compression %s", o[1].Conf.Format, o[1].Conf.Compression)
	}
}

// Every problem of a file is reported at once, each with its line and the
// setting's name as written.
func TestConfigListsEveryProblem(t *testing.T) {
	text := `
servce:
  log_level: loud
service:
  log_level: loud
  metrics_port: 2021
sources:
  - type: forwrd
    listen: 127.0.0.1:1
  - type: forward
    listen: 127.0.0.1:24224
    shared_kee: x
  - type: direct
    listen: 127.0.0.1:24224
  - type: direct
  - type: forward
    listen: nowhere
    shared_key: ""
outputs:
  - bucket: a
  - match: '*'
    region: us-east-1
  - match: 'x'
    bucket: b
    upload_timout: 5m
    total_file_size: huge
    endpoint: ${S3_ENDPOINT}
  - match: 'y'
    bucket: c
  - match: 'z'
    bucket: c
`
	_, err := Parse("bad.yaml", []byte(text), testKinds(nil), env(nil))
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("Parse: %v, want a *ConfigError", err)
	}
	all := err.Error()
	for _, want := range []string{
		`bad.yaml:2: "servce" is not a section`, "did you mean service?",
		`bad.yaml:5: service: log_level: "loud"`,
		`bad.yaml:6: service: "metrics_port" is not a setting`,
		`bad.yaml:8: sources[0]: type: "forwrd" is not a source type; one of forward, direct; did you mean forward?`,
		`bad.yaml:12: sources[1] (forward): "shared_kee" is not a setting of a forward source; did you mean shared_key?`,
		`bad.yaml:14: sources[2] (direct): listen: 127.0.0.1:24224 is also the address of forward.0 (line 10)`,
		`sources[3] (direct): listen: missing`,
		`bad.yaml:17: sources[4] (forward): listen: "nowhere" is not host:port`,
		`sources[4] (forward): shared_key: empty`,
		`bad.yaml:20: outputs[0]: match: missing`,
		`outputs[1]: bucket`,
		`bad.yaml:25: outputs[2]: "upload_timout" is not an option of s3append; did you mean upload_timeout?`,
		`outputs[2]: total_file_size`,
		`bad.yaml:27: outputs[2]: endpoint: uses ${S3_ENDPOINT}, which is not set`,
		`bad.yaml:30: outputs[4]: store_dir /tmp/fluent-bit/s3append and bucket c are also s3append.3's (line 28)`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the problems do not say %q:\n%s", want, all)
		}
	}
}

func TestConfigRefusesWhatIsNotAConfiguration(t *testing.T) {
	for name, text := range map[string]string{
		"not yaml":    "sources: [",
		"a list":      "- a\n- b\n",
		"no sources":  "outputs:\n  - match: '*'\n    bucket: b\n",
		"no outputs":  "sources:\n  - type: direct\n    listen: 127.0.0.1:0\n",
		"nested list": "sources:\n  - type: direct\n    listen: [a, b]\noutputs:\n  - match: '*'\n    bucket: b\n",
	} {
		if _, err := Parse(name, []byte(text), testKinds(nil), env(nil)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestExpandEnv(t *testing.T) {
	lookup := env(map[string]string{"A": "1", "E": ""})
	for in, want := range map[string]string{
		"x${A}y": "x1y", "${E:-d}": "d", "${U:-d}": "d", "${A:-d}": "1", "plain $A": "plain $A",
	} {
		got, missing := expandEnv(in, lookup)
		if got != want || len(missing) > 0 {
			t.Errorf("%q expanded to %q (missing %v), want %q", in, got, missing, want)
		}
	}
	if _, missing := expandEnv("${U}", lookup); len(missing) != 1 || missing[0] != "U" {
		t.Errorf("an unset variable is reported as %v", missing)
	}
}

func TestConfigRefusesASmallOrBadMemoryLimit(t *testing.T) {
	for _, v := range []string{"1M", "lots"} {
		text := "service:\n  memory_limit: " + v + "\nsources:\n  - type: direct\n    listen: 127.0.0.1:0\noutputs:\n  - match: '*'\n    bucket: b\n"
		_, err := Parse("m.yaml", []byte(text), testKinds(nil), env(nil))
		if err == nil || !strings.Contains(err.Error(), `m.yaml:2: service: memory_limit: "`+v+`"`) {
			t.Errorf("memory_limit %s: %v", v, err)
		}
	}
}

// A kind that reads its input itself takes no listen: without it the
// source is built, with it the file is refused, naming the setting.
func TestConfigNoListenKinds(t *testing.T) {
	var built []*directSource
	kinds := append(testKinds(&built), source.Kind{Type: "puller", NoListen: true, Build: func(s *source.Settings) source.Source {
		d := &directSource{}
		built = append(built, d)
		return d
	}})
	outputs := "outputs:\n  - match: '*'\n    bucket: b\n"
	cfg, err := Parse("ok.yaml", []byte("sources:\n  - type: puller\n    tag: x\n"+outputs), kinds, env(nil))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(cfg.Sources) != 1 || cfg.Sources[0].Listen != "" || cfg.Sources[0].Name != "puller.0" {
		t.Errorf("sources %+v, want puller.0 with no listen", cfg.Sources)
	}
	_, err = Parse("bad.yaml", []byte("sources:\n  - type: puller\n    listen: 127.0.0.1:1\n"+outputs), kinds, env(nil))
	if err == nil || !strings.Contains(err.Error(), "bad.yaml:3: sources[0] (puller): listen: a puller source does not listen") {
		t.Errorf("Parse with listen on a puller: %v", err)
	}
}
