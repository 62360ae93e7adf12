package lint

import (
	"io/fs"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/patternmatcher"
)

// checkCopySources reports a COPY source that is not in the repository or
// that .dockerignore keeps out of the build context.
func checkCopySources(found *problems, in imageInputs, ignored *patternmatcher.PatternMatcher, cp *instructions.CopyCommand) {
	line := cp.Location()[0].Start.Line
	for _, src := range cp.SourcePaths {
		clean := path.Clean(strings.TrimPrefix(src, "/"))
		if clean == "." {
			// The whole context: what the go build reads must be in it.
			for _, f := range in.buildFiles {
				if skip, _ := ignored.MatchesOrParentMatches(f); skip {
					found.add("Dockerfile:%d: .dockerignore leaves out %s, which the Go builds of the images need", line, f)
				}
			}
			continue
		}
		matches, err := fs.Glob(in.repo, clean)
		if err != nil || len(matches) == 0 {
			found.add("Dockerfile:%d: COPY source %s is not in the repository", line, src)
			continue
		}
		for _, m := range matches {
			if skip, _ := ignored.MatchesOrParentMatches(m); skip {
				found.add("Dockerfile:%d: COPY source %s is left out of the build context by .dockerignore", line, m)
			}
		}
	}
}

// checkBuildStage checks a stage that builds a Go binary: Go of go.mod on
// bookworm, modules downloaded in a layer before the sources come in, and
// a go build with every flag of wants (its package, -o the file a later
// stage copies, cgo or not).
func checkBuildStage(found *problems, in imageInputs, st *instructions.Stage, wants []string) {
	m := builderBase.FindStringSubmatch(st.BaseName)
	switch {
	case m == nil:
		found.add("Dockerfile: build stage FROM %s, want golang:<go.mod's version>-bookworm", st.BaseName)
	case m[1] != in.goVersion:
		found.add("Dockerfile: build stage has Go %s, go.mod says go %s", m[1], in.goVersion)
	}
	step := map[string]int{}
	var buildLine string
	for i, cmd := range st.Commands {
		switch c := cmd.(type) {
		case *instructions.CopyCommand:
			srcs := strings.Join(c.SourcePaths, " ")
			if srcs == "go.mod go.sum" {
				step["copy go.mod"] = i + 1
			} else if srcs == "." {
				step["copy sources"] = i + 1
			}
		case *instructions.RunCommand:
			line := strings.Join(c.CmdLine, " ")
			if strings.Contains(line, "go mod download") {
				step["download"] = i + 1
			}
			if strings.Contains(line, "go build") {
				step["build"] = i + 1
				buildLine = line
			}
		}
	}
	order := []string{"copy go.mod", "download", "copy sources", "build"}
	for i, s := range order {
		if step[s] == 0 {
			found.add("Dockerfile: build stage lacks the step %q (COPY go.mod go.sum, RUN go mod download, COPY . ., RUN go build)", s)
		} else if i > 0 && step[order[i-1]] != 0 && step[order[i-1]] > step[s] {
			found.add("Dockerfile: build stage runs %q before %q, so module downloads are not cached apart from the sources", s, order[i-1])
		}
	}
	if buildLine == "" {
		return
	}
	for _, want := range wants {
		if !strings.Contains(buildLine, want) {
			found.add("Dockerfile: the go build lacks %q: %s", want, buildLine)
		}
	}
}

// goBuildFiles lists, relative to the repository, go.mod, go.sum and the
// Go files of every package of the module the images' binaries (the
// plugin and the sidecar) are built from.
func goBuildFiles(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f",
		`{{if .Module}}{{if .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}
{{end}}{{range .CgoFiles}}{{$d}}/{{.}}
{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}
{{end}}{{end}}{{end}}`, "./plugin", "./cmd/s3append")
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list ./plugin ./cmd/s3append: %v", err)
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"go.mod", "go.sum"}
	for _, f := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, filepath.ToSlash(rel))
	}
	if len(files) < 5 {
		t.Fatalf("go list found only %v", files)
	}
	return files
}
