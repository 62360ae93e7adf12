package lint

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the repository root, two levels above this package.
var repoRoot = filepath.Join("..", "..")

// Paths inside the image, shared by the checks of every file that runs it.
const (
	imageBinary       = "/fluent-bit/bin/fluent-bit"
	imagePluginsFile  = "/fluent-bit/etc/plugins.conf"
	imageDefaultConf  = "/fluent-bit/etc/fluent-bit.conf"
	imagePluginObject = "/fluent-bit/plugins/out_s3append.so"
)

// readRepo returns a file of the repository, by its slash-separated path.
func readRepo(t *testing.T, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// goDirective returns the version of go.mod's go line.
func goDirective(gomod string) (string, error) {
	sc := bufio.NewScanner(strings.NewReader(gomod))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "go" {
			return f[1], nil
		}
	}
	return "", fmt.Errorf("go.mod has no go line")
}

// problems collects what a check found wrong, each naming the file, the
// line or the field at fault.
type problems []string

func (p *problems) add(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

func (p problems) String() string { return strings.Join(p, "\n") }

// mutate returns src with the first old replaced by new. It stops the test
// when old is absent, so a broken-input case cannot silently stop
// breaking anything when the real file changes.
func mutate(t *testing.T, src, old, new string) string {
	t.Helper()
	if !strings.Contains(src, old) {
		t.Fatalf("broken-input case no longer applies: %q is not in the file", old)
	}
	return strings.Replace(src, old, new, 1)
}

// refusal is one broken input of a check and what the check must say.
type refusal struct {
	name     string
	old, new string // the edit that breaks the real file
	want     string // a substring of the expected problem
}

// expectRefusal asserts that found names the problem want.
func expectRefusal(t *testing.T, name string, found problems, want string) {
	t.Helper()
	for _, p := range found {
		if strings.Contains(p, want) {
			return
		}
	}
	t.Errorf("%s: no problem mentions %q; found:\n%s", name, want, found)
}

// expectClean fails the test with every problem found.
func expectClean(t *testing.T, what string, found problems) {
	t.Helper()
	if len(found) > 0 {
		t.Errorf("%s:\n%s", what, found)
	}
}
