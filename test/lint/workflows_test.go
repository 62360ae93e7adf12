package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The workflows, relative to the repository.
const (
	ciWorkflow      = ".github/workflows/ci.yml"
	releaseWorkflow = ".github/workflows/release.yml"
)

// actionlintBinary is the actionlint scripts/tools.sh installs (make lint
// runs it first), or $ACTIONLINT.
func actionlintBinary() (string, error) {
	if p := os.Getenv("ACTIONLINT"); p != "" {
		return p, nil
	}
	p, err := filepath.Abs(filepath.Join(repoRoot, "build", "tools", "bin", "actionlint"))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("actionlint is not installed at %s: run scripts/tools.sh actionlint (make lint does)", p)
	}
	return p, nil
}

// runActionlint checks a workflow's text as the file rel: syntax,
// expressions and their types, the inputs and outputs of the actions it
// knows, job needs, runner labels. Shellcheck and pyflakes are left out,
// so that the answer does not depend on what else the machine has.
func runActionlint(rel, src string) problems {
	var found problems
	bin, err := actionlintBinary()
	if err != nil {
		found.add("%s: %v", rel, err)
		return found
	}
	cmd := exec.Command(bin, "-no-color", "-shellcheck=", "-pyflakes=", "-format", "{{json .}}", "-stdin-filename", rel, "-")
	cmd.Dir = repoRoot
	cmd.Stdin = strings.NewReader(src)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	// Exit status 1 means problems were found and printed.
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		found.add("%s: actionlint: %v\n%s", rel, err, stderr.String())
		return found
	}
	var errs []struct {
		Message      string `json:"message"`
		Line, Column int
		Kind         string `json:"kind"`
	}
	if err := json.Unmarshal(out, &errs); err != nil {
		found.add("%s: actionlint output: %v\n%s", rel, err, out)
	}
	for _, e := range errs {
		found.add("%s:%d:%d: %s [%s]", rel, e.Line, e.Column, e.Message, e.Kind)
	}
	return found
}

// checkCI checks that pull requests run make test, in the Dockerfile's
// build image.
func checkCI(src, goVersion string) problems {
	found := runActionlint(ciWorkflow, src)
	wf, err := parseWorkflow(src)
	if err != nil {
		found.add("%s: %v", ciWorkflow, err)
		return found
	}
	if _, ok := wf.On["pull_request"]; !ok {
		found.add("%s: not run on pull_request", ciWorkflow)
	}
	j, _ := wf.stepRunning(".ci/run")
	if j == nil {
		j, _ = wf.stepRunning("make test")
	}
	if j == nil {
		found.add("%s: no step runs make test (or .ci/run)", ciWorkflow)
		return found
	}
	checkTestContainer(&found, ciWorkflow, j, goVersion)
	return found
}

// checkTestContainer checks that a job that builds the .so runs in the
// Dockerfile's build image, golang:<go.mod's version>-bookworm: go.mod's
// Go, and Debian 12's glibc, the Fluent Bit image's.
func checkTestContainer(found *problems, rel string, j *job, goVersion string) {
	m := builderBase.FindStringSubmatch(j.image())
	switch {
	case m == nil:
		found.add("%s: job %s runs in %q, want container golang:%s-bookworm (Debian 12's glibc, as the Fluent Bit image)", rel, j.id, j.image(), goVersion)
	case m[1] != goVersion:
		found.add("%s: job %s has Go %s, go.mod says go %s", rel, j.id, m[1], goVersion)
	}
}

func TestWorkflows(t *testing.T) {
	goVersion, err := goDirective(readRepo(t, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	expectClean(t, ciWorkflow, checkCI(readRepo(t, ciWorkflow), goVersion))
	expectClean(t, releaseWorkflow, checkRelease(readRepo(t, releaseWorkflow), goVersion))
	if ci := readRepo(t, ".ci/run"); !strings.Contains(ci, "\nmake test\n") {
		t.Errorf(".ci/run does not run make test:\n%s", ci)
	}
}
