#!/usr/bin/python3
"""Time series of a migflow run, with replicate bands.

    scripts/plot_series.py RUN.h5 -o out.png [--var SPEC ...] [--rolling N]
                           [--from DATE] [--to DATE] [--member NAME ...]

One panel per --var (default: passes by direction, Lampedusa arrivals,
deaths by mode, interceptions, persons present in Libya, displaced persons).
A SPEC is an indicator (passes, passes_outbound, lampedusa_arrivals, deaths,
interceptions, displaced, libya_stock, present_by_country) or a variable of
the file, optionally narrowed and split: ``occupancy:place=agadez+sabha/intent``
(sum Agadez and Sabha, one line per intent); other dimensions are summed.
When the run has replicates the line is their mean and the 5-95 % range is
shaded. RUN.h5 may be a batch file (every member is drawn, or those named by
--member) or ``batch.h5#member``. Daily flows are smoothed with a centred
--rolling mean (default 7 days; 1 = raw). Run with /usr/bin/python3
(python3-xarray, python3-h5netcdf, python3-matplotlib).
The migflow package must be importable: PYTHONPATH=python from the
repository root, or `meson install`.
"""
import argparse
import math
import sys

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import migflow  # noqa: E402

DEFAULT_VARS = ["passes/direction", "lampedusa_arrivals", "deaths/mode", "interceptions",
                "libya_stock", "displaced"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", help="run or batch file (HDF5), or batch.h5#member")
    ap.add_argument("-o", "--output", required=True, help="PNG to write")
    ap.add_argument("--var", action="append", dest="vars", metavar="SPEC",
                    help="what to draw (repeatable); see the module doc")
    ap.add_argument("--rolling", type=int, default=7,
                    help="days of the centred mean applied to daily flows (default 7)")
    ap.add_argument("--from", dest="start", help="first date shown (YYYY-MM-DD)")
    ap.add_argument("--to", dest="end", help="last date shown (YYYY-MM-DD)")
    ap.add_argument("--member", action="append", help="batch members to draw")
    ap.add_argument("--dpi", type=int, default=120)
    args = ap.parse_args(argv)

    opened = migflow.open(args.run)
    if isinstance(opened, dict):
        names = args.member or list(opened)
        unknown = [n for n in names if n not in opened]
        if unknown:
            ap.error(f"no member {', '.join(unknown)} in {args.run} "
                     f"(members: {', '.join(opened)})")
        runs = [(n, opened[n]) for n in names]
    else:
        runs = [(None, opened)]
    specs = args.vars or DEFAULT_VARS
    ncols = 1 if len(specs) == 1 else 2
    nrows = math.ceil(len(specs) / ncols)
    width = 9 if ncols == 1 else 7 * ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, 3.2 * nrows + 1.2),
                             squeeze=False, sharex=True)
    axes = axes.ravel()
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    styles = ["-", "--", ":", "-."]
    for ax, spec in zip(axes, specs):
        k = 0
        long_name = units = selection = None
        for m, (member, ds) in enumerate(runs):
            try:
                da = migflow.select(ds, spec)
            except (KeyError, ValueError) as error:
                ap.error(str(error).strip("'\""))
            da = migflow.window(da, None, args.start, args.end)
            long_name = da.attrs.get("long_name", spec)
            units = migflow.unit_label(da.attrs.get("units", ""))
            selection = da.attrs.get("selection")
            rolling = args.rolling if migflow.per_day(units) else None
            for label, one in migflow.split_series(da):
                parts = [p for p in (member, label) if p]
                migflow.draw_series(ax, one, label=": ".join(parts) or None,
                                    color=palette[k % len(palette)], rolling=rolling,
                                    linestyle=styles[m % len(styles)] if label and member else "-")
                k += 1
        smooth = f", {args.rolling}-day mean" if migflow.per_day(units) and args.rolling > 1 else ""
        title = long_name + (f" [{selection}]" if selection else "")
        migflow.style_axis(ax, title, f"{units}{smooth}")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8.5, loc="best", framealpha=0.85)
    for i in range(len(specs), len(axes)):
        axes[i].set_visible(False)
        if i - ncols >= 0:  # the panel above now shows the dates
            axes[i - ncols].tick_params(labelbottom=True)
    first = runs[0][1]
    nrep = migflow.replicates(first)
    what = ", ".join(n for n, _ in runs if n) or first.attrs.get("scenario_name", "")
    how = [f"1 agent = {first.attrs.get('agent_scale', '?')} persons"]
    if nrep > 1:
        how.append(f"mean of {nrep} replicates, 5–95 % shaded")
    elif len(runs) == 1:
        how.insert(0, f"seed {first.attrs.get('seed', '?')}")
    fig.suptitle(f"migflow: {what}\n{' · '.join(how)}", fontsize=11)
    fig.tight_layout()
    fig.savefig(args.output, dpi=args.dpi)
    plt.close(fig)
    print(f"plot_series: wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
