#!/usr/bin/env bash
# Prints the CHANGELOG.md section of a release, the notes of its GitHub
# release. Fails when there is none, so a tag cannot be released without
# its changelog entry.
# Usage: scripts/release-notes.sh v0.3.0
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 vX.Y.Z" >&2
  exit 2
fi
version="${1#v}"
changelog="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/CHANGELOG.md"

# The lines after "## [X.Y.Z]" up to the next "## [" heading, without the
# link definitions at the end of the file.
notes="$(awk -v v="$version" '
  index($0, "## [" v "]") == 1 { on = 1; next }
  on && /^## \[/ { exit }
  on && !/^\[[^]]*\]: / { print }
' "$changelog")"

if [ -z "$(printf '%s' "$notes" | tr -d '[:space:]')" ]; then
  echo "release-notes: CHANGELOG.md has no section \"## [$version]\"; add it before tagging v$version" >&2
  exit 1
fi
printf '%s\n' "$notes"
