package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/s3append/s3append/test/e2e/s3server"
)

// TestMakeDemo runs the README's first command as a user would: `make
// demo` builds what it needs, starts its own S3 server, runs the plugin
// and reads both formats back with DuckDB, failing unless every record
// sent is read back.
func TestMakeDemo(t *testing.T) {
	root, err := s3server.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "--no-print-directory", "demo")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make demo: %v\n%s", err, out)
	}
	for _, what := range []string{"JSON lines", "Parquet"} {
		want := fmt.Sprintf("60000 records sent, 60000 read back by DuckDB from the %s objects.", what)
		if !strings.Contains(string(out), want) {
			t.Errorf("make demo did not say %q\n%s", want, out)
		}
	}
}
