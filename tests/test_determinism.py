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
import shutil
import subprocess
import sys
import tempfile

from checks import Checks

try:
    import h5py
    import numpy as np
except ImportError as error:
    sys.exit(f"test_determinism: cannot import {error.name}: run with "
             "/usr/bin/python3 and install python3-h5py")

DAYS = 60
SEED = 7
OTHER_SEED = 8
THREADS = [1, 2, 4]
RUN_DEPENDENT_ATTRS = {"threads", "wall_seconds", "created"}
# Dimension-scale bookkeeping: object references, not data.
REFERENCE_ATTRS = {"DIMENSION_LIST", "REFERENCE_LIST"}
MAIN_VARIABLES = ["occupancy", "link_flow"]
SUMMARY_KEYS = ["spawned", "present", "on_links", "arrived", "dead", "left",
                "interceptions", "expulsions", "agent_steps", "monitor_passes"]


def run(binary, scenario, output, summary, threads, seed):
    command = [binary, "run", scenario, "-o", output, "--days", str(DAYS),
               "--seed", str(seed), "--threads", str(threads), "--quiet",
               "--summary-json", summary]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    result = subprocess.run(command, capture_output=True, text=True, env=env,
                            timeout=1800)
    if result.returncode != 0:
        sys.stdout.write(result.stdout)
        sys.stdout.write(result.stderr)
        raise RuntimeError(f"{' '.join(command)} exited with {result.returncode}")


def read_datasets(path):
    """Every dataset of the file: name -> (array, its attributes)."""
    datasets = {}

    def visit(name, item):
        if isinstance(item, h5py.Dataset):
            attrs = {key: item.attrs[key] for key in item.attrs
                     if key not in REFERENCE_ATTRS}
            datasets[name] = (item[()], attrs)

    with h5py.File(path, "r") as file:
        file.visititems(visit)
        root = {key: file.attrs[key] for key in file.attrs}
    return datasets, root


def same_value(a, b):
    if isinstance(a, (str, bytes)) or isinstance(b, (str, bytes)):
        return type(a) is type(b) and a == b
    a = np.asarray(a)
    b = np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


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
        checks.check(same_value(a, b), f"{label}: dataset {name} identical",
                     describe_difference(a, b))
        equal_attrs = (sorted(a_attrs) == sorted(b_attrs) and
                       all(same_value(a_attrs[k], b_attrs[k]) for k in a_attrs))
        checks.check(equal_attrs, f"{label}: attributes of {name} identical")
    keys = sorted(set(ref_root) - RUN_DEPENDENT_ATTRS)
    other_keys = sorted(set(root) - RUN_DEPENDENT_ATTRS)
    checks.check(keys == other_keys, f"{label}: same root attributes",
                 f"{sorted(set(keys) ^ set(other_keys))}")
    for key in keys:
        if key in root:
            checks.check(same_value(ref_root[key], root[key]),
                         f"{label}: root attribute {key} identical",
                         f"{ref_root[key]!r} != {root[key]!r}")


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: test_determinism.py MIGFLOW_BINARY SCENARIO_YAML")
    binary = os.path.abspath(argv[1])
    scenario = os.path.abspath(argv[2])
    workdir = tempfile.mkdtemp(prefix="migflow-test-determinism-")
    os.chdir(workdir)
    checks = Checks()
    try:
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
                   not same_value(reference[0][name][0], other[name][0])]
        checks.check(bool(differs), f"seed {OTHER_SEED} changes "
                     f"{' or '.join(MAIN_VARIABLES)}",
                     "identical to the seed 7 run")
    except Exception as error:  # report, count and keep the files
        checks.check(False, "test ran to the end", f"{type(error).__name__}: {error}")
    os.chdir("/")
    if checks.failed:
        print(f"files kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
