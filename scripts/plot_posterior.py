#!/usr/bin/python3
"""Pair plot of a `migflow posterior` file, and its predictive check.

    scripts/plot_posterior.py POST.h5 -o pairs.png [--parameters A,B,...] [--check check.png]

The pair plot shows the last generation's particles by weight: histograms on
the diagonal, scatter plots below it, the weighted correlations above it.
With --check, a second figure: each target's observed value against its
posterior predictive 90 % interval. Run with /usr/bin/python3.
The migflow package must be importable: PYTHONPATH=python from the
repository root, or `meson install`.
"""
import argparse
import sys

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import migflow  # noqa: E402


def draw_check(ds, output, dpi=120):
    check = migflow.predictive_check(ds)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(check) + 1.2))
    for y, (name, row) in enumerate(check.iterrows()):
        scale = row["observed"] if row["observed"] else 1.0
        ax.plot([row["q05"] / scale, row["q95"] / scale], [y, y], color="tab:blue", lw=4,
                alpha=0.6)
        ax.plot(row["q50"] / scale, y, "|", color="tab:blue", ms=12)
        ax.plot(1.0, y, "o", color="black" if row["inside"] else "tab:red")
    ax.set_yticks(range(len(check)))
    ax.set_yticklabels(check.index, fontsize=8)
    ax.axvline(1.0, color="grey", lw=0.5)
    ax.set_xlabel("simulated / observed (bar: predictive 90 % interval, tick: median; "
                  "dot: the observation)", fontsize=8)
    ax.set_title(f"posterior predictive check: {int(check['inside'].sum())} of {len(check)} "
                 "observations inside", fontsize=10)
    fig.tight_layout()
    fig.savefig(output, dpi=dpi)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("posterior")
    parser.add_argument("-o", "--output", required=True, help="pair plot (PNG)")
    parser.add_argument("--parameters", help="comma-separated subset of the parameters")
    parser.add_argument("--check", help="also draw the predictive check into this PNG")
    parser.add_argument("--dpi", type=int, default=120)
    args = parser.parse_args(argv)
    try:
        ds = migflow.open_posterior(args.posterior)
    except (OSError, ValueError) as error:
        print(f"plot_posterior: error: {error}", file=sys.stderr)
        return 1
    chosen = args.parameters.split(",") if args.parameters else None
    names = [str(p) for p in ds["parameter"].values]
    for p in chosen or []:
        if p not in names:
            print(f"plot_posterior: error: no parameter '{p}' (the file has {', '.join(names)})",
                  file=sys.stderr)
            return 2
    fig = migflow.draw_pairs(ds, chosen)
    fig.savefig(args.output, dpi=args.dpi)
    plt.close(fig)
    if args.check:
        draw_check(ds, args.check, args.dpi)
    return 0


if __name__ == "__main__":
    sys.exit(main())
