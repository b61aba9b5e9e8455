#!/usr/bin/python3
"""Sobol sensitivity indices of a `migflow sensitivity` file.

    scripts/plot_sensitivity.py SA.h5 -o sa.png [--dpi N]

One panel per indicator; per parameter two bars, the first-order index S1
and the total index ST, with their bootstrap intervals (the file's level,
90 % by default) as error bars. The panel title gives the indicator and the
sum of its first-order indices. Run with /usr/bin/python3.
The migflow package must be importable: PYTHONPATH=python from the
repository root, or `meson install`.
"""
import argparse
import math
import sys

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import migflow  # noqa: E402


def error_bars(value, low, high):
    """Distances from value to the interval's bounds (0 where unknown)."""
    below = np.nan_to_num(value - low, nan=0.0).clip(min=0)
    above = np.nan_to_num(high - value, nan=0.0).clip(min=0)
    return np.vstack([below, above])


def draw(ds, output, dpi=120):
    indicators = [str(name) for name in ds["indicator"].values]
    parameters = [str(name) for name in ds["parameter"].values]
    columns = 2 if len(indicators) > 1 else 1
    rows = math.ceil(len(indicators) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(7 * columns, 3.6 * rows), squeeze=False,
                             sharey=True)
    x = np.arange(len(parameters))
    width = 0.38
    level = float(ds.attrs.get("interval_level", 0.9))
    for n, name in enumerate(indicators):
        ax = axes[n // columns][n % columns]
        row = ds.sel(indicator=name)
        for shift, key, label, colour in [(-width / 2, "first_order", "first order S1", "tab:blue"),
                                          (width / 2, "total", "total ST", "tab:orange")]:
            value = row[key].values
            bars = error_bars(value, row[f"{key}_low"].values, row[f"{key}_high"].values)
            ax.bar(x + shift, np.nan_to_num(value), width, yerr=bars, capsize=2, label=label,
                   color=colour)
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xticks(x)
        ax.set_xticklabels(parameters, rotation=40, ha="right", fontsize=8)
        ax.set_title(f"{name}  (sum of S1 {float(row['sum_first_order']):.2f})", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        if n % columns == 0:
            ax.set_ylabel("Sobol index")
    for n in range(len(indicators), rows * columns):
        axes[n // columns][n % columns].set_visible(False)
    axes[0][0].legend(fontsize=8, title=f"{100 * level:g} % intervals", title_fontsize=8)
    fig.suptitle(f"Sobol indices: {ds.attrs.get('scenario_path', '')}, "
                 f"N = {int(ds.attrs.get('base_samples', 0))}, "
                 f"{int(ds.attrs.get('simulations', 0))} simulations, "
                 f"agent scale {int(ds.attrs.get('agent_scale', 0))}", fontsize=10)
    fig.tight_layout()
    fig.savefig(output, dpi=dpi)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", help="SA.h5 written by migflow sensitivity")
    ap.add_argument("-o", "--output", required=True, help="PNG to write")
    ap.add_argument("--dpi", type=int, default=120)
    args = ap.parse_args(argv)
    try:
        ds = migflow.open_sensitivity(args.file)
    except (OSError, ValueError) as error:
        sys.exit(f"plot_sensitivity: error: {error}")
    draw(ds, args.output, args.dpi)
    return 0


if __name__ == "__main__":
    sys.exit(main())
