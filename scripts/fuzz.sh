#!/usr/bin/env bash
# Fuzzes the input loaders with libFuzzer (fuzz/, clang): builds build-fuzz
# (ASan + UBSan, -Dfuzz=true) and runs each target for SECONDS (default 60)
# on a copy of its seed corpus fuzz/corpus/<target>/. Prints each target's
# number of executions; exits non-zero on a crash, a leak or a timeout, with
# the input kept as build-fuzz/fuzz-out/<target>/crash-* (or leak-*, timeout-*).
#
#   scripts/fuzz.sh [SECONDS]
#
# To fuzz longer, e.g. one target for an hour on both cores, keeping what it
# finds in its corpus copy:
#   scripts/fuzz.sh 0    # only builds (SECONDS = 0 skips the runs)
#   build-fuzz/fuzz/fuzz_scenario -max_total_time=3600 -timeout=10 -rss_limit_mb=2048 \
#       -jobs=2 -workers=2 build-fuzz/fuzz-out/scenario/corpus fuzz/corpus/scenario
# Replay a finding: build-fuzz/fuzz/fuzz_<target> build-fuzz/fuzz-out/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
targets=(scenario network targets batch flee)

if [[ ! -f build-fuzz/build.ninja ]]; then
	CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized -Dwerror=true >/dev/null
fi
# Quiet when it builds; the compiler's messages when it does not.
if ! ninja -C build-fuzz "${targets[@]/#/fuzz/fuzz_}" >build-fuzz/ninja.log 2>&1; then
	cat build-fuzz/ninja.log >&2
	echo "fuzz: building the fuzz targets with clang failed (above)" >&2
	exit 1
fi
((seconds > 0)) || exit 0

export OMP_WAIT_POLICY=passive OMP_NUM_THREADS=1
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
failed=()
for target in "${targets[@]}"; do
	out="build-fuzz/fuzz-out/$target"
	rm -rf "$out"
	mkdir -p "$out/corpus"
	cp fuzz/corpus/"$target"/* "$out/corpus/"
	status=0
	(cd "$out" && ../../fuzz/fuzz_"$target" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix=./ corpus) >"$out/log" 2>&1 || status=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out/log" | tail -n 1)
	found=$(cd "$out" && ls crash-* leak-* timeout-* oom-* slow-unit-* 2>/dev/null | grep -v '^slow-unit-' || true)
	if ((status != 0)) || [[ -n "$found" ]]; then
		echo "fuzz: $target: FAILED (status $status) after ${runs:-?} runs: ${found:-see $out/log}"
		grep -m 20 -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x' "$out/log" || true
		failed+=("$target")
	else
		echo "fuzz: $target: ${runs:-?} runs in ${seconds} s, no crash"
	fi
done
if ((${#failed[@]})); then
	echo "fuzz: failed: ${failed[*]} (logs in build-fuzz/fuzz-out/<target>/log)"
	exit 1
fi
