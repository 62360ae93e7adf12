package lint

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// composeInputs is what the compose check reads: the compose file and,
// through readFile, the files it bind-mounts (absolute paths).
type composeInputs struct {
	compose  string
	readFile func(abs string) ([]byte, error)
}

const (
	composeRel = "test/e2e/docker-compose.yml"
	// linesVar is how TestDockerCompose tells the log-writer how many
	// lines to write.
	linesVar = "S3APPEND_E2E_LINES"
	// harnessMaxUploadTimeout keeps objects completing well within
	// TestDockerCompose's deadline.
	harnessMaxUploadTimeout = 30 * time.Second
)

var (
	localstackImage = regexp.MustCompile(`^localstack/localstack:4\.\d+\.\d+$`)
	bucketFlag      = regexp.MustCompile(`--bucket\s+(\S+)`)
)

// checkCompose loads the compose file with compose-go (which validates it
// against the compose schema) and checks the harness TestDockerCompose
// relies on: the three services with pinned images, fluent-bit built from
// the repository's Dockerfile and started once LocalStack is healthy, bind
// mounts that exist, a Fluent Bit configuration that passes the shared
// checks and writes to the bucket the LocalStack hook creates, the buffer
// on a named volume, and the log-writer writing where fluent-bit tails.
func checkCompose(in composeInputs) problems {
	var found problems
	dir, err := filepath.Abs(filepath.Join(repoRoot, "test", "e2e"))
	if err != nil {
		found.add("%v", err)
		return found
	}
	root := filepath.Dir(filepath.Dir(dir))
	const linesProbe = "7"
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "docker-compose.yml"), Content: []byte(in.compose)}},
		Environment: types.Mapping{linesVar: linesProbe},
	})
	if err != nil {
		found.add("%s: %v", composeRel, err)
		return found
	}
	for _, name := range []string{"localstack", "fluent-bit", "log-writer"} {
		if _, ok := p.Services[name]; !ok {
			found.add("%s: no service %s", composeRel, name)
		}
	}
	for name, s := range p.Services {
		where := composeRel + ": service " + name
		if s.Build != nil {
			if filepath.Clean(s.Build.Context) != root {
				found.add("%s: build context %s is not the repository root %s", where, s.Build.Context, root)
			}
			if s.Build.Dockerfile != "Dockerfile" {
				found.add("%s: builds from %q, not the repository's Dockerfile", where, s.Build.Dockerfile)
			}
		} else {
			checkPinned(&found, where+": image "+s.Image, s.Image)
		}
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if _, err := in.readFile(v.Source); err != nil {
				found.add("%s: bind mount source %s does not exist", where, v.Source)
			}
			if rel, err := filepath.Rel(root, v.Source); err != nil || strings.HasPrefix(rel, "..") {
				found.add("%s: bind mount source %s is outside the repository", where, v.Source)
			}
		}
	}
	ls, okLS := p.Services["localstack"]
	fb, okFB := p.Services["fluent-bit"]
	lw, okLW := p.Services["log-writer"]
	if !okLS || !okFB || !okLW {
		return found
	}
	bucket := checkLocalStack(&found, in, ls)

	if fb.Build == nil {
		found.add("%s: service fluent-bit is not built from the repository", composeRel)
	}
	if dep, ok := fb.DependsOn["localstack"]; !ok || dep.Condition != types.ServiceConditionHealthy {
		found.add("%s: service fluent-bit does not wait for localstack to be healthy (depends_on condition service_healthy)", composeRel)
	}
	confMount, ok := mountAt(fb, imageDefaultConf)
	if !ok || confMount.Type != types.VolumeTypeBind {
		found.add("%s: service fluent-bit mounts no configuration file at %s", composeRel, imageDefaultConf)
		return found
	}
	text, err := in.readFile(confMount.Source)
	if err != nil {
		return found
	}
	confRel, _ := filepath.Rel(root, confMount.Source)
	confRel = filepath.ToSlash(confRel)
	c, bad := checkFluentBitConfig(confRel, string(text), environment(fb))
	found = append(found, bad...)
	if c.plugin == nil {
		return found
	}
	if c.plugin.Endpoint != "http://localstack:4566" || !c.plugin.UsePathStyle {
		found.add("%s: endpoint %q, use_path_style %v; want http://localstack:4566 with path style", confRel, c.plugin.Endpoint, c.plugin.UsePathStyle)
	}
	if bucket != "" && c.plugin.Bucket != bucket {
		found.add("%s: bucket %s is not the bucket the LocalStack hook creates (%s)", confRel, c.plugin.Bucket, bucket)
	}
	if c.plugin.UploadTimeout > harnessMaxUploadTimeout {
		found.add("%s: upload_timeout %v is too long for the test's deadline; want at most %v", confRel, c.plugin.UploadTimeout, harnessMaxUploadTimeout)
	}
	if m, ok := mountAt(fb, c.plugin.StoreDir); !ok || m.Type != types.VolumeTypeVolume {
		found.add("%s: store_dir %s is on no named volume of service fluent-bit", composeRel, c.plugin.StoreDir)
	}

	// The log-writer writes its lines where fluent-bit tails.
	env := environment(lw)
	if env["LINE_COUNT"] != linesProbe {
		found.add("%s: the log-writer's LINE_COUNT is %q, not taken from %s", composeRel, env["LINE_COUNT"], linesVar)
	}
	script, ok := bindOf(lw, "test/e2e/docker/log-writer.sh", root)
	if !ok || !strings.Contains(strings.Join(lw.Command, " "), script.Target) {
		found.add("%s: the log-writer does not run the mounted test/e2e/docker/log-writer.sh", composeRel)
	}
	tail, ok := c.firstSection("INPUT", "tail")
	tailPath, _ := tail.get("Path")
	fbLogs, okFB := mountAt(fb, path.Dir(tailPath))
	lwLogs, okLW := mountAt(lw, env["LOG_DIR"])
	if !ok || !okFB || !okLW || fbLogs.Type != types.VolumeTypeVolume || fbLogs.Source != lwLogs.Source {
		found.add("%s: fluent-bit's tail Path %q is not on the volume the log-writer writes to (LOG_DIR %q)", composeRel, tailPath, env["LOG_DIR"])
	}
	return found
}

// checkLocalStack checks the S3 server of the harness and returns the
// bucket its ready hook creates.
func checkLocalStack(found *problems, in composeInputs, ls types.ServiceConfig) string {
	if !localstackImage.MatchString(ls.Image) {
		found.add("%s: localstack image %s, want localstack/localstack:4.x.y", composeRel, ls.Image)
	}
	if ls.HealthCheck == nil || len(ls.HealthCheck.Test) == 0 {
		found.add("%s: service localstack has no healthcheck, so nothing waits for its bucket", composeRel)
	}
	published := false
	for _, port := range ls.Ports {
		published = published || (port.Target == 4566 && port.Published == "4566" && port.HostIP == "127.0.0.1")
	}
	if !published {
		found.add("%s: service localstack publishes no 127.0.0.1:4566, where TestDockerCompose reads the bucket", composeRel)
	}
	var hook *types.ServiceVolumeConfig
	for i, v := range ls.Volumes {
		if strings.HasPrefix(v.Target, "/etc/localstack/init/ready.d/") {
			hook = &ls.Volumes[i]
		}
	}
	if hook == nil {
		found.add("%s: service localstack mounts no ready hook in /etc/localstack/init/ready.d/", composeRel)
		return ""
	}
	if st, err := os.Stat(hook.Source); err == nil && st.Mode()&0o111 == 0 {
		found.add("%s: the ready hook %s is not executable; LocalStack skips it", composeRel, hook.Source)
	}
	script, err := in.readFile(hook.Source)
	if err != nil {
		return ""
	}
	m := bucketFlag.FindStringSubmatch(string(script))
	if m == nil {
		found.add("%s: the ready hook %s creates no bucket (--bucket)", composeRel, hook.Source)
		return ""
	}
	return m[1]
}

// mountAt returns the mount of s whose target holds p.
func mountAt(s types.ServiceConfig, p string) (types.ServiceVolumeConfig, bool) {
	best := types.ServiceVolumeConfig{}
	for _, v := range s.Volumes {
		t := strings.TrimSuffix(v.Target, "/")
		if (p == t || strings.HasPrefix(p, t+"/")) && len(t) > len(best.Target) {
			best = v
		}
	}
	return best, best.Target != ""
}

// bindOf returns the bind mount of s whose source is the repository file rel.
func bindOf(s types.ServiceConfig, rel, root string) (types.ServiceVolumeConfig, bool) {
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeBind && v.Source == filepath.Join(root, filepath.FromSlash(rel)) {
			return v, true
		}
	}
	return types.ServiceVolumeConfig{}, false
}

// environment returns the environment of s as set in the compose file.
func environment(s types.ServiceConfig) map[string]string {
	env := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	return env
}

func TestCompose(t *testing.T) {
	expectClean(t, composeRel, checkCompose(composeInputs{compose: readRepo(t, composeRel), readFile: os.ReadFile}))
}

func TestComposeRefuses(t *testing.T) {
	real := readRepo(t, composeRel)
	for _, r := range []refusal{
		{"schema", "    healthcheck:\n      test: [\"CMD\", \"test\", \"-f\", \"/logs/writer.done\"]", "    healtcheck:\n      test: [\"CMD\", \"test\", \"-f\", \"/logs/writer.done\"]", "healtcheck"},
		{"missing service", "  log-writer:\n", "  writer:\n", "no service log-writer"},
		{"latest localstack", "localstack/localstack:4.14.0", "localstack/localstack:latest", "latest is not a pinned tag"},
		{"localstack 3", "localstack/localstack:4.14.0", "localstack/localstack:3.8.1", "want localstack/localstack:4.x.y"},
		{"untagged busybox", "busybox:1.37.0", "busybox", "image busybox: no tag"},
		{"no healthcheck", "    healthcheck:\n      # The ready hook", "    x-healthcheck:\n      # The ready hook", "service localstack has no healthcheck"},
		{"port", `"127.0.0.1:4566:4566"`, `"4567:4566"`, "publishes no 127.0.0.1:4566"},
		{"hook not executable", "./docker/localstack-init.sh:/etc", "./docker/fluent-bit.conf:/etc", "is not executable"},
		{"missing bind source", "./docker/fluent-bit.conf:/fluent-bit", "./docker/fluent-bit.yaml:/fluent-bit", "docker/fluent-bit.yaml does not exist"},
		{"bind outside", "./docker/log-writer.sh:/writer", "/etc/hostname:/writer", "/etc/hostname is outside the repository"},
		{"build context", "context: ../..", "context: ..", "is not the repository root"},
		{"other dockerfile", "dockerfile: Dockerfile", "dockerfile: Dockerfile.dev", "not the repository's Dockerfile"},
		{"not waiting", "condition: service_healthy", "condition: service_started", "does not wait for localstack to be healthy"},
		{"no config", "./docker/fluent-bit.conf:/fluent-bit/etc/fluent-bit.conf:ro", "./docker/fluent-bit.conf:/config/fluent-bit.conf:ro", "mounts no configuration file at /fluent-bit/etc/fluent-bit.conf"},
		{"store on bind", "- state:/var/lib/fluent-bit", "- ./docker:/var/lib/fluent-bit", "store_dir /var/lib/fluent-bit/s3append is on no named volume"},
		{"fixed count", "${S3APPEND_E2E_LINES:-1000}", "1000", "LINE_COUNT is \"1000\", not taken from S3APPEND_E2E_LINES"},
		{"other script", "sh /writer/log-writer.sh", "sh /writer/other.sh", "does not run the mounted test/e2e/docker/log-writer.sh"},
		{"other log volume", "      - logs:/logs\n    healthcheck", "      - state:/logs\n    healthcheck", "is not on the volume the log-writer writes to"},
	} {
		found := checkCompose(composeInputs{compose: mutate(t, real, r.old, r.new), readFile: os.ReadFile})
		expectRefusal(t, r.name, found, r.want)
	}

	// Broken files the compose file mounts.
	for _, r := range []struct {
		file string
		refusal
	}{
		{"test/e2e/docker/fluent-bit.conf", refusal{"endpoint", "http://localstack:4566", "http://127.0.0.1:4566", "want http://localstack:4566 with path style"}},
		{"test/e2e/docker/fluent-bit.conf", refusal{"virtual host", "use_path_style     true", "use_path_style     false", "want http://localstack:4566 with path style"}},
		{"test/e2e/docker/fluent-bit.conf", refusal{"other bucket", "bucket             s3append-e2e", "bucket             other", "bucket other is not the bucket the LocalStack hook creates (s3append-e2e)"}},
		{"test/e2e/docker/fluent-bit.conf", refusal{"slow uploads", "upload_timeout     10s", "upload_timeout     10m", "upload_timeout 10m0s is too long"}},
		{"test/e2e/docker/fluent-bit.conf", refusal{"tail elsewhere", "/logs/*.log", "/var/log/*.log", "tail Path \"/var/log/*.log\" is not on the volume"}},
		{"test/e2e/docker/fluent-bit.conf", refusal{"shared check", "Retry_Limit        no_limits", "Retry_Limit        3", "want no_limits"}},
		{"test/e2e/docker/localstack-init.sh", refusal{"no bucket made", "--bucket s3append-e2e", "--bucket=s3append-e2e", "creates no bucket"}},
	} {
		abs, err := filepath.Abs(filepath.Join(repoRoot, filepath.FromSlash(r.file)))
		if err != nil {
			t.Fatal(err)
		}
		broken := mutate(t, readRepo(t, r.file), r.old, r.new)
		read := func(p string) ([]byte, error) {
			if p == abs {
				return []byte(broken), nil
			}
			return os.ReadFile(p)
		}
		expectRefusal(t, r.name, checkCompose(composeInputs{compose: real, readFile: read}), r.want)
	}
}
