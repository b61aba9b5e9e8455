#!/usr/bin/env bash
# README command 1: install what is missing, build, run the baseline scenario
# into build/baseline.h5 and print its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build/src/cli/migflow run scenarios/baseline.yaml -o build/baseline.h5 --force "$@"
