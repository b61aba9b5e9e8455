#!/usr/bin/python3
"""The Niger stories' table (scenarios/README.md, issue 14): effects of
scenario runs against a baseline run, both with replicates (migflow run
--replicates N, the same seed), on

  arrivals at Lampedusa, outbound passes at Madama, deaths on desert links,
  deaths on sea links (summed over the window), and displaced persons in
  Niger (on the window's last day),

as the mean of each side and the mean of the paired differences (replicate
k with replicate k) with its 5th-95th percentile interval, as `migflow
compare` computes it. A batch file (migflow batch) is given as
BATCH.h5#MEMBER.

usage: niger_stories.py BASE.h5 ALT.h5 [ALT.h5 ...] [--from DATE] [--to DATE] [--markdown]
"""
import argparse
import sys

import numpy as np
import xarray as xr


def open_run(path):
    if "#" in path:
        file, member = path.split("#", 1)
        return xr.open_dataset(file, engine="h5netcdf", group=f"members/{member}")
    return xr.open_dataset(path, engine="h5netcdf")


def indicators(ds, start, end):
    window = slice(start, end)
    modes = ds.link_mode.values
    deaths = ds.deaths.sel(time=window)
    niger = ds.place_country.values == "Niger"
    last = ds.occupancy.sel(time=window).isel(time=-1).sel(intent="displaced")
    out = {
        "arrivals at Lampedusa": ds.arrivals.sel(time=window, place="lampedusa").sum("time"),
        "outbound passes at Madama": ds.monitor_passes.sel(
            time=window, monitoring_point="Madama", direction="outbound").sum("time"),
        "deaths in the desert": deaths.isel(link=np.flatnonzero(modes == "desert")).sum(("time", "link")),
        "deaths at sea": deaths.isel(link=np.flatnonzero(modes == "sea")).sum(("time", "link")),
        "displaced in Niger (last day)": last.isel(place=np.flatnonzero(niger)).sum("place"),
    }
    return {name: np.atleast_1d(value.values).astype(float) for name, value in out.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--from", dest="start", default="2026-01-01")
    parser.add_argument("--to", dest="end", default="2026-12-31")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    base_path, alts = args.runs[0], args.runs[1:]
    with open_run(base_path) as ds:
        base = indicators(ds, args.start, args.end)
    if args.markdown:
        print("| scenario | indicator | baseline | scenario | scenario − baseline [90 %] |")
        print("|---|---|---|---|---|")
    for path in alts:
        with open_run(path) as ds:
            alt = indicators(ds, args.start, args.end)
            name = ds.attrs.get("scenario_name", path)
        for i, (label, values) in enumerate(alt.items()):
            difference = values - base[label]
            low, high = np.percentile(difference, [5, 95])
            cells = (f"{base[label].mean():,.0f}", f"{values.mean():,.0f}",
                     f"{difference.mean():+,.0f} [{low:+,.0f}, {high:+,.0f}]")
            if args.markdown:
                print(f"| {name if i == 0 else ''} | {label} | " + " | ".join(cells) + " |")
            else:
                print(f"{path:40} {label:32} " + "  ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
