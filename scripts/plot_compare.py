#!/usr/bin/python3
"""Scenario against baseline: the key indicators of two (or more) runs.

    scripts/plot_compare.py BASE.h5 ALT.h5 [ALT2.h5 ...] -o cmp.png
                            [--from DATE] [--to DATE] [--rolling N] [--names A,B]

One panel per indicator: monitoring-point passes inbound, outbound and
internal, arrivals at Lampedusa, deaths, interceptions at sea (daily flows,
centred --rolling mean, default 14 days), displaced persons present and
persons present in Libya (stocks). Each run is a line (the mean of its
replicates, 5-95 % shaded when it has replicates). Each panel's title gives
the totals over the window (flows summed; stocks on its last day) and the
change against the first run; the window starts at --from (default: the
baseline's report_from). Batch members are given as ``batch.h5#member``.
Run with /usr/bin/python3.
The migflow package must be importable: PYTHONPATH=python from the
repository root, or `meson install`.
"""
import argparse
import sys

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import migflow  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", help="BASE.h5 ALT.h5 ... (or batch.h5#member)")
    ap.add_argument("-o", "--output", required=True, help="PNG to write")
    ap.add_argument("--from", dest="start", help="first day of the totals (YYYY-MM-DD)")
    ap.add_argument("--to", dest="end", help="last day shown and totalled")
    ap.add_argument("--rolling", type=int, default=14,
                    help="days of the centred mean on daily flows (default 14)")
    ap.add_argument("--names", help="comma-separated names for the runs")
    ap.add_argument("--dpi", type=int, default=120)
    args = ap.parse_args(argv)
    if len(args.runs) < 2:
        ap.error("give a baseline and at least one scenario to compare")
    runs = []
    for path in args.runs:
        ds = migflow.open(path)
        if isinstance(ds, dict):
            ap.error(f"{path} is a batch: name a member as {path}#MEMBER "
                     f"({', '.join(ds)})")
        runs.append(ds)
    names = args.names.split(",") if args.names else None
    if names and len(names) != len(runs):
        ap.error("--names needs one name per run")
    if not names:
        names = []
        for path, ds in zip(args.runs, runs):
            name = ds.attrs.get("member") or ds.attrs.get("scenario_name") or path
            if name in names:
                name = f"{name} (seed {ds.attrs.get('seed', '?')})"
            names.append(name)
    fig = migflow.draw_compare(runs, names=names, start=args.start, end=args.end,
                               rolling=args.rolling)
    fig.savefig(args.output, dpi=args.dpi)
    plt.close(fig)
    print(f"plot_compare: wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
