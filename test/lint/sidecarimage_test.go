package lint

import (
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

const (
	// sidecarStage is the Dockerfile target of the sidecar image.
	sidecarStage = "sidecar"
	// sidecarBinary is where the image has s3append, its ENTRYPOINT.
	sidecarBinary         = "/usr/local/bin/s3append"
	sidecarDefaultConfRel = "deploy/docker/s3append.yaml"
	// dockerStopTimeout is how long docker stop waits before SIGKILL.
	dockerStopTimeout = 10 * time.Second
)

// sidecarBase: the binary is static, so the image needs no libc, only CA
// certificates and a passwd entry for its user.
var sidecarBase = regexp.MustCompile(`^gcr\.io/distroless/static-debian\d+(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$`)

// checkSidecarImage checks the sidecar target of the Dockerfile: a stage
// before the plugin's (a plain docker build still makes the Fluent Bit
// image) on distroless static, running nothing, as a non-root user; the
// binary from a static build of ./cmd/s3append; started in exec form with
// a configuration the image copies in, that s3append accepts once the
// user set only the required variables and refuses without them; every
// TCP source and the metrics endpoint reachable and EXPOSEd; the buffer
// on a VOLUME that the image creates owned by its user.
func checkSidecarImage(in imageInputs) problems {
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
	i := slices.IndexFunc(stages, func(s instructions.Stage) bool { return strings.EqualFold(s.Name, sidecarStage) })
	if i < 0 {
		found.add("Dockerfile: no stage named %s (docker build --target %s)", sidecarStage, sidecarStage)
		return found
	}
	if i == len(stages)-1 {
		found.add("Dockerfile: the %s stage is last, so a plain docker build makes it instead of the Fluent Bit image", sidecarStage)
	}
	st := stages[i]
	where := "Dockerfile: stage " + sidecarStage
	if !sidecarBase.MatchString(st.BaseName) {
		found.add("%s: FROM %s, want gcr.io/distroless/static-debianN (the binary is static)", where, st.BaseName)
	}
	user := ""
	if strings.Contains(st.BaseName, ":nonroot") {
		user = "65532:65532" // distroless's nonroot
	}
	var entrypoint, cmd *instructions.ShellDependantCmdLine
	var volumes, exposed []string
	env := map[string]string{}
	copied := map[string]string{} // destination -> repository file
	binFrom, binStage := "", ""
	var chowned []*instructions.CopyCommand
	lex := shell.NewLex('\\')
	for _, c := range st.Commands {
		switch c := c.(type) {
		case *instructions.RunCommand:
			found.add("Dockerfile:%d: RUN in the %s stage, whose image has no shell", c.Location()[0].Start.Line, sidecarStage)
		case *instructions.UserCommand:
			user = c.User
		case *instructions.CopyCommand:
			if c.Chown != "" {
				chowned = append(chowned, c)
			}
			for _, src := range c.SourcePaths {
				dest := c.DestPath
				if strings.HasSuffix(dest, "/") {
					dest += path.Base(src)
				}
				if c.From == "" {
					copied[dest] = src
				} else if dest == sidecarBinary {
					binFrom, binStage = src, c.From
				}
			}
		case *instructions.EntrypointCommand:
			entrypoint = &c.ShellDependantCmdLine
		case *instructions.CmdCommand:
			cmd = &c.ShellDependantCmdLine
		case *instructions.VolumeCommand:
			volumes = append(volumes, c.Volumes...)
		case *instructions.ExposeCommand:
			exposed = append(exposed, c.Ports...)
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				r, err := lex.ProcessWordWithMatches(kv.Value, emptyEnv{})
				if err != nil || len(r.Matched)+len(r.Unmatched) > 0 {
					found.add("Dockerfile: ENV %s=%s: Docker replaces the $ reference at build time", kv.Key, kv.Value)
				}
				env[kv.Key] = r.Result
			}
		}
	}
	if uid, _, _ := strings.Cut(user, ":"); uid == "" || uid == "0" || uid == "root" {
		found.add("%s: runs as root (USER %q); run as a non-root user such as 65532:65532", where, user)
	}
	if build := stageNamed(stages, binStage); build == nil {
		found.add("%s: nothing is copied to %s from a build stage", where, sidecarBinary)
	} else {
		checkBuildStage(&found, in, build, append([]string{"CGO_ENABLED=0", "-trimpath", "-o " + binFrom, "./cmd/s3append"}, stampFlags...))
		checkCrossStage(&found, build, false)
	}
	if entrypoint == nil || entrypoint.PrependShell || !slices.Equal(entrypoint.CmdLine, []string{sidecarBinary}) {
		found.add("%s: want ENTRYPOINT [%q] in exec form (the image has no shell)", where, sidecarBinary)
	}
	for _, v := range volumes {
		owned := slices.ContainsFunc(chowned, func(c *instructions.CopyCommand) bool {
			return path.Clean(c.DestPath) == path.Clean(v) && c.Chown == user
		})
		if !owned {
			found.add("%s: VOLUME %s is not created by a COPY --chown=%s: Docker would make a new volume root's, and s3append could not write its buffer", where, v, user)
		}
	}
	if cmd == nil || cmd.PrependShell || len(cmd.CmdLine) != 2 || cmd.CmdLine[0] != "-c" {
		found.add("%s: want CMD [\"-c\", <config>] in exec form", where)
		return found
	}
	src, ok := copied[cmd.CmdLine[1]]
	if !ok {
		found.add("%s: CMD runs the configuration %s, which no COPY puts in the image", where, cmd.CmdLine[1])
		return found
	}
	data, err := fs.ReadFile(in.repo, src)
	if err != nil {
		found.add("Dockerfile: %v", err)
		return found
	}
	text := string(data)
	for k := range env {
		if !strings.Contains(text, "${"+k+"}") && !strings.Contains(text, "${"+k+":-") {
			found.add("%s: ENV %s is not read by %s", where, k, src)
		}
	}
	runEnv := map[string]string{}
	for k, v := range env {
		runEnv[k] = v
	}
	for k, v := range sidecarRequiredEnv {
		if _, set := env[k]; set {
			found.add("%s: ENV %s gives a default to what the user must set", where, k)
		}
		runEnv[k] = v
	}
	if _, bad := checkSidecarConfig(src, text, env); len(bad) == 0 {
		found.add("%s: %s starts without %s set; it must be required", where, src, strings.Join(keys(sidecarRequiredEnv), ", "))
	}
	sf, bad := checkSidecarConfig(src, text, runEnv)
	found = append(found, bad...)
	if sf.cfg == nil {
		return found
	}
	checkSidecarImageConfig(&found, where, src, sf, volumes, exposed)
	return found
}

// checkSidecarImageConfig checks the image's configuration against the
// image: ports exposed and reachable, buffers on the volume, shutdown
// within docker stop's wait.
func checkSidecarImageConfig(found *problems, where, src string, sf *sidecarFile, volumes, exposed []string) {
	listened := map[string]string{} // port -> what listens there
	if p := metricsPort(sf.cfg); p != 0 {
		listened[strconv.Itoa(int(p))] = "service: metrics_listen"
	}
	for _, s := range sf.cfg.Sources {
		host, port, ok := tcpListen(s.Listen)
		if !ok {
			continue
		}
		if !unspecified(host) {
			found.add("%s: source %s listens on %s, which docker run -p cannot reach; listen on 0.0.0.0", src, s.Name, s.Listen)
		}
		listened[strconv.Itoa(int(port))] = "source " + s.Name
	}
	ports := map[string]bool{}
	for _, e := range exposed {
		p, proto, _ := strings.Cut(e, "/")
		ports[p] = true
		if what, ok := listened[p]; !ok {
			found.add("%s: EXPOSE %s: nothing in %s listens there", where, e, src)
		} else if proto != "" && proto != "tcp" {
			found.add("%s: EXPOSE %s: %s is TCP", where, e, what)
		}
	}
	for p, what := range listened {
		if !ports[p] {
			found.add("%s: port %s of %s is not EXPOSEd", where, p, what)
		}
	}
	for _, o := range sf.cfg.Outputs {
		if !slices.ContainsFunc(volumes, func(v string) bool { return under(o.Conf.StoreDir, v) }) {
			found.add("%s: store_dir %s of %s is on no VOLUME %v", where, o.Conf.StoreDir, src, volumes)
		}
		if o.Conf.ShutdownTimeout >= dockerStopTimeout {
			found.add("%s: output %s: shutdown_timeout %v is not below the %v docker stop waits before SIGKILL", src, o.Name, o.Conf.ShutdownTimeout, dockerStopTimeout)
		}
	}
}

// under says whether p is dir or inside it.
func under(p, dir string) bool {
	d := strings.TrimSuffix(path.Clean(dir), "/")
	p = path.Clean(p)
	return p == d || strings.HasPrefix(p, d+"/")
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestSidecarImage(t *testing.T) {
	expectClean(t, "Dockerfile (sidecar)", checkSidecarImage(imageInputsFromRepo(t)))
}

func TestSidecarImageRefuses(t *testing.T) {
	real := imageInputsFromRepo(t)
	for _, r := range []refusal{
		{"no stage", "AS sidecar", "AS sidecar-image", "no stage named sidecar"},
		{"glibc base", "FROM gcr.io/distroless/static-debian12:nonroot", "FROM debian:12-slim", "want gcr.io/distroless/static-debianN"},
		{"run", "COPY deploy/docker/s3append.yaml", "RUN true\nCOPY deploy/docker/s3append.yaml", "RUN in the sidecar stage"},
		{"root", "USER 65532:65532", "USER root", "runs as root"},
		{"cgo", "CGO_ENABLED=0 GOARCH", "GOARCH", "lacks \"CGO_ENABLED=0\""},
		{"emulated build", "FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS build-sidecar", "FROM golang:1.26.8-bookworm AS build-sidecar", "stage build-sidecar: FROM without --platform=$BUILDPLATFORM"},
		{"built for the build machine", `CGO_ENABLED=0 GOARCH="$TARGETARCH" go build`, "CGO_ENABLED=0 go build", "stage build-sidecar: the go build does not set GOARCH=$TARGETARCH"},
		{"unstamped", "buildinfo.date=$DATE\" \\\n      -o /out/s3append", "buildinfo.date=today\" \\\n      -o /out/s3append", "lacks \"-X github.com/s3append/s3append/buildinfo.date=$DATE\""},
		{"other package", "./cmd/s3append &&", "./plugin &&", "lacks \"./cmd/s3append\""},
		{"binary elsewhere", "COPY --from=build-sidecar /out/s3append", "COPY --from=build-sidecar /out/sidecar", "lacks \"-o /out/sidecar\""},
		{"binary not copied", "/out/s3append /usr/local/bin/s3append", "/out/s3append /s3append", "nothing is copied to /usr/local/bin/s3append"},
		{"shell entrypoint", `ENTRYPOINT ["/usr/local/bin/s3append"]`, "ENTRYPOINT /usr/local/bin/s3append", "want ENTRYPOINT [\"/usr/local/bin/s3append\"] in exec form"},
		{"shell cmd", `CMD ["-c", "/etc/s3append/s3append.yaml"]`, "CMD -c /etc/s3append/s3append.yaml", "want CMD [\"-c\", <config>]"},
		{"config not copied", `CMD ["-c", "/etc/s3append/s3append.yaml"]`, `CMD ["-c", "/etc/s3append.yaml"]`, "CMD runs the configuration /etc/s3append.yaml, which no COPY"},
		{"bucket default", "USER 65532:65532", "ENV S3_BUCKET=x\nUSER 65532:65532", "ENV S3_BUCKET gives a default"},
		{"dead env", "USER 65532:65532", "ENV S3_REGOIN=x\nUSER 65532:65532", "ENV S3_REGOIN is not read"},
		{"env refused", "USER 65532:65532", "ENV S3_UPLOAD_TIMEOUT=soon\nUSER 65532:65532", "upload_timeout"},
		{"volume root's", "--chown=65532:65532 /out/buffer", "/out/buffer", "VOLUME /var/lib/s3append is not created by a COPY --chown=65532:65532"},
		// The checks below need the configuration accepted: every source type
		// of the file in sidecar.Kinds.
		{"volume elsewhere", `VOLUME ["/var/lib/s3append"]`, `VOLUME ["/var/lib/other"]`, "store_dir /var/lib/s3append of deploy/docker/s3append.yaml is on no VOLUME"},
		{"port not exposed", "EXPOSE 24224 8080 4318 2021", "EXPOSE 24224 8080 2021", "port 4318 of source otlp.0 is not EXPOSEd"},
		{"dead port", "EXPOSE 24224 8080 4318 2021", "EXPOSE 24224 8080 4318 2021 2020", "EXPOSE 2020: nothing"},
		{"udp", "EXPOSE 24224 8080", "EXPOSE 24224/udp 8080", "EXPOSE 24224/udp: source forward.0 is TCP"},
	} {
		in := real
		in.dockerfile = mutate(t, real.dockerfile, r.old, r.new)
		expectRefusal(t, r.name, checkSidecarImage(in), r.want)
	}
	// The plugin's stage removed: the sidecar's is last.
	in := real
	in.dockerfile = real.dockerfile[:strings.Index(real.dockerfile, "\nFROM fluent/fluent-bit:")]
	expectRefusal(t, "last stage", checkSidecarImage(in), "the sidecar stage is last")
	// Broken copies of the image's configuration, as the image reads it
	// (these too need sidecar.Kinds complete).
	for _, r := range []refusal{
		{"bucket defaulted", "${S3_BUCKET}", "${S3_BUCKET:-x}", "starts without S3_BUCKET set"},
		{"loopback source", "listen: 0.0.0.0:8080", "listen: 127.0.0.1:8080", "which docker run -p cannot reach"},
		{"long shutdown", "shutdown_timeout: 8s", "shutdown_timeout: 10s", "shutdown_timeout 10s is not below the 10s docker stop waits"},
	} {
		in := real
		in.repo = overlayFS{in.repo, sidecarDefaultConfRel, mutate(t, readRepo(t, sidecarDefaultConfRel), r.old, r.new)}
		expectRefusal(t, r.name, checkSidecarImage(in), r.want)
	}
}

// overlayFS is a repository with the file at name replaced by text.
type overlayFS struct {
	fs.FS
	name, text string
}

func (o overlayFS) ReadFile(name string) ([]byte, error) {
	if name == o.name {
		return []byte(o.text), nil
	}
	return fs.ReadFile(o.FS, name)
}

var _ fs.ReadFileFS = overlayFS{}
