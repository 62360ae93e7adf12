package lint

import (
	"slices"
	"strings"
	"testing"
)

// imagePlatforms are the platforms of every image.
var imagePlatforms = []string{"linux/amd64", "linux/arm64"}

// releaseNotes prints a release's CHANGELOG.md section.
const releaseNotes = "scripts/release-notes.sh"

// checkRelease checks the release workflow: a v* tag runs make test and
// make cross in the Dockerfile's build image and keeps build/dist; both
// images (the default target and the sidecar) are pushed for every
// platform with OCI labels, an SBOM and provenance; and the GitHub release
// is made last, from the kept files, once the images are out.
func checkRelease(src, goVersion string) problems {
	found := runActionlint(releaseWorkflow, src)
	wf, err := parseWorkflow(src)
	if err != nil {
		found.add("%s: %v", releaseWorkflow, err)
		return found
	}
	if push, ok := wf.On["push"]; !ok || !slices.Contains(push.Tags, "v*") {
		found.add("%s: not run on push of a v* tag", releaseWorkflow)
	} else if len(push.Branches) > 0 {
		found.add("%s: also run on pushes to branches; a release is made from tags only", releaseWorkflow)
	}
	if j, _ := wf.stepRunning("make test"); j == nil {
		found.add("%s: no step runs make test", releaseWorkflow)
	} else {
		checkTestContainer(&found, releaseWorkflow, j, goVersion)
		// A tag without its changelog entry stops before the long build.
		notes := slices.IndexFunc(j.Steps, func(s step) bool { return strings.Contains(s.Run, releaseNotes) })
		test := slices.IndexFunc(j.Steps, func(s step) bool { return strings.Contains(s.Run, "make test") })
		if notes < 0 || notes > test {
			found.add("%s: job %s does not check the tag's release notes (%s) before make test", releaseWorkflow, j.id, releaseNotes)
		}
	}
	if j, _ := wf.stepRunning("make cross dist"); j == nil {
		found.add("%s: no step runs make cross dist", releaseWorkflow)
	}
	if _, up := wf.stepUsing("actions/upload-artifact"); up == nil || strings.TrimSuffix(up.With["path"], "/") != "build/dist" {
		found.add("%s: build/dist is not kept for the release (actions/upload-artifact with path build/dist/)", releaseWorkflow)
	}
	images := checkImages(&found, wf)
	j, publish := wf.stepRunning("gh release")
	switch {
	case j == nil:
		found.add("%s: no step publishes the GitHub release (gh release)", releaseWorkflow)
	case !strings.Contains(publish.Run, releaseNotes):
		found.add("%s: the release's notes are not its CHANGELOG.md section (%s)", releaseWorkflow, releaseNotes)
	case images != nil && !slices.Contains(j.needs(), images.id):
		found.add("%s: job %s publishes the release without waiting for the images (needs: %s)", releaseWorkflow, j.id, images.id)
	case wf.permission(j, "contents") != "write":
		found.add("%s: job %s publishes the release without permissions contents: write", releaseWorkflow, j.id)
	}
	if _, a := wf.stepUsing("actions/attest-build-provenance"); a == nil {
		found.add("%s: the release files get no provenance attestation (actions/attest-build-provenance)", releaseWorkflow)
	}
	return found
}

// checkImages checks the image build and returns its job.
func checkImages(found *problems, wf *workflow) *job {
	j, b := wf.stepUsing("docker/build-push-action")
	if b == nil {
		found.add("%s: no docker/build-push-action step builds the images", releaseWorkflow)
		return nil
	}
	where := releaseWorkflow + ": job " + j.id
	platforms := strings.Split(strings.ReplaceAll(b.With["platforms"], " ", ""), ",")
	for _, p := range imagePlatforms {
		if !slices.Contains(platforms, p) {
			found.add("%s: the images are not built for %s (platforms: %s)", where, p, b.With["platforms"])
		}
	}
	if b.With["push"] != "true" {
		found.add("%s: the images are not pushed (push: true)", where)
	}
	if b.With["sbom"] != "true" {
		found.add("%s: the images carry no SBOM attestation (sbom: true)", where)
	}
	if v := b.With["provenance"]; v == "" || v == "false" {
		found.add("%s: the images carry no provenance attestation (provenance: mode=max)", where)
	}
	if !strings.Contains(b.With["labels"], "outputs.labels") {
		found.add("%s: the images get no OCI labels (labels from docker/metadata-action)", where)
	}
	if _, meta := wf.stepUsing("docker/metadata-action"); meta == nil || !strings.HasPrefix(meta.With["images"], "ghcr.io/") {
		found.add("%s: the images are not named on GHCR (docker/metadata-action images: ghcr.io/...)", where)
	}
	for _, arg := range []string{"VERSION=", "COMMIT=", "DATE="} {
		if !strings.Contains(b.With["build-args"], arg) {
			found.add("%s: the images' binaries are not stamped (build-args lacks %s)", where, arg)
		}
	}
	if wf.permission(j, "packages") != "write" {
		found.add("%s: no permissions packages: write, so GHCR refuses the push", where)
	}
	// The targets: the build-push step's own, or its matrix's.
	targets := []string{b.With["target"]}
	if strings.Contains(b.With["target"], "matrix.target") {
		targets = nil
		for _, row := range j.Strategy.Matrix.Include {
			targets = append(targets, row["target"])
		}
	}
	for _, want := range []string{"", sidecarStage} {
		if !slices.Contains(targets, want) {
			found.add("%s: the image of target %q is not built (targets %q)", where, want, targets)
		}
	}
	return j
}

func TestWorkflowsRefuse(t *testing.T) {
	goVersion, err := goDirective(readRepo(t, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	ci := readRepo(t, ciWorkflow)
	for _, r := range []refusal{
		{"no pull requests", "  pull_request:\n", "", "not run on pull_request"},
		{"no make test", "run: .ci/run", "run: make lint", "no step runs make test"},
		{"other go", "golang:1.26.8-bookworm", "golang:1.25.4-bookworm", "has Go 1.25.4, go.mod says go " + goVersion},
		{"newer glibc", "container: golang:1.26.8-bookworm", "container: golang:1.26.8-trixie", "want container golang:" + goVersion + "-bookworm"},
		{"bad key (actionlint)", "timeout-minutes: 60", "timeout-minute: 60", "unexpected key \"timeout-minute\""},
	} {
		expectRefusal(t, r.name, checkCI(mutate(t, ci, r.old, r.new), goVersion), r.want)
	}
	rel := readRepo(t, releaseWorkflow)
	for _, r := range []refusal{
		{"branches", "tags: ['v*']", "tags: ['v*']\n    branches: [main]", "also run on pushes to branches"},
		{"any tag", "tags: ['v*']", "tags: ['*']", "not run on push of a v* tag"},
		{"untested", "run: make test VERSION", "run: make vet VERSION", "no step runs make test"},
		{"not cross", "run: make cross dist", "run: make dist", "no step runs make cross dist"},
		{"notes unchecked", "run: scripts/release-notes.sh", "run: cat CHANGELOG.md #", "does not check the tag's release notes"},
		{"notes not from changelog", "scripts/release-notes.sh \"$TAG\" > notes.md", "echo \"$TAG\" > notes.md", "notes are not its CHANGELOG.md section"},
		{"no arm64 image", "platforms: linux/amd64,linux/arm64", "platforms: linux/amd64", "not built for linux/arm64"},
		{"not pushed", "push: true", "push: false", "the images are not pushed"},
		{"no sbom", "sbom: true", "sbom: false", "no SBOM attestation"},
		{"no provenance", "provenance: mode=max", "provenance: false", "no provenance attestation"},
		{"no labels", "labels: ${{ steps.meta.outputs.labels }}", "", "no OCI labels"},
		{"not on ghcr", "images: ghcr.io/", "images: docker.io/", "not named on GHCR"},
		{"unstamped image", "COMMIT=${{ github.sha }}", "", "build-args lacks COMMIT="},
		{"no sidecar", "target: sidecar", "target: ''", "image of target \"sidecar\" is not built"},
		{"no packages permission", "packages: write", "packages: read", "GHCR refuses the push"},
		{"release first", "needs: [artifacts, images]", "needs: [artifacts]", "without waiting for the images"},
		{"release read-only", "contents: write", "contents: read", "without permissions contents: write"},
		{"release unattested", "actions/attest-build-provenance@v4", "actions/attest-sbom@v2", "no provenance attestation (actions/attest-build-provenance)"},
		{"dist not kept", "path: build/dist/", "path: build/", "build/dist is not kept"},
		{"unknown input (actionlint)", "sbom: true", "sbom: true\n          squash: true", "input \"squash\" is not defined"},
		{"bad expression (actionlint)", "${{ github.ref_name }}", "${{ github.ref_nam }}", "property \"ref_nam\" is not defined"},
	} {
		expectRefusal(t, r.name, checkRelease(mutate(t, rel, r.old, r.new), goVersion), r.want)
	}
}
