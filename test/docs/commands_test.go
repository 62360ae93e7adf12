// Package docs checks that every command the README documents is
// exercised somewhere: by a test, by `make test` itself, or by `make demo`.
package docs

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// exercise says how one documented command is exercised. A command that
// cannot run on the CI machine (no Docker engine, cluster or Fluent Bit
// binary there) names the tests that check everything it consumes.
type exercise struct {
	command *regexp.Regexp
	// target is a Makefile target `make -n` must know.
	target string
	// tests are "dir:TestName" functions that must exist.
	tests []string
	// files must exist (relative to the repository root).
	files []string
}

var exercised = []exercise{
	{command: regexp.MustCompile(`^make demo$`), target: "demo", tests: []string{"test/e2e:TestMakeDemo"}},
	{command: regexp.MustCompile(`^make test$`), target: "test", files: []string{".ci/run"}},
	{command: regexp.MustCompile(`^make$`), target: "all", tests: []string{"test/e2e:TestMakeDemo"}},
	{command: regexp.MustCompile(`^make e2e$`), target: "e2e", tests: []string{"test/e2e:TestMetricsE2E"}},
	{command: regexp.MustCompile(`^make lint$`), target: "lint", tests: []string{"test/lint:TestDockerfile", "test/lint:TestCompose", "test/lint:TestManifest", "test/lint:TestHelmValues"}},
	{command: regexp.MustCompile(`^make e2e-docker$`), target: "e2e-docker", tests: []string{"test/e2e:TestDockerCompose", "test/e2e:TestLogWriterLines", "test/lint:TestCompose"}},
	{command: regexp.MustCompile(`^make bench$`), target: "bench", tests: []string{"test/e2e/cmd/bench:TestEndToEndRunsSmall"}},
	{command: regexp.MustCompile(`^make fuzz$`), target: "fuzz"},
	// Releases: make test runs make cross and make dist, and test/release
	// checks what they built; the release workflow publishes build/dist
	// and the images, and make lint checks it does.
	{command: regexp.MustCompile(`^make cross( VERSION=v\d+\.\d+\.\d+)?$`), target: "cross", tests: []string{"test/release:TestPluginELF", "test/release:TestSidecarELF", "test/release:TestBinariesAreStamped", "test/release:TestArchChecksums"}},
	{command: regexp.MustCompile(`^make dist$`), target: "dist", tests: []string{"test/release:TestDist"}},
	{command: regexp.MustCompile(`^docker pull ghcr\.io/s3append/s3append(-sidecar)?:\d+\.\d+\.\d+$`), tests: []string{"test/lint:TestWorkflows"}, files: []string{".github/workflows/release.yml"}},
	{command: regexp.MustCompile(`^curl -fsSLO https://github\.com/s3append/s3append/releases/download/v\d+\.\d+\.\d+/(out_s3append-linux-(amd64|arm64)\.so|s3append-linux-(amd64|arm64)|SHA256SUMS)$`), tests: []string{"test/release:TestDist", "test/lint:TestWorkflows"}},
	{command: regexp.MustCompile(`^sha256sum -c --ignore-missing SHA256SUMS$`), tests: []string{"test/release:TestDist"}},
	{command: regexp.MustCompile(`^gh attestation verify \S+ --repo s3append/s3append$`), tests: []string{"test/lint:TestWorkflows"}},
	{command: regexp.MustCompile(`^docker buildx build --platform linux/amd64,linux/arm64 (--target sidecar )?-t \S+ \.$`), tests: []string{"test/lint:TestDockerfile", "test/lint:TestSidecarImage"}, files: []string{"Dockerfile"}},
	// flbhost loads the .so with -e, or through a Plugins_File, exactly
	// as fluent-bit does; every e2e test runs it.
	{command: regexp.MustCompile(`^fluent-bit (-e \S+ )?-c fluent-bit\.conf$`), tests: []string{"test/e2e/host:TestPluginsFileAndConfigErrors", "conf:TestExampleConfigsParse", "test/e2e:TestMetricsE2E"}, files: []string{"conf/fluent-bit.conf", "conf/plugins.conf"}},
	// The quick start on this machine, as written (flbhost for fluent-bit).
	{command: regexp.MustCompile(`^scripts/local-s3\.sh &$`), tests: []string{"test/e2e:TestQuickStart"}, files: []string{"scripts/local-s3.sh"}},
	{command: regexp.MustCompile(`^export AWS_ACCESS_KEY_ID=s3append AWS_SECRET_ACCESS_KEY=s3append-local$`), tests: []string{"test/e2e:TestQuickStart"}},
	{command: regexp.MustCompile(`^fluent-bit -e build/out_s3append\.so -c conf/quickstart\.conf$`), tests: []string{"test/e2e:TestQuickStart"}, files: []string{"conf/quickstart.conf"}},
	// Hot reload: flbhost's -x exits every output and starts it again in
	// the same process, as fluent-bit -Y does on SIGHUP.
	{command: regexp.MustCompile(`^fluent-bit -Y$`), tests: []string{"test/e2e:TestReloadKeepsNamesAndCounters", "test/e2e/host:TestReloadExitsAndInitsAgain"}},
	// What --dry-run does not check is what the README says it does not.
	{command: regexp.MustCompile(`^fluent-bit --dry-run$`), tests: []string{"conf:TestParseReportsEveryProblemInTableOrder"}},
	// The sidecar's quick start, as written (Go's HTTP client for curl).
	{command: regexp.MustCompile(`^build/s3append -c conf/s3append\.yaml &$`), tests: []string{"test/e2e:TestSidecarQuickStart"}, files: []string{"conf/s3append.yaml"}},
	{command: regexp.MustCompile(`^curl -sS --data-binary '\{"level":"info","message":"hello"\}' http://127\.0\.0\.1:8080/app\.curl$`), tests: []string{"test/e2e:TestSidecarQuickStart"}},
	{command: regexp.MustCompile(`^build/s3append check -c conf/fluent-bit\.conf$`), tests: []string{"cmd/s3append:TestCheckFluentBitConfigurations"}},
	{command: regexp.MustCompile(`^docker build --target sidecar -t s3append-sidecar:dev \.$`), tests: []string{"test/lint:TestSidecarImage"}, files: []string{"Dockerfile", "deploy/docker/s3append.yaml"}},
	{command: regexp.MustCompile(`^kubectl apply -f deploy/kubernetes/sidecar\.yaml$`), tests: []string{"test/lint:TestSidecarManifest"}, files: []string{"deploy/kubernetes/sidecar.yaml"}},
	{command: regexp.MustCompile(`^kubectl apply -f deploy/kubernetes/aggregator\.yaml$`), tests: []string{"test/lint:TestAggregatorManifest"}, files: []string{"deploy/kubernetes/aggregator.yaml"}},
	{command: regexp.MustCompile(`^docker build -t s3append:dev \.$`), tests: []string{"test/lint:TestDockerfile"}, files: []string{"Dockerfile", ".dockerignore"}},
	{command: regexp.MustCompile(`^docker run .*s3append:dev( -c \S+)?$`), tests: []string{"test/lint:TestDockerfile", "test/lint:TestFluentBitConfigCheck"}, files: []string{"deploy/docker/fluent-bit.conf"}},
	{command: regexp.MustCompile(`^kubectl apply -f deploy/kubernetes/daemonset\.yaml$`), tests: []string{"test/lint:TestManifest"}, files: []string{"deploy/kubernetes/daemonset.yaml"}},
	{command: regexp.MustCompile(`^helm (repo add fluent https://fluent\.github\.io/helm-charts|install s3append fluent/fluent-bit .*-f deploy/helm/values\.yaml)$`), tests: []string{"test/lint:TestHelmValues"}, files: []string{"deploy/helm/values.yaml"}},
}

// readmeCommands are the commands of the README's sh blocks (continuation
// lines joined, comments cut) and the `make ...` and `docker run ...`
// commands written inline.
func readmeCommands(t *testing.T, root string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds []string
	inSh, inOther, pending := false, false, ""
	inline := regexp.MustCompile("`((?:make|docker run|kubectl|helm|fluent-bit)(?: [^`]*)?)`")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```") && !inSh && !inOther:
			inSh = trimmed == "```sh"
			inOther = !inSh
			continue
		case trimmed == "```":
			inSh, inOther = false, false
			continue
		}
		if inOther {
			continue
		}
		if !inSh {
			for _, m := range inline.FindAllStringSubmatch(line, -1) {
				cmds = append(cmds, m[1])
			}
			continue
		}
		if i := strings.Index(trimmed, "#"); i >= 0 && !strings.Contains(trimmed[:i], "\"") {
			trimmed = strings.TrimSpace(trimmed[:i])
		}
		if trimmed == "" {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			pending += strings.TrimSpace(strings.TrimSuffix(trimmed, "\\")) + " "
			continue
		}
		cmds = append(cmds, strings.Join(strings.Fields(pending+trimmed), " "))
		pending = ""
	}
	return cmds
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// Every command in the README is one the table above knows, and what the
// table says exercises it exists: the Makefile target, the test
// functions, the files.
func TestReadmeCommandsAreExercised(t *testing.T) {
	root := repoRoot(t)
	cmds := readmeCommands(t, root)
	if len(cmds) < 10 {
		t.Fatalf("found only %d commands in README.md: %q", len(cmds), cmds)
	}
	t.Logf("%d commands: %q", len(cmds), cmds)
	used := map[int]bool{}
	for _, c := range cmds {
		found := false
		for i, e := range exercised {
			if e.command.MatchString(c) {
				found, used[i] = true, true
				break
			}
		}
		if !found {
			t.Errorf("README documents %q, which nothing here exercises: add a test and list it in exercised", c)
		}
	}
	for i, e := range exercised {
		if !used[i] {
			t.Errorf("exercised lists %s, which the README no longer documents", e.command)
		}
		if e.target != "" {
			cmd := exec.Command("make", "-n", "--no-print-directory", e.target)
			cmd.Dir = root
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("make -n %s: %v\n%s", e.target, err, out)
			}
		}
		for _, f := range e.files {
			if _, err := os.Stat(filepath.Join(root, f)); err != nil {
				t.Errorf("%s: %v", e.command, err)
			}
		}
		for _, ref := range e.tests {
			dir, name, _ := strings.Cut(ref, ":")
			if !declares(t, filepath.Join(root, dir), name) {
				t.Errorf("%s: no func %s in %s", e.command, name, dir)
			}
		}
	}
}

// declares says whether a _test.go file in dir declares func name.
func declares(t *testing.T, dir, name string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	want := "func " + name + "(t *testing.T)"
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), want) {
			return true
		}
	}
	return false
}

// make fuzz runs each fuzz target it names; each must exist.
func TestMakeFuzzTargetsExist(t *testing.T) {
	root := repoRoot(t)
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	targets := regexp.MustCompile(`-fuzz (Fuzz\w+) .* \./([\w/]+)/`).FindAllStringSubmatch(string(mk), -1)
	if len(targets) < 5 {
		t.Fatalf("found %d fuzz targets in the Makefile", len(targets))
	}
	for _, m := range targets {
		if !declaresFuzz(t, filepath.Join(root, m[2]), m[1]) {
			t.Errorf("make fuzz runs %s in ./%s/, which does not declare it", m[1], m[2])
		}
	}
}

func declaresFuzz(t *testing.T, dir, name string) bool {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "func "+name+"(f *testing.F)") {
			return true
		}
	}
	return false
}

// The parser finds commands in sh blocks, joined across continuation
// lines and without comments, and inline ones outside code blocks.
func TestReadmeCommandsParser(t *testing.T) {
	dir := t.TempDir()
	readme := "Run `make demo` first.\n\n```sh\ndocker run --rm \\\n  -e A=b \\\n  img   # comment\nmake test\n```\n\n```ini\n[OUTPUT]\n    Name `make nothing`\n```\n"
	if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(readme), 0o644); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(readmeCommands(t, dir), "|")
	if want := "make demo|docker run --rm -e A=b img|make test"; got != want {
		t.Errorf("commands %q, want %q", got, want)
	}
}
