#!/usr/bin/python3
"""Replicates in one file: `migflow run --replicates N` (MODEL.md 8 and 9).

Usage: test_replicates.py MIGFLOW_BINARY SCENARIO_YAML

Runs the scenario for 40 days as an ensemble of 3 replicates (2 threads),
and replicates 0, 1 and 2 alone (1 thread), in a temporary directory of its
own. Checks the layout (a leading replicate dimension on every variable along
time, the statistic dimension, summary_* variables with units and long names,
xarray decoding), the summary statistics against numpy (mean, and
numpy.percentile's default linear interpolation for p05, p50, p95), the
global attributes, and that replicate k run alone equals replicate k of the
ensemble in every dataset. Needs Debian's python3-h5py, python3-xarray and
python3-h5netcdf (run with /usr/bin/python3).
"""
import json
import os
import sys

from checks import RUN_VARIABLES, Checks
from runs import read_datasets, same
import runs

try:
    import h5py
    import numpy as np
    import xarray as xr
except ImportError as error:
    sys.exit(f"test_replicates: cannot import {error.name}: run with /usr/bin/python3 "
             "and install python3-h5py, python3-xarray and python3-h5netcdf")

DAYS = 40
REPLICATES = 3
SUMMARISED = ["occupancy", "deaths", "monitor_passes", "interceptions", "expulsions",
              "returns", "destination_arrivals"]
# Root attributes that differ between an ensemble and one of its replicates.
RUN_DEPENDENT_ATTRS = {"threads", "wall_seconds", "created", "history", "agent_steps", "replicate",
                       "replicates"}


def migflow(binary, *args, threads=1, expect=0):
    return runs.run([binary, *args], expect, {"OMP_NUM_THREADS": str(threads)})


def check_layout(checks, path):
    ds = xr.open_dataset(path, engine="h5netcdf")
    try:
        checks.check(ds.sizes.get("replicate") == REPLICATES, "replicate dimension of 3",
                     repr(dict(ds.sizes)))
        checks.check(list(ds.replicate.values) == list(range(REPLICATES)),
                     "replicate coordinate is 0..N-1", repr(ds.replicate.values))
        checks.check(list(ds.statistic.values) == ["mean", "p05", "p50", "p95"],
                     "statistic coordinate", repr(ds.statistic.values))
        for name, dims in RUN_VARIABLES.items():
            checks.check(ds[name].dims == ("replicate",) + dims, f"{name} dims",
                         repr(ds[name].dims))
            checks.check(ds[name].dtype == np.int64, f"{name} is int64")
            checks.check(ds[name].encoding.get("_FillValue") is None,
                         f"{name} has no _FillValue")
        for name in SUMMARISED:
            summary = f"summary_{name}"
            if not checks.check(summary in ds.variables, f"{summary} exists"):
                continue
            checks.check(ds[summary].dims == ("statistic",) + RUN_VARIABLES[name],
                         f"{summary} dims", repr(ds[summary].dims))
            checks.check(ds[summary].dtype == np.float64, f"{summary} is float64")
            checks.check("units" in ds[summary].attrs and "long_name" in ds[summary].attrs,
                         f"{summary} has units and long_name")
        checks.check(np.issubdtype(ds.time.dtype, np.datetime64), "time decodes to dates")
        checks.check(int(ds.attrs.get("replicates", -1)) == REPLICATES,
                     "replicates attribute", repr(ds.attrs.get("replicates")))
        checks.check("replicate" not in ds.attrs, "no single replicate attribute")
        checks.check(int(ds.attrs.get("complete", 0)) == 1, "complete attribute")
        # Selecting a replicate gives the layout of a single run.
        one = ds.sel(replicate=1)
        checks.check(one.occupancy.dims == RUN_VARIABLES["occupancy"],
                     "ds.sel(replicate=k) has the single-run dims")
        ds.load()
        checks.check(True, "every variable loads")
    finally:
        ds.close()


def check_statistics(checks, path):
    with h5py.File(path, "r") as file:
        labels = list(file["statistic"].asstr()[()])
        for name in SUMMARISED:
            values = file[name][()].astype(np.float64)
            summary = file[f"summary_{name}"][()]
            mean = summary[labels.index("mean")]
            checks.check(np.allclose(mean, values.mean(axis=0), rtol=1e-12, atol=0),
                         f"summary_{name} mean equals numpy's",
                         f"max difference {np.abs(mean - values.mean(axis=0)).max()}")
            expected = np.percentile(values, [5, 50, 95], axis=0)
            got = np.stack([summary[labels.index(s)] for s in ("p05", "p50", "p95")])
            checks.check(np.array_equal(got, expected),
                         f"summary_{name} p05, p50, p95 equal numpy.percentile's",
                         f"max difference {np.abs(got - expected).max()}")
        # Not a trivial check: the replicates differ.
        occupancy = file["occupancy"][()]
        checks.check(not np.array_equal(occupancy[0], occupancy[1]),
                     "replicates 0 and 1 differ")


def check_summary(checks, path, summary):
    with h5py.File(path, "r") as file:
        steps = int(file.attrs["agent_steps"])
        per_replicate = summary.get("per_replicate", [])
        checks.check(len(per_replicate) == REPLICATES, "summary JSON has every replicate")
        checks.check(steps == sum(r["agent_steps"] for r in per_replicate),
                     "agent_steps sums the replicates'", f"{steps}")
        for r, totals in enumerate(per_replicate):
            interceptions = int(file["interceptions"][r].sum())
            arrived = int(file["destination_arrivals"][r].sum())
            present = int(file["occupancy"][r, -1].sum())
            checks.check((interceptions, arrived, present) ==
                         (totals["interceptions"], totals["arrived"], totals["present"]),
                         f"replicate {r}: file totals equal the summary")


def check_replicate_alone(checks, ensemble, single, k):
    data, root = ensemble
    alone, alone_root = single
    label = f"replicate {k} alone"
    extra = sorted(set(data) - set(alone))
    checks.check(extra == ["replicate", "statistic"] +
                 sorted(f"summary_{n}" for n in SUMMARISED),
                 f"{label}: the ensemble adds only replicate, statistic and summaries",
                 repr(extra))
    checks.check(not set(alone) - set(data), f"{label}: has no dataset the ensemble lacks")
    for name in sorted(alone):
        if name not in data:
            continue
        value, attrs = alone[name]
        expected, expected_attrs = data[name]
        if name in RUN_VARIABLES:
            expected = expected[k]
        checks.check(same(value, expected), f"{label}: dataset {name} equals the ensemble's")
        checks.check(sorted(attrs) == sorted(expected_attrs) and
                     all(same(attrs[a], expected_attrs[a]) for a in attrs),
                     f"{label}: attributes of {name}")
    keys = sorted(set(root) - RUN_DEPENDENT_ATTRS)
    checks.check(keys == sorted(set(alone_root) - RUN_DEPENDENT_ATTRS),
                 f"{label}: same root attributes")
    for key in keys:
        if key in alone_root:
            checks.check(same(root[key], alone_root[key]), f"{label}: root attribute {key}")
    checks.check(int(alone_root.get("replicate", -1)) == k, f"{label}: replicate attribute")


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: test_replicates.py MIGFLOW_BINARY SCENARIO_YAML")
    binary = os.path.abspath(argv[1])
    scenario = os.path.abspath(argv[2])
    checks = Checks()
    with checks.in_workdir("replicates"):
        migflow(binary, "run", scenario, "-o", "ensemble.h5", "--days", str(DAYS),
                "--replicates", str(REPLICATES), "--quiet", "--summary-json", "ensemble.json",
                threads=2)
        checks.check(os.path.exists("ensemble.h5") and not os.path.exists("ensemble.h5.partial"),
                     "ensemble written, no partial file")
        with open("ensemble.json", encoding="utf-8") as file:
            summary = json.load(file)
        check_layout(checks, "ensemble.h5")
        check_statistics(checks, "ensemble.h5")
        check_summary(checks, "ensemble.h5", summary)
        ensemble = read_datasets("ensemble.h5")
        for k in range(REPLICATES):
            migflow(binary, "run", scenario, "-o", f"alone{k}.h5", "--days", str(DAYS),
                    "--replicate", str(k), "--quiet")
            single = read_datasets(f"alone{k}.h5")
            check_replicate_alone(checks, ensemble, single, k)

        printed = migflow(binary, "run", scenario, "-o", "printed.h5", "--days", "10",
                          "--replicates", "2").stdout
        checks.check("2 replicates" in printed and "p95" in printed,
                     "the summary of an ensemble gives means and percentiles", printed[:300])
        both = migflow(binary, "run", scenario, "-o", "x.h5", "--replicate", "1",
                       "--replicates", "2", expect=2)
        checks.check("not both" in both.stderr, "--replicate with --replicates is refused",
                     both.stderr)
        zero = migflow(binary, "run", scenario, "-o", "x.h5", "--replicates", "0", expect=2)
        checks.check("--replicates" in zero.stderr, "--replicates 0 is refused", zero.stderr)
        checks.check(not os.path.exists("x.h5"), "no file from a refused command line")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
