#!/bin/sh
# Appends LINE_COUNT numbered lines to $LOG_DIR/app.log, then creates
# $LOG_DIR/writer.done. Each line has the one format the end-to-end checks
# read (checkWriterLines in test/e2e/logwriter_test.go):
#
#   s3append-e2e line 000001 of 001000
#
# The same script runs in the compose harness (busybox sh) and in
# TestLogWriterLines (the host's sh), so the two cannot drift apart.
set -eu
: "${LOG_DIR:?set LOG_DIR to the directory Fluent Bit tails}"
: "${LINE_COUNT:?set LINE_COUNT to the number of lines to write}"

i=1
while [ "$i" -le "$LINE_COUNT" ]; do
    printf 's3append-e2e line %06d of %06d\n' "$i" "$LINE_COUNT"
    i=$((i + 1))
done >>"$LOG_DIR/app.log"
touch "$LOG_DIR/writer.done"
