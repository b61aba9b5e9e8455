#!/usr/bin/python3
"""The headline effects of what-ifs against a baseline, with paired intervals.

    scripts/whatif_table.py BASE.h5 ALT.h5 [ALT.h5 ...] [--from DATE] [--to DATE] [--markdown]

For each ALT run: arrivals at Lampedusa, outbound passes at Madama and all
deaths over the window (default 2025-06-01 to the end of the runs), the
baseline's and the what-if's means over replicates, and ALT - BASE with the
5th-95th percentile interval of the differences of replicate k with
replicate k (numpy's default percentiles, as migflow compare). The runs
must have the same replicates; when both ran under a posterior
(`migflow run --posterior --draws N`) with the same seed, replicate k has
the same parameters in both, and the interval holds parameter and
stochastic uncertainty together. Run with /usr/bin/python3.
The migflow package must be importable: PYTHONPATH=python from the
repository root, or `meson install`.
"""
import argparse
import os
import sys

import numpy as np  # noqa: E402

import migflow

ROWS = [
    ("arrivals at Lampedusa", "arrivals", {"place": "lampedusa"}),
    ("outbound passes at Madama", None, None),
    ("deaths", "deaths", {}),
]


def values(ds, start, end):
    """Per replicate, the three headline quantities over the window."""
    out = []
    for _label, name, filters in ROWS:
        if name is None:
            da = ds["monitor_passes"].sel(monitoring_point="Madama", direction="outbound")
            da = migflow.window(da, None, start, end).sum("time")
        else:
            da = migflow.indicator_total(ds, name, start, end, **filters)
        out.append(np.atleast_1d(np.asarray(da.values, dtype=float)))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("alts", nargs="+")
    parser.add_argument("--from", dest="start", default="2025-06-01")
    parser.add_argument("--to", dest="end", default=None)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    base = migflow.open_run(args.base)
    b = values(base, args.start, args.end)
    drawn = "replicate_parameters" in base.variables
    if args.markdown:
        print("| scenario | indicator | baseline | what-if | what-if − baseline [90 % interval] |")
        print("|---|---|---|---|---|")
    for path in args.alts:
        alt = migflow.open_run(path)
        a = values(alt, args.start, args.end)
        paired = drawn and "replicate_parameters" in alt.variables and np.array_equal(
            base["replicate_parameters"].values, alt["replicate_parameters"].values)
        name = alt.attrs.get("scenario_name", os.path.basename(path))
        for (label, _n, _f), x, y in zip(ROWS, b, a):
            if x.shape != y.shape:
                print(f"whatif_table: error: {path} has {y.size} replicates, {args.base} {x.size}",
                      file=sys.stderr)
                return 1
            d = y - x
            lo, hi = np.percentile(d, 5), np.percentile(d, 95)
            if args.markdown:
                print(f"| {name} | {label} | {x.mean():,.0f} | {y.mean():,.0f} | "
                      f"{d.mean():+,.0f} [{lo:+,.0f}, {hi:+,.0f}] |")
            else:
                print(f"{name:24s} {label:28s} {x.mean():12,.0f} {y.mean():12,.0f} "
                      f"{d.mean():+12,.0f} [{lo:+,.0f}, {hi:+,.0f}]"
                      f"{'  (posterior pairs)' if paired else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
