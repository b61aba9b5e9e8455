#!/usr/bin/python3
"""Opens a migflow output file with xarray (engine="h5netcdf") and checks it
against the run summary the C side wrote.

Usage: test_xarray.py MIGFLOW_BINARY SCENARIO_YAML

Runs the scenario for 40 days in a temporary directory of its own, then
checks the dimensions, variables, CF time decoding, units and long names,
and that the totals in the file match the summary JSON. Needs Debian's
python3-xarray, python3-h5netcdf and python3-h5py (run with /usr/bin/python3).
"""
import json
import os
import sys

from checks import RUN_VARIABLES, Checks
import runs

try:
    import numpy as np
    import xarray as xr
except ImportError as error:
    sys.exit(f"test_xarray: cannot import {error.name}: run with /usr/bin/python3 "
             "and install python3-xarray and python3-h5netcdf")

DAYS = 40
DIMS = ["time", "place", "link", "monitoring_point", "direction", "intent"]
DIRECTIONS = ["inbound", "outbound", "internal"]
INTENTS = ["circular", "onward", "displaced", "return"]


def run(binary, scenario, output, summary):
    command = [binary, "run", scenario, "-o", output, "--days", str(DAYS),
               "--quiet", "--summary-json", summary]
    runs.run(command, env={"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")})


def as_int(value):
    return int(np.asarray(value).item())


def check_file(checks, path, summary):
    ds = xr.open_dataset(path, engine="h5netcdf")
    try:
        for dim in DIMS:
            checks.check(dim in ds.dims, f"dimension {dim}",
                         f"dimensions are {list(ds.dims)}")
        checks.check(ds.sizes.get("time") == DAYS, f"time has {DAYS} days",
                     f"{ds.sizes.get('time')}")
        checks.check(ds.sizes.get("direction") == 3, "direction has 3 entries")
        checks.check(ds.sizes.get("intent") == 4, "intent has 4 entries")

        for name, dims in RUN_VARIABLES.items():
            if not checks.check(name in ds.variables, f"variable {name} exists"):
                continue
            checks.check(ds[name].dims == dims, f"{name} has dims {dims}",
                         f"{ds[name].dims}")
            checks.check(ds[name].dtype == np.int64, f"{name} is int64",
                         f"{ds[name].dtype}")
            checks.check(ds[name].encoding.get("_FillValue") is None,
                         f"{name} has no _FillValue",
                         f"{ds[name].encoding.get('_FillValue')}")

        for name, variable in ds.data_vars.items():
            checks.check("units" in variable.attrs and "long_name" in variable.attrs,
                         f"{name} has units and long_name",
                         f"attributes are {list(variable.attrs)}")

        # Time: CF-decoded datetimes, one a day from the start date.
        checks.check(np.issubdtype(ds.time.dtype, np.datetime64),
                     "time is datetime64", f"{ds.time.dtype}")
        start = ds.attrs.get("start_date")
        checks.check(isinstance(start, str), "start_date attribute is a string",
                     repr(start))
        if isinstance(start, str) and np.issubdtype(ds.time.dtype, np.datetime64):
            first = ds.time.values[0]
            checks.check(first == np.datetime64(start, "ns"),
                         "time starts at start_date", f"{first} != {start}")
            steps = np.diff(ds.time.values)
            checks.check(bool(np.all(steps == np.timedelta64(1, "D"))),
                         "time steps by one day")

        # Labels are strings.
        places = ds.place.values
        checks.check(len(places) > 0 and all(isinstance(p, str) for p in places),
                     "place labels are str", repr(places[:5]))
        links = ds.link.values
        checks.check(all(isinstance(l, str) and "->" in l for l in links),
                     "link labels are 'from->to' strings", repr(links[:5]))
        checks.check(list(ds.direction.values) == DIRECTIONS,
                     "direction labels", repr(list(ds.direction.values)))
        checks.check(list(ds.intent.values) == INTENTS, "intent labels",
                     repr(list(ds.intent.values)))
        checks.check(all(isinstance(m, str) for m in ds.monitoring_point.values),
                     "monitoring point labels are str")

        # The file against the C side's totals.
        for variable, key in [("interceptions", "interceptions"),
                              ("destination_arrivals", "arrived"),
                              ("expulsions", "expulsions")]:
            if variable in ds.variables:
                total = as_int(ds[variable].sum())
                checks.check(total == summary[key],
                             f"sum of {variable} equals summary {key}",
                             f"{total} != {summary[key]}")
        if "monitor_passes" in ds.variables:
            by_direction = ds.monitor_passes.sum(("time", "monitoring_point"))
            for direction in DIRECTIONS:
                total = as_int(by_direction.sel(direction=direction))
                expected = summary["monitor_passes"][direction]
                checks.check(total == expected,
                             f"monitor passes {direction} equal the summary",
                             f"{total} != {expected}")
        # Stocks at the end of the last day.
        if "occupancy" in ds.variables:
            present = as_int(ds.occupancy.isel(time=-1).sum())
            checks.check(present == summary["present"],
                         "occupancy on the last day equals summary present",
                         f"{present} != {summary['present']}")
        if "in_transit" in ds.variables:
            on_links = as_int(ds.in_transit.isel(time=-1).sum())
            checks.check(on_links == summary["on_links"],
                         "in_transit on the last day equals summary on_links",
                         f"{on_links} != {summary['on_links']}")

        agent_steps = ds.attrs.get("agent_steps")
        checks.check(agent_steps is not None and as_int(agent_steps) == summary["agent_steps"],
                     "agent_steps attribute equals the summary",
                     f"{agent_steps} != {summary['agent_steps']}")
        complete = ds.attrs.get("complete")
        checks.check(complete is not None and as_int(complete) == 1,
                     "complete attribute is 1", repr(complete))
        checks.check(as_int(ds.attrs.get("days", -1)) == DAYS, "days attribute",
                     repr(ds.attrs.get("days")))
        for name in ["title", "scenario_name", "scenario", "engine",
                     "engine_version", "Conventions", "created"]:
            checks.check(isinstance(ds.attrs.get(name), str),
                         f"global attribute {name} is a string",
                         repr(type(ds.attrs.get(name))))
        ds.load()  # every variable reads
        checks.check(True, "all variables load")
    finally:
        ds.close()


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: test_xarray.py MIGFLOW_BINARY SCENARIO_YAML")
    binary = os.path.abspath(argv[1])
    scenario = os.path.abspath(argv[2])
    checks = Checks()
    with checks.in_workdir("xarray") as workdir:
        output = os.path.join(workdir, "run.h5")
        summary_path = os.path.join(workdir, "summary.json")
        run(binary, scenario, output, summary_path)
        checks.check(os.path.exists(output), "output file written")
        checks.check(not os.path.exists(output + ".partial"),
                     "no partial file left")
        with open(summary_path, encoding="utf-8") as file:
            summary = json.load(file)
        keys = ["spawned", "present", "on_links", "arrived", "dead", "left",
                "interceptions", "expulsions", "agent_steps", "monitor_passes",
                "days", "seed", "threads"]
        missing = [key for key in keys if key not in summary]
        if not checks.check(not missing, "summary has every key", f"missing {missing}"):
            return checks.finish()
        checks.check(summary["days"] == DAYS, f"summary days is {DAYS}",
                     repr(summary["days"]))
        check_file(checks, output, summary)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
