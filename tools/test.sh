#!/usr/bin/env bash
# `npm test [-- jest arguments]`: type-check, lint, then jest.
#
# tsc and eslint are single-threaded, so they run side by side, one core each, and both keep their
# incremental state in node_modules/.cache: a warm run re-checks only what changed. eslint runs
# without type information (eslint.config.js), so its per-file cache cannot miss a change made in
# another file; tsc's build info tracks dependencies between files itself. Jest runs after both pass.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

bin=node_modules/.bin
cache=node_modules/.cache
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

started=$SECONDS
"$bin/tsc" --noEmit -p . --incremental --tsBuildInfoFile "$cache/tsc/tsconfig.tsbuildinfo" > "$logs/tsc" 2>&1 &
tsc_pid=$!
"$bin/eslint" --cache --cache-strategy content --cache-location "$cache/eslint/" . > "$logs/eslint" 2>&1 &
eslint_pid=$!
wait "$tsc_pid"
tsc_status=$?
wait "$eslint_pid"
eslint_status=$?
cat "$logs/tsc" "$logs/eslint"
if [ "$tsc_status" -ne 0 ] || [ "$eslint_status" -ne 0 ]; then
  [ "$tsc_status" -ne 0 ] && echo "npm test: tsc found type errors (above); jest did not run." >&2
  [ "$eslint_status" -ne 0 ] && echo "npm test: eslint found problems (above); jest did not run." >&2
  exit 1
fi
echo "tsc and eslint: clean ($((SECONDS - started)) s)"

NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--experimental-vm-modules" exec "$bin/jest" --ci "$@"
