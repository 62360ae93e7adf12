package s3server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Binary returns the versitygw executable to run: $VERSITYGW when set, else
// build/tools/bin/versitygw in the repository, as scripts/tools.sh installs it.
func Binary() (string, error) {
	if p := os.Getenv("VERSITYGW"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("s3server: $VERSITYGW: %w", err)
		}
		return p, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, "build", "tools", "bin", "versitygw")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("s3server: versitygw is not installed at %s: run scripts/tools.sh (or set $VERSITYGW)", p)
	}
	return p, nil
}

// RepoRoot returns the repository root: the first directory holding go.mod
// at or above the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("s3server: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("s3server: no go.mod at or above the working directory; run from inside the repository")
		}
		dir = parent
	}
}
