#!/usr/bin/python3
"""Slow suite: the shipped baseline runs over its whole horizon, writes a
complete HDF5 file whose totals agree with what the run reported, and its
2024 figures are of the observed order of magnitude (the calibration issue
tightens these to the targets' tolerances).

usage: test_baseline.py MIGFLOW BASELINE_YAML
"""
import json
import os
import subprocess
import sys
import tempfile

import xarray as xr

from checks import Checks

checks = Checks()
check = checks.check


def main():
    migflow, scenario = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "baseline.h5")
        summary_path = os.path.join(tmp, "summary.json")
        run = subprocess.run([migflow, "run", scenario, "-o", out, "--quiet",
                              "--summary-json", summary_path],
                             capture_output=True, text=True)
        check(run.returncode == 0, f"baseline run exited {run.returncode}: {run.stderr}")
        if run.returncode:
            return
        summary = json.load(open(summary_path))
        ds = xr.open_dataset(out, engine="h5netcdf")
        check(ds.attrs["complete"] == 1, "file marked complete")
        check(str(ds.time.values[0])[:10] == "2023-07-01", "starts on 2023-07-01")
        check(str(ds.time.values[-1])[:10] == "2027-12-31", "ends on 2027-12-31")

        # Conservation over the whole run, and the file agrees with the run.
        accounted = sum(summary[k] for k in ("present", "on_links", "arrived", "dead", "left"))
        check(accounted == summary["spawned"], f"conservation: {accounted} != {summary['spawned']}")
        last = ds.isel(time=-1)
        check(int(last.occupancy.sum()) == summary["present"], "present = last day's occupancy")
        check(int(last.in_transit.sum()) == summary["on_links"], "on_links = last day's in_transit")
        check(int(ds.destination_arrivals.sum()) == summary["arrived"], "arrivals agree")
        check(int(ds.deaths.sum()) == summary["dead"], "deaths agree")
        check(int(ds.returns.sum()) == summary["left"], "returns agree")
        for direction in ("inbound", "outbound", "internal"):
            total = int(ds.monitor_passes.sel(direction=direction).sum())
            check(total == summary["monitor_passes"][direction], f"{direction} passes agree")
        counts = ("occupancy", "in_transit", "link_flow", "spawned", "arrivals", "deaths",
                  "monitor_passes", "interceptions", "expulsions", "returns", "destination_arrivals")
        for name in counts:
            check(bool((ds[name].values >= 0).all()), f"{name} is never negative")
        # The scenario names its targets: the run carries the report.
        check("target_within" in ds, "the calibration report is stored in the run")
        if "target_within" in ds:
            check(bool((ds.target_within.values == 1).all()),
                  "every target within its tolerance in this run")

        # 2024, the calibration year: orders of magnitude of the observations
        # (FACTS: 3.8 M passes, 1.5 M outbound; 42,279 Italy arrivals from
        # Libya; 21,762 Libyan coast guard returns; >= 31,404 expulsions;
        # 824,131 migrants in Libya at the end of 2024).
        y = ds.sel(time=slice("2024-01-01", "2024-12-31"))
        passes = y.monitor_passes.sum(("time", "monitoring_point"))
        total = int(passes.sum())
        outbound = int(passes.sel(direction="outbound"))
        check(2e6 < total < 6e6, f"2024 passes {total} within 2-6 M")
        check(0.8e6 < outbound < 2.5e6, f"2024 outbound {outbound} within 0.8-2.5 M")
        check(all(int(v) > 0 for v in passes.values), "all three directions counted")
        arrivals = int(y.destination_arrivals.sum())
        check(2e4 < arrivals < 1.2e5, f"2024 arrivals {arrivals} within 20-120 k")
        interceptions = int(y.interceptions.sum())
        check(1e4 < interceptions < 5e4, f"2024 interceptions {interceptions} within 10-50 k")
        expulsions = int(y.expulsions.sum())
        check(1.5e4 < expulsions < 6e4, f"2024 expulsions {expulsions} within 15-60 k")
        libya = ds.place_country.values == "Libya"
        present = ds.occupancy.sel(time="2024-12-31").sum("intent").values[libya].sum()
        check(4e5 < present < 1.2e6, f"Libya stock {present} within 0.4-1.2 M")
        ds.close()


main()
sys.exit(checks.finish())
