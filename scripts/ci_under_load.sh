#!/usr/bin/env bash
# The CI command on fresh clones of one commit, RUNS times in a row, each beside two CPU hogs (the
# suite must pass on a busy machine, every time). Prints one line per run.
#
#   scripts/ci_under_load.sh [COMMIT] [RUNS]      # default: HEAD, 3
#
# Clones under the parent of this checkout, so that ../shared is where the suite expects it.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
COMMIT="${1:-$(git -C "$ROOT" rev-parse HEAD)}"
RUNS="${2:-3}"
for i in $(seq 1 "$RUNS"); do
  clone="$(dirname "$ROOT")/ci-under-load-$i"
  rm -rf "$clone"
  git clone -q "$ROOT" "$clone" && git -C "$clone" checkout -q "$COMMIT" || exit 1
  yes > /dev/null & hog1=$!
  yes > /dev/null & hog2=$!
  # the hogs go with the run, also when it is interrupted
  trap 'kill "$hog1" "$hog2" 2>/dev/null' EXIT
  trap 'exit 130' INT TERM
  start=$(date +%s)
  (cd "$clone" && CI=true bash .ci/run > "$clone.log" 2>&1)
  rc=$?
  kill "$hog1" "$hog2" 2>/dev/null
  echo "run $i of $COMMIT: exit $rc, $(( $(date +%s) - start )) s, $(tail -1 "$clone.log")"
  rm -rf "$clone"
done
