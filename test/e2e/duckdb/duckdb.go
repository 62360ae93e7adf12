// Package duckdb lets end-to-end tests read the objects the plugin wrote
// with an independent reader: DuckDB, run by node through query.mjs in this
// directory. DuckDB cannot reach S3 here (its httpfs extension cannot be
// downloaded), so tests copy objects to a local directory and query the
// files, e.g.
//
//	SELECT count(*) FROM read_json('dir/**/*.json.gz', format='newline_delimited', compression='gzip')
package duckdb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Query runs sql in a fresh in-memory DuckDB and returns the rows of its
// last statement. Values are decoded from DuckDB's JSON conversion:
// BIGINT, HUGEINT and DECIMAL arrive as strings (count(*) is "3"), other
// numbers as float64, DATE and TIMESTAMP as strings, lists as []any and
// structs as map[string]any. Cast in SQL (count(*)::INTEGER) to get numbers.
func Query(sql string) ([]map[string]any, error) {
	dir, err := scriptDir()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api")); err != nil {
		return nil, fmt.Errorf("duckdb: %s/node_modules lacks @duckdb/node-api: run scripts/tools.sh", dir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("duckdb: node is not on PATH: %w", err)
	}
	cmd := exec.Command(node, "query.mjs")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(sql) // no limit on length, unlike an argument
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("duckdb: %v: %s\nquery: %s", err, strings.TrimSpace(stderr.String()), sql)
	}
	var rows []map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &rows); err != nil {
		return nil, fmt.Errorf("duckdb: decoding the rows printed by query.mjs: %w (output %.200q)", err, stdout.String())
	}
	return rows, nil
}

// scriptDir finds this package's directory, the one holding query.mjs, from
// the repository root above the working directory.
func scriptDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("duckdb: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "test", "e2e", "duckdb"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("duckdb: no go.mod above the working directory; run from inside the repository")
		}
		dir = parent
	}
}
