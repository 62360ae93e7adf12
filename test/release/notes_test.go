package release

import (
	"os/exec"
	"strings"
	"testing"
)

// The release workflow takes a release's notes from its CHANGELOG.md
// section, and refuses a tag that has none.
func TestReleaseNotes(t *testing.T) {
	out, err := exec.Command("../../scripts/release-notes.sh", "v0.1.0").Output()
	if err != nil {
		t.Fatalf("release-notes.sh v0.1.0: %v", err)
	}
	notes := string(out)
	if !strings.Contains(notes, "The first release") || strings.Contains(notes, "## [") || strings.Contains(notes, "]: https://") {
		t.Errorf("notes of v0.1.0 are not its section alone:\n%s", notes)
	}
	cmd := exec.Command("../../scripts/release-notes.sh", "v99.0.0")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), `no section "## [99.0.0]"`) {
		t.Errorf("release-notes.sh v99.0.0: %v, %q; want a refusal", err, out)
	}
}
