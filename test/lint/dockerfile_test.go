package lint

import (
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// imageInputs is what the Dockerfile check reads: the Dockerfile, the
// .dockerignore, the repository it builds from, and the files the Go
// builds of the plugin and the sidecar need.
type imageInputs struct {
	dockerfile, dockerignore string
	repo                     fs.FS
	goVersion                string   // go.mod's go line
	buildFiles               []string // slash paths the go builds read
}

var (
	// Bookworm: the Debian release of the Fluent Bit image, whose glibc the
	// .so must not outgrow.
	builderBase = regexp.MustCompile(`^golang:(\d+\.\d+(?:\.\d+)?)-bookworm$`)
	finalBase   = regexp.MustCompile(`^fluent/fluent-bit:4\.\d+\.\d+$`)
	// imageRequiredEnv are the variables of the default configuration that
	// the image leaves unset on purpose: the user must give them.
	imageRequiredEnv = map[string]string{"S3_BUCKET": "test-bucket"}
)

// checkDockerfile checks that the image builds the plugin with the Go of
// go.mod on bookworm, ships it on a pinned Fluent Bit 4.x without running
// anything in the distroless stage, copies only files that exist and are
// not ignored, starts Fluent Bit in exec form with a configuration that
// loads the copied plugin, and gives that configuration's variables
// defaults, its buffer and tail database a volume.
func checkDockerfile(in imageInputs) problems {
	var found problems
	res, err := parser.Parse(strings.NewReader(in.dockerfile))
	if err != nil {
		found.add("Dockerfile: %v", err)
		return found
	}
	stages, _, err := instructions.Parse(res.AST, nil)
	if err != nil {
		found.add("Dockerfile: %v", err)
		return found
	}
	if len(stages) < 2 {
		found.add("Dockerfile: %d stages, want a Go build stage and the Fluent Bit stage", len(stages))
		return found
	}
	stageNames := map[string]bool{}
	for _, st := range stages {
		if !stageNames[strings.ToLower(st.BaseName)] {
			checkPinned(&found, "Dockerfile: FROM "+st.BaseName, st.BaseName)
		}
		if st.Name != "" {
			stageNames[strings.ToLower(st.Name)] = true
		}
	}
	ignore, err := ignorefile.ReadAll(strings.NewReader(in.dockerignore))
	if err != nil {
		found.add(".dockerignore: %v", err)
	}
	ignored, err := patternmatcher.New(ignore)
	if err != nil {
		found.add(".dockerignore: %v", err)
		return found
	}
	for _, st := range stages {
		for _, cmd := range st.Commands {
			if cp, ok := cmd.(*instructions.CopyCommand); ok && cp.From == "" {
				checkCopySources(&found, in, ignored, cp)
			}
		}
	}

	final := stages[len(stages)-1]
	if !finalBase.MatchString(final.BaseName) {
		found.add("Dockerfile: the last stage is FROM %s, want a fluent/fluent-bit:4.x.y release", final.BaseName)
	}
	soFrom, soStage := "", ""
	copied := map[string]string{} // destination in the image -> source in the repository
	for _, cmd := range final.Commands {
		switch c := cmd.(type) {
		case *instructions.RunCommand:
			found.add("Dockerfile:%d: RUN in the Fluent Bit stage, whose image has no shell", c.Location()[0].Start.Line)
		case *instructions.CopyCommand:
			for _, src := range c.SourcePaths {
				dest := c.DestPath
				if strings.HasSuffix(dest, "/") {
					dest += path.Base(src)
				}
				if c.From != "" {
					soFrom, soStage = src, c.From
					copied[dest] = "stage " + c.From + ":" + src
					continue
				}
				copied[dest] = src
			}
		}
	}
	build := stageNamed(stages, soStage)
	if build == nil {
		found.add("Dockerfile: the Fluent Bit stage copies no file from a build stage")
	} else {
		checkBuildStage(&found, in, build, append([]string{"CGO_ENABLED=1", "-buildmode=c-shared", "-trimpath", "-o " + soFrom, "./plugin"}, stampFlags...))
		checkCrossStage(&found, build, true)
	}
	soDest := ""
	for dest, src := range copied {
		if src == "stage "+soStage+":"+soFrom {
			soDest = dest
		}
	}
	if soDest != imagePluginObject {
		found.add("Dockerfile: the plugin is copied to %q, want %s", soDest, imagePluginObject)
	}
	checkPluginsFile(&found, in, copied)
	checkStart(&found, in, final, copied)
	return found
}

// checkPinned reports an image reference without a fixed tag or digest.
func checkPinned(found *problems, where, ref string) {
	switch {
	case strings.Contains(ref, "$"):
		found.add("%s: the image comes from a variable; pin it literally", where)
	case strings.Contains(ref, "@sha256:"):
	default:
		name := ref[strings.LastIndex(ref, "/")+1:]
		_, tag, ok := strings.Cut(name, ":")
		if !ok || tag == "" {
			found.add("%s: no tag, so whatever latest is at build time", where)
		} else if tag == "latest" {
			found.add("%s: latest is not a pinned tag", where)
		}
	}
}

func stageNamed(stages []instructions.Stage, name string) *instructions.Stage {
	for i := range stages {
		if name != "" && strings.EqualFold(stages[i].Name, name) {
			return &stages[i]
		}
	}
	return nil
}

// checkPluginsFile checks that the image's plugins file is copied in and
// loads the .so from where it was copied.
func checkPluginsFile(found *problems, in imageInputs, copied map[string]string) {
	src, ok := copied[imagePluginsFile]
	if !ok {
		found.add("Dockerfile: nothing is copied to %s, the plugins file the configurations name", imagePluginsFile)
		return
	}
	data, err := fs.ReadFile(in.repo, src)
	if err != nil {
		found.add("Dockerfile: %v", err)
		return
	}
	secs, bad := parseClassic(src, string(data))
	*found = append(*found, bad...)
	for _, s := range secs {
		if p, _ := s.get("Path"); s.name == "PLUGINS" && p == imagePluginObject {
			return
		}
	}
	found.add("%s: no [PLUGINS] Path %s, where the image has the plugin", src, imagePluginObject)
}

// checkStart checks the exec-form start of Fluent Bit, its default
// configuration, the ENV defaults that configuration reads, and the
// VOLUME its buffer lives on.
func checkStart(found *problems, in imageInputs, final instructions.Stage, copied map[string]string) {
	var entrypoint, cmd *instructions.ShellDependantCmdLine
	env := map[string]string{}
	var volumes []string
	lex := shell.NewLex('\\')
	for _, c := range final.Commands {
		switch c := c.(type) {
		case *instructions.EntrypointCommand:
			entrypoint = &c.ShellDependantCmdLine
		case *instructions.CmdCommand:
			cmd = &c.ShellDependantCmdLine
		case *instructions.VolumeCommand:
			volumes = append(volumes, c.Volumes...)
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				res, err := lex.ProcessWordWithMatches(kv.Value, emptyEnv{})
				if err != nil {
					found.add("Dockerfile: ENV %s: %v", kv.Key, err)
				}
				if len(res.Matched)+len(res.Unmatched) > 0 {
					found.add("Dockerfile: ENV %s=%s: Docker replaces the $ reference at build time; write \\$ for a literal $", kv.Key, kv.Value)
				}
				env[kv.Key] = res.Result
			}
		}
	}
	if entrypoint == nil || entrypoint.PrependShell || !slices.Equal(entrypoint.CmdLine, []string{imageBinary}) {
		found.add("Dockerfile: want ENTRYPOINT [%q] in exec form (the image has no shell)", imageBinary)
	}
	if cmd == nil || cmd.PrependShell {
		found.add("Dockerfile: want CMD in exec form, [\"-c\", <config>] (the image has no shell)")
		return
	}
	i := slices.Index(cmd.CmdLine, "-c")
	if i < 0 || i+1 >= len(cmd.CmdLine) {
		found.add("Dockerfile: CMD %q names no configuration with -c", cmd.CmdLine)
		return
	}
	confPath := cmd.CmdLine[i+1]
	src, ok := copied[confPath]
	if !ok {
		found.add("Dockerfile: CMD runs the configuration %s, which no COPY puts in the image", confPath)
		return
	}
	data, err := fs.ReadFile(in.repo, src)
	if err != nil {
		found.add("Dockerfile: %v", err)
		return
	}
	runEnv := map[string]string{}
	for k, v := range env {
		runEnv[k] = v
	}
	for k, v := range imageRequiredEnv {
		if _, set := env[k]; set {
			found.add("Dockerfile: ENV %s gives a default to what the user must set", k)
		}
		runEnv[k] = v
	}
	c, bad := checkFluentBitConfig(src, string(data), runEnv)
	*found = append(*found, bad...)
	var entries strings.Builder // the file without its comments
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			entries.WriteString(l + "\n")
		}
	}
	for k := range env {
		if !strings.Contains(entries.String(), "${"+k+"}") {
			found.add("Dockerfile: ENV %s is not read by %s", k, src)
		}
	}
	if c.plugin == nil {
		return
	}
	under := func(p string) bool {
		for _, v := range volumes {
			if p == v || strings.HasPrefix(p, strings.TrimSuffix(v, "/")+"/") {
				return true
			}
		}
		return false
	}
	if !under(c.plugin.StoreDir) {
		found.add("Dockerfile: store_dir %s of %s is on no VOLUME %v", c.plugin.StoreDir, src, volumes)
	}
	if tail, ok := c.firstSection("INPUT", "tail"); ok {
		if db, ok := tail.get("DB"); ok && !under(db) {
			found.add("Dockerfile: the tail DB %s of %s is on no VOLUME %v", db, src, volumes)
		}
	}
}

// emptyEnv is a build with no variables set.
type emptyEnv struct{}

func (emptyEnv) Get(string) (string, bool) { return "", false }
func (emptyEnv) Keys() []string            { return nil }

// imageInputsFromRepo reads the real files.
func imageInputsFromRepo(t *testing.T) imageInputs {
	t.Helper()
	goVersion, err := goDirective(readRepo(t, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	return imageInputs{
		dockerfile:   readRepo(t, "Dockerfile"),
		dockerignore: readRepo(t, ".dockerignore"),
		repo:         os.DirFS(repoRoot),
		goVersion:    goVersion,
		buildFiles:   goBuildFiles(t),
	}
}

func TestDockerfile(t *testing.T) {
	expectClean(t, "Dockerfile", checkDockerfile(imageInputsFromRepo(t)))
}

func TestDockerfileRefuses(t *testing.T) {
	real := imageInputsFromRepo(t)
	for _, r := range []refusal{
		{"latest base", "FROM fluent/fluent-bit:4.2.3", "FROM fluent/fluent-bit:latest", "latest is not a pinned tag"},
		{"untagged base", "FROM fluent/fluent-bit:4.2.3", "FROM fluent/fluent-bit", "FROM fluent/fluent-bit: no tag"},
		{"variable base", "FROM fluent/fluent-bit:4.2.3", "ARG FB=4.2.3\nFROM fluent/fluent-bit:${FB}", "comes from a variable"},
		{"fluent bit 3", "FROM fluent/fluent-bit:4.2.3", "FROM fluent/fluent-bit:3.2.10", "want a fluent/fluent-bit:4.x.y release"},
		{"other go", "golang:1.26.8-bookworm", "golang:1.25.4-bookworm", "build stage has Go 1.25.4, go.mod says go " + real.goVersion},
		{"newer debian", "golang:1.26.8-bookworm", "golang:1.26.8-trixie", "want golang:<go.mod's version>-bookworm"},
		{"unpinned builder", "golang:1.26.8-bookworm", "golang", "FROM golang: no tag"},
		{"run in final", "COPY conf/plugins.conf", "RUN mkdir -p /x\nCOPY conf/plugins.conf", "RUN in the Fluent Bit stage"},
		{"missing source", "COPY deploy/docker/fluent-bit.conf", "COPY deploy/docker/fluent-bit.yaml", "COPY source deploy/docker/fluent-bit.yaml is not in the repository"},
		{"missing sidecar source", "COPY deploy/docker/s3append.yaml", "COPY deploy/docker/sidecar.yaml", "COPY source deploy/docker/sidecar.yaml is not in the repository"},
		{"no cached download", "RUN go mod download\n", "", "lacks the step \"download\""},
		{"download after sources", "COPY go.mod go.sum ./\nRUN go mod download\nCOPY . .", "COPY go.mod go.sum ./\nCOPY . .\nRUN go mod download", "runs \"copy sources\" before \"download\""},
		{"no cgo", "CGO_ENABLED=1 GOARCH", "GOARCH", "lacks \"CGO_ENABLED=1\""},
		{"emulated build", "FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS build\n", "FROM golang:1.26.8-bookworm AS build\n", "stage build: FROM without --platform=$BUILDPLATFORM"},
		{"no TARGETARCH", "AS build\nARG TARGETARCH\n", "AS build\n", "stage build: no ARG TARGETARCH"},
		{"built for the build machine", `CGO_ENABLED=1 GOARCH="$TARGETARCH" go build`, "CGO_ENABLED=1 go build", "stage build: the go build does not set GOARCH=$TARGETARCH"},
		{"no CC", `go env -w CC="$cc"`, "true", "stage build: no C compiler chosen from TARGETARCH"},
		{"no arm64 compiler", "arm64) cc=aarch64-linux-gnu-gcc;", "arm64) cc=gcc;", "no C compiler aarch64-linux-gnu-gcc for TARGETARCH arm64"},
		{"no cross package", `pkgs="gcc-aarch64-linux-gnu `, `pkgs="`, "does not install Debian's gcc-aarch64-linux-gnu"},
		{"unstamped", "buildinfo.version=$VERSION", "buildinfo.version=dev", "lacks \"-X github.com/s3append/s3append/buildinfo.version=$VERSION\""},
		{"not c-shared", "-buildmode=c-shared ", "", "lacks \"-buildmode=c-shared\""},
		{"so elsewhere", "COPY --from=build /out/out_s3append.so", "COPY --from=build /out/plugin.so", "lacks \"-o /out/plugin.so\""},
		{"so not where plugins.conf says", "/fluent-bit/plugins/out_s3append.so", "/fluent-bit/lib/out_s3append.so", "the plugin is copied to \"/fluent-bit/lib/out_s3append.so\""},
		{"no plugins file", "COPY conf/plugins.conf /fluent-bit/etc/plugins.conf\n", "", "nothing is copied to /fluent-bit/etc/plugins.conf"},
		{"shell cmd", `CMD ["-c", "/fluent-bit/etc/fluent-bit.conf"]`, "CMD -c /fluent-bit/etc/fluent-bit.conf", "want CMD in exec form"},
		{"shell entrypoint", `ENTRYPOINT ["/fluent-bit/bin/fluent-bit"]`, "ENTRYPOINT /fluent-bit/bin/fluent-bit", "want ENTRYPOINT [\"/fluent-bit/bin/fluent-bit\"] in exec form"},
		{"config not copied", `CMD ["-c", "/fluent-bit/etc/fluent-bit.conf"]`, `CMD ["-c", "/fluent-bit/etc/fluent-bit.yaml"]`, "CMD runs the configuration /fluent-bit/etc/fluent-bit.yaml, which no COPY puts"},
		{"no -c", `CMD ["-c", "/fluent-bit/etc/fluent-bit.conf"]`, `CMD ["/fluent-bit/etc/fluent-bit.conf"]`, "names no configuration with -c"},
		{"env without default", "ENV S3_REGION=us-east-1 \\\n    S3_ENDPOINT", "ENV S3_ENDPOINT", "${S3_REGION} of region is not set"},
		{"env default refused", "S3_UPLOAD_TIMEOUT=10m", "S3_UPLOAD_TIMEOUT=soon", "conf.Parse: upload_timeout"},
		{"bucket default", "ENV S3_REGION=us-east-1", "ENV S3_BUCKET=x S3_REGION=us-east-1", "ENV S3_BUCKET gives a default"},
		{"dead env", "ENV S3_REGION=us-east-1", "ENV S3_REGOIN=x S3_REGION=us-east-1", "ENV S3_REGOIN is not read"},
		{"docker expands $", "S3_KEY_FORMAT=\"\"", "S3_KEY_FORMAT=/logs/$TAG/$UUID", "Docker replaces the $ reference"},
		{"store_dir in tmp", "STORE_DIR=/var/lib/fluent-bit/s3append", "STORE_DIR=/tmp/s3append", "store_dir /tmp/s3append is under /tmp"},
		{"no volume", `VOLUME ["/var/lib/fluent-bit"]`, `VOLUME ["/var/lib/other"]`, "store_dir /var/lib/fluent-bit/s3append of deploy/docker/fluent-bit.conf is on no VOLUME"},
	} {
		in := real
		in.dockerfile = mutate(t, real.dockerfile, r.old, r.new)
		expectRefusal(t, r.name, checkDockerfile(in), r.want)
	}
	for _, r := range []refusal{
		{"ignored config", "deploy/helm\n", "deploy/helm\ndeploy/docker\n", "COPY source deploy/docker/fluent-bit.conf is left out"},
		{"ignored package", "scripts\n", "scripts\nbuffer\n", ".dockerignore leaves out buffer/"},
		{"ignored sidecar package", "scripts\n", "scripts\nsidecar\n", ".dockerignore leaves out sidecar/"},
		{"ignored sidecar config", "deploy/helm\n", "deploy/helm\ndeploy/docker/s3append.yaml\n", "COPY source deploy/docker/s3append.yaml is left out"},
		{"ignored go.sum", "scripts\n", "scripts\ngo.sum\n", ".dockerignore leaves out go.sum"},
	} {
		in := real
		in.dockerignore = mutate(t, real.dockerignore, r.old, r.new)
		expectRefusal(t, r.name, checkDockerfile(in), r.want)
	}
}
