#!/usr/bin/python3
"""The files migflow writes, read by the netCDF tools: CF conformance as the
tools see it.

Usage: test_netcdf_tools.py MIGFLOW_BINARY SMALL_SCENARIO_YAML

Writes, on the small world, a run file, an ensemble file (--replicates 2), a
batch file (two members), a sensitivity file and a posterior file, then
checks:
- `ncdump -h` reads each cleanly (exit 0, nothing on stderr) and shows no
  NC_STRING attribute (`string name:attr = ...`): text attributes are NC_CHAR;
- `ncdump -t -v time` decodes the time axis to dates (run, ensemble, and a
  batch member's /members/<name>/time);
- `ncks -O -v occupancy` (with -g for a batch member) exits 0 without any
  warning and keeps the `coordinates` attribute and the place and intent
  coordinates;
- every `units` attribute of every variable parses with UDUNITS (`udunits2`);
- xarray opens each file (and a batch member's group) with both the netcdf4
  and the h5netcdf engines, time decoded to dates.
The tools are part of the test suite (scripts/setup.sh --tests installs
netcdf-bin, nco, udunits-bin and python3-netcdf4): a missing one fails.
"""
import os
import re
import shutil
import subprocess
import sys

from checks import Checks
import runs

try:
    import h5py
    import numpy as np
    import xarray as xr
except ImportError as error:
    sys.exit(f"test_netcdf_tools: cannot import {error.name}: run with /usr/bin/python3 "
             "and install python3-h5py and python3-xarray")

TOOLS = ["ncdump", "ncks", "udunits2"]
ENGINES = ["netcdf4", "h5netcdf"]
DAYS = 40

SCENARIO = """\
extends: {small}
targets: targets.yaml
calibrate:
  - {{name: stay, set: parameters.stay_days.Beta, min: 10, max: 200, start: 60, search: log}}
  - {{name: expel, set: 'expulsions[from=mine].daily_probability', min: 0.001, max: 0.05, start: 0.01}}
"""

TARGETS = """\
targets:
  - {name: passes, quantity: monitor_passes, from: 2024-01-15, to: 2024-02-28, observed: 1000, source: synthetic, tolerance: 0.1}
  - {name: in_beta, quantity: present, country: Beta, at: 2024-02-28, observed: 100, source: synthetic, tolerance: 0.1}
"""

BATCH = """\
name: tools
scenarios:
  - {small}
days: 25
replicates: 1
sweep:
  grid:
    retry_after_interception: [0.3, 0.9]
"""


def write(path, text):
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)


def tool(*args):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=300)


def start_date(path, group="/"):
    with h5py.File(path, "r") as f:
        return runs.text(f[group].attrs["start_date"])


def check_header(c, path, label):
    done = tool("ncdump", "-h", path)
    c.check(done.returncode == 0 and not done.stderr.strip(), f"{label}: ncdump -h clean",
            f"exit {done.returncode}: {done.stderr.strip()[:300]}")
    strings = [line.strip()[:100] for line in done.stdout.splitlines()
               if re.match(r"\s*string [\w/]*:\w+ =", line)]
    c.check(not strings, f"{label}: no NC_STRING attribute (text attributes are NC_CHAR)",
            f"{strings[:5]}")


def check_dates(c, path, variable, start, label):
    done = tool("ncdump", "-t", "-v", variable, path)
    data = done.stdout.split("\ndata:", 1)[-1]
    c.check(done.returncode == 0 and f'time = "{start}' in data,
            f"{label}: ncdump -t -v {variable} shows dates from {start}",
            f"exit {done.returncode}: {done.stderr.strip()[:200]} {data[:200]!r}")


def check_ncks(c, path, workdir, label, group=None):
    out = os.path.join(workdir, f"{label}-occupancy.nc")
    args = ["ncks", "-O"] + (["-g", group] if group else []) + ["-v", "occupancy", path, out]
    done = tool(*args)
    c.check(done.returncode == 0, f"{label}: ncks -v occupancy exits 0",
            f"exit {done.returncode}: {done.stderr.strip()[:300]}")
    noise = [line for line in (done.stdout + done.stderr).splitlines()
             if "WARNING" in line.upper() or "NC_STRING" in line]
    c.check(not noise, f"{label}: ncks prints no warning (NC_STRING or other)", f"{noise[:3]}")
    if done.returncode != 0:
        return
    header = tool("ncdump", "-h", out).stdout
    c.check(re.search(r"occupancy:coordinates = \"[^\"]*place_name", header) is not None,
            f"{label}: ncks keeps occupancy's coordinates attribute", header[:400])
    for name in ["place", "intent", "place_name", "place_lat", "place_lon"]:
        c.check(re.search(rf"\b{name}\({'place' if name.startswith('place') else name}\)",
                          header) is not None,
                f"{label}: ncks keeps the coordinate {name}")


def units_of(path):
    found = {}
    with h5py.File(path, "r") as f:
        def visit(name, item):
            if isinstance(item, h5py.Dataset) and "units" in item.attrs:
                found.setdefault(runs.text(item.attrs["units"]), name)
        f.visititems(visit)
    return found


def check_units(c, path, label):
    found = units_of(path)
    c.check(bool(found), f"{label}: has units attributes")
    for units, where in sorted(found.items()):
        done = tool("udunits2", "-H", units, "-W", "")
        said = (done.stdout + done.stderr).strip()
        c.check(done.returncode == 0 and "recognize" not in said,
                f"{label}: units {units!r} ({where}) parse with udunits2", said[:200])


def check_xarray(c, path, label, group=None, has_time=True):
    for engine in ENGINES:
        try:
            with xr.open_dataset(path, engine=engine, group=group) as ds:
                ok = not has_time or np.issubdtype(ds["time"].dtype, np.datetime64)
                c.check(ok, f"{label}: xarray opens it with engine={engine}"
                        + (", time decoded" if has_time else ""),
                        f"{ds['time'].dtype if has_time else ''}")
        except Exception as error:  # noqa: BLE001 (the test reports any failure)
            c.check(False, f"{label}: xarray opens it with engine={engine}", repr(error)[:300])


def main():
    migflow, small = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    c = Checks()
    missing = [t for t in TOOLS if not shutil.which(t)]
    c.check(not missing, "netCDF tools present (netcdf-bin, nco, udunits-bin)", f"missing {missing}")
    for module in ["netCDF4", "h5netcdf"]:
        try:
            __import__(module)
            c.check(True, f"python module {module}")
        except ImportError:
            c.check(False, f"python module {module}", "install python3-netcdf4 / python3-h5netcdf")
    if missing:
        sys.exit(c.finish())
    with c.in_workdir("netcdf-tools") as workdir:
        env = {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
        runs.run([migflow, "run", small, "-o", "run.h5", "--days", str(DAYS), "--quiet"], env=env)
        runs.run([migflow, "run", small, "-o", "ensemble.h5", "--days", str(DAYS),
                  "--replicates", "2", "--quiet"], env=env)
        write("batch.yaml", BATCH.format(small=small))
        runs.run([migflow, "batch", "batch.yaml", "-o", "batch.h5", "--quiet"], env=env)
        write("fit.yaml", SCENARIO.format(small=small))
        write("targets.yaml", TARGETS)
        runs.run([migflow, "sensitivity", "fit.yaml", "--base-samples", "8", "--resamples", "0",
                  "-o", "sensitivity.h5", "--quiet"], env=env)
        runs.run([migflow, "posterior", "fit.yaml", "-o", "posterior.h5", "--particles", "20",
                  "--budget", "60", "--predictive", "5", "--seed", "3", "--quiet"], env=env)
        with h5py.File("batch.h5", "r") as f:
            member = sorted(f["members"].keys())[0]
        group = f"members/{member}"

        for label, path in [("run", "run.h5"), ("ensemble", "ensemble.h5")]:
            check_header(c, path, label)
            check_dates(c, path, "time", start_date(path), label)
            check_ncks(c, path, workdir, label)
            check_units(c, path, label)
            check_xarray(c, path, label)

        check_header(c, "batch.h5", "batch")
        check_dates(c, "batch.h5", f"/{group}/time", start_date("batch.h5", group), "batch")
        check_ncks(c, "batch.h5", workdir, "batch", group=group)
        check_units(c, "batch.h5", "batch")
        check_xarray(c, "batch.h5", "batch", has_time=False)
        check_xarray(c, "batch.h5", f"batch {group}", group=group)

        for label in ["sensitivity", "posterior"]:
            check_header(c, f"{label}.h5", label)
            check_units(c, f"{label}.h5", label)
            check_xarray(c, f"{label}.h5", label, has_time=False)
    sys.exit(c.finish())


if __name__ == "__main__":
    main()
