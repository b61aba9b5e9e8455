#!/usr/bin/python3
"""Results must not depend on the number of threads (MODEL.md 8).

Usage: test_determinism.py MIGFLOW_BINARY SCENARIO_YAML

Runs the scenario for 60 days with seed 7 on 1, 2 and 4 threads and once with
seed 8, in a temporary directory of its own. Every dataset of the 1/2/4-thread
files must be exactly equal (values, dtype and shape), and so must the root
attributes except threads, wall_seconds and created; the seed-8 run must
differ. Needs Debian's python3-h5py (run with /usr/bin/python3).
"""
import json
import os
import sys

from checks import Checks
from runs import read_datasets, same
import runs

try:
    import h5py  # noqa: F401 (checked here, used through runs.py)
    import numpy as np
except ImportError as error:
    sys.exit(f"test_determinism: cannot import {error.name}: run with "
             "/usr/bin/python3 and install python3-h5py")

DAYS = 60
SEED = 7
OTHER_SEED = 8
THREADS = [1, 2, 4]
RUN_DEPENDENT_ATTRS = {"threads", "wall_seconds", "created", "history"}
# Dimension-scale bookkeeping: object references, not data.
MAIN_VARIABLES = ["occupancy", "link_flow"]
SUMMARY_KEYS = ["spawned", "present", "on_links", "arrived", "dead", "left",
                "interceptions", "expulsions", "agent_steps", "monitor_passes"]


def run(binary, scenario, output, summary, threads, seed):
    command = [binary, "run", scenario, "-o", output, "--days", str(DAYS),
               "--seed", str(seed), "--threads", str(threads), "--quiet",
               "--summary-json", summary]
    runs.run(command, env={"OMP_NUM_THREADS": str(threads)})


def describe_difference(a, b):
    a = np.asarray(a)
    b = np.asarray(b)
    if a.dtype != b.dtype:
        return f"dtype {a.dtype} != {b.dtype}"
    if a.shape != b.shape:
        return f"shape {a.shape} != {b.shape}"
    if a.dtype.kind in "iuf" and a.size:
        differ = np.argwhere(a != b)
        if len(differ):
            return (f"{len(differ)} of {a.size} values differ, first at "
                    f"{tuple(int(i) for i in differ[0])}: "
                    f"{a[tuple(differ[0])]} != {b[tuple(differ[0])]}")
    return "values differ"


def compare_runs(checks, reference, other, label):
    ref_data, ref_root = reference
    data, root = other
    checks.check(sorted(data) == sorted(ref_data), f"{label}: same datasets",
                 f"{sorted(set(data) ^ set(ref_data))}")
    for name in sorted(ref_data):
        if name not in data:
            continue
        (a, a_attrs), (b, b_attrs) = ref_data[name], data[name]
        checks.check(same(a, b), f"{label}: dataset {name} identical",
                     describe_difference(a, b))
        equal_attrs = (sorted(a_attrs) == sorted(b_attrs) and
                       all(same(a_attrs[k], b_attrs[k]) for k in a_attrs))
        checks.check(equal_attrs, f"{label}: attributes of {name} identical")
    keys = sorted(set(ref_root) - RUN_DEPENDENT_ATTRS)
    other_keys = sorted(set(root) - RUN_DEPENDENT_ATTRS)
    checks.check(keys == other_keys, f"{label}: same root attributes",
                 f"{sorted(set(keys) ^ set(other_keys))}")
    for key in keys:
        if key in root:
            checks.check(same(ref_root[key], root[key]),
                         f"{label}: root attribute {key} identical",
                         f"{ref_root[key]!r} != {root[key]!r}")


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: test_determinism.py MIGFLOW_BINARY SCENARIO_YAML")
    binary = os.path.abspath(argv[1])
    scenario = os.path.abspath(argv[2])
    checks = Checks()
    with checks.in_workdir("determinism") as workdir:
        runs = {}
        summaries = {}
        for threads, seed in [(t, SEED) for t in THREADS] + [(2, OTHER_SEED)]:
            label = f"seed {seed}, {threads} thread{'s' if threads > 1 else ''}"
            output = os.path.join(workdir, f"seed{seed}_threads{threads}.h5")
            summary = os.path.join(workdir, f"seed{seed}_threads{threads}.json")
            run(binary, scenario, output, summary, threads, seed)
            runs[(threads, seed)] = read_datasets(output)
            with open(summary, encoding="utf-8") as file:
                summaries[(threads, seed)] = json.load(file)
            root = runs[(threads, seed)][1]
            complete = root.get("complete")
            checks.check(complete is not None and int(complete) == 1,
                         f"{label}: complete attribute is 1", repr(complete))
            checks.check("seed" in root and int(root["seed"]) == seed,
                         f"{label}: seed attribute is {seed}", repr(root.get("seed")))

        reference = runs[(THREADS[0], SEED)]
        for name in MAIN_VARIABLES:
            checks.check(name in reference[0], f"dataset {name} present")
        for threads in THREADS[1:]:
            label = f"1 vs {threads} threads"
            compare_runs(checks, reference, runs[(threads, SEED)], label)
            a, b = summaries[(THREADS[0], SEED)], summaries[(threads, SEED)]
            differ = [key for key in SUMMARY_KEYS if a.get(key) != b.get(key)]
            checks.check(not differ, f"{label}: summary totals identical",
                         ", ".join(f"{k}: {a.get(k)} != {b.get(k)}" for k in differ))

        other = runs[(2, OTHER_SEED)][0]
        differs = [name for name in MAIN_VARIABLES
                   if name in other and name in reference[0] and
                   not same(reference[0][name][0], other[name][0])]
        checks.check(bool(differs), f"seed {OTHER_SEED} changes "
                     f"{' or '.join(MAIN_VARIABLES)}",
                     "identical to the seed 7 run")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
