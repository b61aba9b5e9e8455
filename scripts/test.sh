#!/usr/bin/env bash
# README command 2: install what is missing, build, and run the whole test
# suite (unit, integration and slow). .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
if ! meson test -C build --list 2>/dev/null | grep -q 'integration / sim'; then
	meson setup --reconfigure build >/dev/null
	ninja -C build >/dev/null
fi
meson test -C build --print-errorlogs --num-processes 2
