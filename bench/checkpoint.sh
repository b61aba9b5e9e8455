#!/bin/sh
# The cost of a checkpoint of 1e7 agents (issue 16): writes migflow-bench's
# synthetic scenario of 1e7 agents, runs it 6 days with a checkpoint after
# day 5, resumes it from there, and prints what the runs report: the
# seconds spent writing the checkpoint (fsync included), its bytes, and the
# seconds to read it back.
#
# usage: bench/checkpoint.sh [BUILD_DIR]   (default: build)
set -eu
build=${1:-build}
dir=$(mktemp -d /tmp/migflow-checkpoint-XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$build/bench/migflow-bench" --sizes 1e7 --write-scenario "$dir/synthetic.yaml" >/dev/null
"$build/src/cli/migflow" run "$dir/synthetic.yaml" -o "$dir/run.h5" --days 6 \
	--checkpoint "$dir/state.h5" --checkpoint-at 5 | grep -E "wall time|agent-steps|checkpoint"
echo "  agents in the checkpoint: $(/usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1])['sim.clock'][3])" "$dir/state.h5")"
rm "$dir/run.h5"
"$build/src/cli/migflow" run --resume "$dir/state.h5" | grep -E "resumed from"
