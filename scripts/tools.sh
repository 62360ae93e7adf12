#!/usr/bin/env bash
# Installs what the tests and the demo need, into the repository's build/
# and test/e2e/duckdb/ directories, from the Go module proxy and npm only.
# Idempotent: a second run does nothing but check.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/build/tools/bin"
versitygw_version="v1.8.0"
mkdir -p "$bin"

# An S3-compatible server for end-to-end tests and the demo.
stamp="$bin/.versitygw-$versitygw_version"
if [ ! -x "$bin/versitygw" ] || [ ! -f "$stamp" ]; then
  echo "tools: building versitygw $versitygw_version (about a minute the first time)"
  GOBIN="$bin" go install "github.com/versity/versitygw/cmd/versitygw@$versitygw_version"
  touch "$stamp"
else
  echo "tools: versitygw $versitygw_version present"
fi

# DuckDB for Node.js: the independent reader of what landed.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "tools: installing Node.js from Debian"
  apt-get update -qq && apt-get install -y -qq nodejs npm
fi
duck="$root/test/e2e/duckdb"
if [ ! -d "$duck/node_modules/@duckdb/node-api" ]; then
  echo "tools: installing DuckDB for Node.js"
  (cd "$duck" && npm ci --no-audit --no-fund --loglevel=error)
else
  echo "tools: DuckDB for Node.js present"
fi
