#!/usr/bin/env bash
# Builds migflow in build-bench/ (release, -Werror) and runs the benchmark of
# issue 6. Arguments go to migflow-bench (try --help); BUILD_DIR overrides the
# build directory. See bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build-bench}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release -Dwerror=true >"$log" 2>&1 || { cat "$log"; exit 1; }
fi
ninja -C "$build" bench/migflow-bench >"$log" 2>&1 || { cat "$log"; exit 1; }
"$build/bench/migflow-bench" "$@"
