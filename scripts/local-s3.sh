#!/usr/bin/env bash
# A local S3-compatible server to try s3append with: versitygw (built into
# build/tools/bin by scripts/tools.sh, run here first) on 127.0.0.1:7070,
# keeping its data in /tmp/s3append-local-s3, with one bucket, "logs".
# Access key s3append, secret key s3append-local. Stop it with Ctrl-C.
#   LOCAL_S3_DIR   where the data goes (default /tmp/s3append-local-s3)
#   LOCAL_S3_PORT  the port (default 7070)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${LOCAL_S3_DIR:-/tmp/s3append-local-s3}"
port="${LOCAL_S3_PORT:-7070}"

"$root/scripts/tools.sh" >&2
# A bucket of versitygw's posix backend is a directory of its data.
mkdir -p "$dir/logs"
echo "local-s3: http://127.0.0.1:$port, bucket logs, data in $dir" >&2
exec "$root/build/tools/bin/versitygw" --access s3append --secret s3append-local \
  --region us-east-1 --port "127.0.0.1:$port" --quiet posix "$dir"
