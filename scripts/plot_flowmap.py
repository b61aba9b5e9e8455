#!/usr/bin/python3
"""Flow map of a migflow run: the network on a world outline, link width by
flow, places labelled.

    scripts/plot_flowmap.py RUN.h5 -o map.png [--from DATE --to DATE | --year Y]
                            [--member NAME] [--min-share F]

Each link is a line between its two places, as wide as the mean departures
per day over the window (default: the scenario's report_from to the end),
coloured by mode (road, desert, sea); the two directions of a pair sit side
by side, each on its right-hand side with an arrowhead. Dots are places,
their area the mean persons present, their colour the kind of place. The
outline is Natural Earth 1:110m as shipped in Debian's python3-geopandas
(geopandas.datasets 'naturalearth_lowres'); without geopandas the map has a
grid and country names only. Replicates are averaged. A batch needs
--member (or batch.h5#member). Run with /usr/bin/python3.
The migflow package must be importable: PYTHONPATH=python from the
repository root, or `meson install`.
"""
import argparse
import sys

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import migflow  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", help="run file (HDF5), or batch.h5#member")
    ap.add_argument("-o", "--output", required=True, help="PNG to write")
    ap.add_argument("--from", dest="start", help="first day of the window (YYYY-MM-DD)")
    ap.add_argument("--to", dest="end", help="last day of the window (YYYY-MM-DD)")
    ap.add_argument("--year", type=int, help="a calendar year as the window")
    ap.add_argument("--member", help="batch member to draw")
    ap.add_argument("--min-share", type=float, default=0.002,
                    help="omit links below this share of the largest flow (default 0.002)")
    ap.add_argument("--no-outline", action="store_true", help="draw no world outline")
    ap.add_argument("--dpi", type=int, default=130)
    args = ap.parse_args(argv)

    opened = migflow.open(args.run)
    if isinstance(opened, dict):
        if not args.member:
            ap.error(f"{args.run} is a batch: choose --member "
                     f"({', '.join(opened)})")
        if args.member not in opened:
            ap.error(f"no member {args.member} in {args.run} (members: {', '.join(opened)})")
        ds = opened[args.member]
    else:
        ds = opened
    start, end = args.start, args.end
    if args.year is None and start is None:
        start = str(np.datetime_as_string(migflow.report_from(ds), "D"))
    fig, ax = plt.subplots(figsize=(17, 10.5))
    # Fixed margins (no tight_layout afterwards: labels are placed for
    # this layout); the legend sits right of the map.
    fig.subplots_adjust(left=0.04, right=0.855, bottom=0.06, top=0.93)
    migflow.draw_flowmap(ax, ds, start=start, end=end, year=args.year,
                         outline=False if args.no_outline else None,
                         min_share=args.min_share)
    fig.savefig(args.output, dpi=args.dpi)
    plt.close(fig)
    print(f"plot_flowmap: wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
