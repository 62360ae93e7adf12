package lint

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// crossCompilers are the C compilers of the image's architectures, by
// TARGETARCH, and the Debian package that has each on another machine.
var crossCompilers = map[string][2]string{
	"amd64": {"x86_64-linux-gnu-gcc", "gcc-x86-64-linux-gnu"},
	"arm64": {"aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu"},
}

// stampFlags are the -ldflags of a stamped build (package buildinfo), from
// the build arguments, as make cross stamps its binaries.
var stampFlags = []string{
	"-X github.com/s3append/s3append/buildinfo.version=$VERSION",
	"-X github.com/s3append/s3append/buildinfo.commit=$COMMIT",
	"-X github.com/s3append/s3append/buildinfo.date=$DATE",
}

// checkCrossStage checks that a Go build stage cross-compiles rather than
// runs emulated in a multi-arch build (docker buildx build --platform
// linux/amd64,linux/arm64): it runs on the build machine's platform, takes
// TARGETARCH and builds for it, and, for cgo, sets the C compiler of each
// architecture from TARGETARCH before the build.
func checkCrossStage(found *problems, st *instructions.Stage, cgo bool) {
	where := "Dockerfile: stage " + st.Name
	if p := unbrace(st.Platform); p != "$BUILDPLATFORM" {
		found.add("%s: FROM without --platform=$BUILDPLATFORM: a multi-arch build would run it emulated", where)
	}
	hasArg, build := false, ""
	var setup []string // the RUN lines before the build
	for _, cmd := range st.Commands {
		switch c := cmd.(type) {
		case *instructions.ArgCommand:
			for _, a := range c.Args {
				hasArg = hasArg || a.Key == "TARGETARCH"
			}
		case *instructions.RunCommand:
			line := unbrace(strings.Join(c.CmdLine, " "))
			if strings.Contains(line, "go build") {
				build = line
			} else if build == "" {
				setup = append(setup, line)
			}
		}
	}
	if !hasArg {
		found.add("%s: no ARG TARGETARCH, so the build cannot know the image's architecture", where)
	}
	if build != "" && !strings.Contains(build, "GOARCH=$TARGETARCH") {
		found.add("%s: the go build does not set GOARCH=$TARGETARCH: it would build for the build machine", where)
	}
	if !cgo {
		return
	}
	cc := ""
	for _, l := range setup {
		if strings.Contains(l, "go env -w CC=") && strings.Contains(l, "$TARGETARCH") {
			cc = l
		}
	}
	if cc == "" && !strings.Contains(build, "CC=") {
		found.add("%s: no C compiler chosen from TARGETARCH (go env -w CC=... in a RUN before the go build)", where)
		return
	}
	for arch, c := range crossCompilers {
		if !strings.Contains(cc+build, arch+")") || !strings.Contains(cc+build, c[0]) {
			found.add("%s: no C compiler %s for TARGETARCH %s", where, c[0], arch)
		}
		if !strings.Contains(cc, c[1]) {
			found.add("%s: does not install Debian's %s when %s is missing", where, c[1], c[0])
		}
	}
}

// unbrace writes ${NAME} as $NAME and drops double quotes, so that the
// spellings of one reference compare equal.
func unbrace(s string) string {
	s = strings.ReplaceAll(s, `"`, "")
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return s
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			return s
		}
		s = s[:i] + "$" + s[i+2:i+j] + s[i+j+1:]
	}
}
