#!/usr/bin/env bash
# Installs what the tests need, inside the repository only:
#   build/tools/bin/versitygw     S3-compatible server (Go module proxy)
#   build/tools/bin/goaws         SQS server, query protocol (Go module proxy)
#   build/tools/bin/actionlint    GitHub workflow checker of make lint (Go module proxy)
#   test/e2e/duckdb/node_modules  DuckDB for Node.js (npm registry, npm ci)
#   aarch64-linux-gnu-gcc         the arm64 C cross compiler of make cross, and
#   qemu-aarch64                  qemu-user, which runs the arm64 .so in make test
#                                 (Debian packages, apt-get, system-wide)
# Idempotent: what is already there at the pinned version is left alone.
# Usage: scripts/tools.sh [versitygw|goaws|actionlint|duckdb|cross]...  (none: all)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/build/tools/bin"
versitygw_module="github.com/versity/versitygw"
versitygw_version="v1.8.0"
goaws_module="github.com/Admiral-Piett/goaws"
goaws_version="v0.4.5"
# A binary, not a library of test/lint: it needs another go.yaml.in/yaml/v4
# than compose-go there, and the two APIs differ.
actionlint_module="github.com/rhysd/actionlint"
actionlint_version="v1.7.12"
duckdb_dir="$root/test/e2e/duckdb"

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "tools: $1 is not on PATH; $2" >&2
    exit 1
  fi
}

# installed_version prints the main module version a Go binary was built from.
installed_version() {
  go version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'
}

install_versitygw() {
  need go "install Go (see go.mod for the version)"
  local target="$bin/versitygw"
  if [ -x "$target" ] && [ "$(installed_version "$target")" = "$versitygw_version" ]; then
    echo "tools: versitygw $versitygw_version already in build/tools/bin"
    return
  fi
  mkdir -p "$bin"
  echo "tools: building versitygw $versitygw_version into build/tools/bin (about a minute the first time)"
  # pkg@version builds outside this module: go.mod and go.sum stay untouched.
  GOBIN="$bin" go install "$versitygw_module/cmd/versitygw@$versitygw_version"
  local got
  got="$(installed_version "$target")"
  if [ "$got" != "$versitygw_version" ]; then
    echo "tools: build/tools/bin/versitygw reports version '$got', want $versitygw_version" >&2
    exit 1
  fi
  echo "tools: installed versitygw $versitygw_version"
}

install_goaws() {
  need go "install Go (see go.mod for the version)"
  local target="$bin/goaws"
  if [ -x "$target" ] && [ "$(installed_version "$target")" = "$goaws_version" ]; then
    echo "tools: goaws $goaws_version already in build/tools/bin"
    return
  fi
  mkdir -p "$bin"
  echo "tools: building goaws $goaws_version into build/tools/bin"
  # The module's main package is app/cmd, so go install names the binary
  # cmd; build into a scratch GOBIN and move it under its real name, so no
  # stray build/tools/bin/cmd is left behind.
  local scratch
  scratch="$(mktemp -d)"
  GOBIN="$scratch" go install "$goaws_module/app/cmd@$goaws_version"
  mv "$scratch/cmd" "$target"
  rmdir "$scratch"
  local got
  got="$(installed_version "$target")"
  if [ "$got" != "$goaws_version" ]; then
    echo "tools: build/tools/bin/goaws reports version '$got', want $goaws_version" >&2
    exit 1
  fi
  echo "tools: installed goaws $goaws_version"
}

install_actionlint() {
  need go "install Go (see go.mod for the version)"
  local target="$bin/actionlint"
  if [ -x "$target" ] && [ "$(installed_version "$target")" = "$actionlint_version" ]; then
    echo "tools: actionlint $actionlint_version already in build/tools/bin"
    return
  fi
  mkdir -p "$bin"
  echo "tools: building actionlint $actionlint_version into build/tools/bin"
  GOBIN="$bin" go install "$actionlint_module/cmd/actionlint@$actionlint_version"
  local got
  got="$(installed_version "$target")"
  if [ "$got" != "$actionlint_version" ]; then
    echo "tools: build/tools/bin/actionlint reports version '$got', want $actionlint_version" >&2
    exit 1
  fi
  echo "tools: installed actionlint $actionlint_version"
}

install_duckdb() {
  need node "install Node.js 18 or later"
  need npm "install npm"
  local marker="$duckdb_dir/node_modules/.package-lock.json"
  if [ -d "$duckdb_dir/node_modules/@duckdb/node-api" ] && [ -f "$marker" ] &&
    [ "$marker" -nt "$duckdb_dir/package-lock.json" ] && [ "$marker" -nt "$duckdb_dir/package.json" ]; then
    echo "tools: DuckDB for Node.js already in test/e2e/duckdb/node_modules"
    return
  fi
  echo "tools: installing DuckDB for Node.js into test/e2e/duckdb/node_modules"
  local log
  log="$(mktemp)"
  if ! (cd "$duckdb_dir" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
    # npm ci insists that the lock file list every platform's optional
    # binding package, and a registry without some of them (as here)
    # yields a lock file without them. npm install --no-save installs the
    # same locked versions and leaves package.json and the lock untouched.
    echo "tools: npm ci refused the lock file ($(grep -m1 -o 'Missing: [^ ]*' "$log" || echo 'see npm output')); using npm install --no-save"
    (cd "$duckdb_dir" && npm install --no-save --no-audit --no-fund --loglevel=error)
  fi
  rm -f "$log"
  echo "tools: installed $(cd "$duckdb_dir" && node -p "'@duckdb/node-api ' + require('./node_modules/@duckdb/node-api/package.json').version")"
}

# install_cross installs the arm64 cross compiler and the arm64 glibc it
# links against (Debian 12's glibc, 2.36, is the Fluent Bit image's, so a
# .so built against it loads there), and qemu-user, which runs an arm64
# test host on the .so (no binfmt registration: it is called by name).
install_cross() {
  local cc=aarch64-linux-gnu-gcc
  local pkgs=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)
  # A compiler without its libc cannot link: ask for both.
  if command -v "$cc" >/dev/null 2>&1 && [ "$("$cc" -print-file-name=libc.so)" != libc.so ] &&
    command -v qemu-aarch64 >/dev/null 2>&1; then
    echo "tools: $cc $("$cc" -dumpversion) and qemu-aarch64 already installed"
    return
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "tools: $cc (with an arm64 glibc) or qemu-aarch64 is missing and there is no apt-get here;" \
      "install ${pkgs[*]} or their equivalent, or name another compiler with make CC_arm64=..." >&2
    exit 1
  fi
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo)
    else
      echo "tools: $cc or qemu-aarch64 is missing; installing them needs root: sudo apt-get install -y ${pkgs[*]}" >&2
      exit 1
    fi
  fi
  echo "tools: installing ${pkgs[*]} with apt-get (system-wide)"
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
    ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}"; then
    echo "tools: apt-get could not install ${pkgs[*]}; install them by hand, then run make cross again" >&2
    exit 1
  fi
  if [ "$("$cc" -print-file-name=libc.so)" = libc.so ] || ! command -v qemu-aarch64 >/dev/null 2>&1; then
    echo "tools: after the install, $cc finds no arm64 libc or qemu-aarch64 is missing" >&2
    exit 1
  fi
  echo "tools: installed $cc $("$cc" -dumpversion) and qemu-aarch64"
}

if [ $# -eq 0 ]; then
  set -- versitygw goaws actionlint duckdb cross
fi
for tool in "$@"; do
  case "$tool" in
  versitygw | goaws | actionlint | duckdb | cross) "install_$tool" ;;
  *)
    echo "tools: unknown tool $tool (versitygw, goaws, actionlint, duckdb, cross)" >&2
    exit 2
    ;;
  esac
done
