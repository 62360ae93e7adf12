package sqsserver

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/s3append/s3append/test/e2e/s3server"
)

// Binary returns the goaws executable to run: $GOAWS when set, else
// build/tools/bin/goaws in the repository, as scripts/tools.sh installs it.
func Binary() (string, error) {
	if p := os.Getenv("GOAWS"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("sqsserver: $GOAWS: %w", err)
		}
		return p, nil
	}
	root, err := s3server.RepoRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, "build", "tools", "bin", "goaws")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("sqsserver: goaws is not installed at %s: run scripts/tools.sh (or set $GOAWS)", p)
	}
	return p, nil
}
