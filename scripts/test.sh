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

# The unit and integration suites again under AddressSanitizer and
# UndefinedBehaviorSanitizer (any report fails the run).
if [[ ! -f build-sanitize/build.ninja ]]; then
	meson setup build-sanitize -Dbuildtype=debug -Db_sanitize=address,undefined \
		-Db_lundef=false -Dwerror=true >/dev/null
fi
ninja -C build-sanitize >/dev/null
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	meson test -C build-sanitize --print-errorlogs --num-processes 2 --no-suite slow

# The MPI build (-Dmpi=enabled, OpenMPI): `mpirun -np 2 migflow batch
# scenarios/batch-example.yaml` must give the data of the serial batch (run
# by the build above).
if [[ ! -f build-mpi/build.ninja ]]; then
	meson setup build-mpi --buildtype=release -Dmpi=enabled -Dwerror=true >/dev/null
fi
ninja -C build-mpi >/dev/null
MIGFLOW_SERIAL_BINARY="$PWD/build/src/cli/migflow" \
	meson test -C build-mpi --print-errorlogs --suite mpi

# Last: each input loader under libFuzzer for 60 s (fuzz/, clang; any crash,
# leak or timeout fails the run).
scripts/fuzz.sh 60
