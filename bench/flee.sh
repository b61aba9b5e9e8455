#!/usr/bin/env bash
# The FLEE row of the benchmark: generates a FLEE instance of 64 locations
# and 400,000 agents (bench/flee_instance.py) and runs it with the FLEE rule
# set on 1 and 2 threads (migflow-bench-flee). Arguments go to
# migflow-bench-flee (--repeat N); BUILD_DIR overrides the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build-bench}"
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release -Dwerror=true >/dev/null
fi
ninja -C "$build" bench/migflow-bench-flee >/dev/null
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 bench/flee_instance.py "$dir/generated" --locations 64 --agents 400000 --days 300
OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}" "$build/bench/migflow-bench-flee" "$dir/generated" "$@"
