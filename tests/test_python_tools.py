#!/usr/bin/python3
"""Tests the Python side: the migflow package (python/migflow), the plot scripts and the
example notebook.

Usage: test_python_tools.py MIGFLOW_BINARY REPO_ROOT

Makes fresh small runs of scenarios/baseline.yaml (550 days, one agent for
20 persons: the whole of 2024) with three seeds, and of a what-if that
extends it; checks the module's functions against values computed directly
with h5py; builds the replicate layout (b) and the batch layout (c) from
those runs with h5py (build_replicate_run and build_batch, the fixtures,
written as migflow's C writer writes them) and reads them back; when the
binary has them, also reads files of `migflow run --replicates` and
`migflow batch`; runs every plot script and checks the PNGs; and executes
scripts/notebooks/explore.ipynb headless with nbclient. Prints
'N passed, M failed' last; exits 1 on any failure. MIGFLOW_KEEP_TEST_OUTPUT=1
keeps the files (and the PNGs) and prints where.

Needs Debian's python3-h5py, python3-xarray, python3-h5netcdf,
python3-matplotlib, python3-geopandas, python3-nbclient, python3-nbformat
and python3-ipykernel (run with /usr/bin/python3).
"""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings

import checks

try:
    import h5py
    import numpy as np
except ImportError as error:
    sys.exit(f"test_python_tools: cannot import {error.name}: run with /usr/bin/python3 "
             "and install python3-h5py python3-xarray python3-h5netcdf")

DAYS = 550          # 2023-07-01 .. 2024-12-31
SCALE = 20          # persons per agent: small and quick
SEEDS = (1, 2, 3)
STATISTICS = ["mean", "p05", "p50", "p95"]
SUMMARY_VARS = ("monitor_passes", "occupancy", "deaths", "interceptions",
                "destination_arrivals")
BATCH = """\
name: python-tools
scenarios:
  - {{path: {baseline}, name: baseline}}
  - {{path: {whatif}, name: whatif}}
  - {{path: {root}/tests/data/small/scenario.yaml, name: small}}
days: 550
agent_scale: 20
seed: 1
replicates: 2
sweep: {{grid: {{retry_after_interception: [0.6]}}}}
"""
WHATIF = """\
name: test-whatif
description: coast guard surge brought forward to April 2024 (test of the Python tools)
extends: {baseline}
events:
  - date: 2024-04-01
    kind: interception
    links: [[zuwara, lampedusa], [sabratha, lampedusa], [zawiya, lampedusa]]
    probability: 0.6
"""


class Checks(checks.Checks):
    """The shared tally, with sections that time a group of checks."""

    def section(self, what, function, *args):
        """Runs one group of checks; an exception counts as one failure."""
        print(f"# {what}")
        started = time.monotonic()
        try:
            return function(*args)
        except Exception:  # noqa: BLE001 - report and go on with the others
            self.failed += 1
            print(f"FAIL - {what}: exception")
            traceback.print_exc(file=sys.stdout)
            return None
        finally:
            print(f"# {what}: {time.monotonic() - started:.1f} s")



# --------------------------------------------------------------------------
# Fixtures: the replicate and batch layouts, written with h5py.

SKIP_ATTRS = {"DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_Netcdf4Dimid",
              "_Netcdf4Coordinates"}
STRING = h5py.string_dtype("utf-8")


def _copy_attrs(source, target, skip=()):
    for key, value in source.attrs.items():
        if key in SKIP_ATTRS or key in skip:
            continue
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        target.attrs[key] = value


def _scales_of(f):
    """The dimension scales of a run file: name -> dataset, in file order."""
    return {name: obj for name, obj in f.items()
            if isinstance(obj, h5py.Dataset)
            and obj.attrs.get("CLASS", b"") in (b"DIMENSION_SCALE", "DIMENSION_SCALE")}


def _axes_of(dataset):
    return [dataset.dims[i].keys()[0] if len(dataset.dims[i]) else None
            for i in range(dataset.ndim)]


def _new_scale(group, name, values, dtype, source=None):
    ds = group.create_dataset(name, data=values, dtype=dtype, track_order=True)
    ds.make_scale(name)
    if source is not None:
        _copy_attrs(source, ds)
    return ds


def build_replicate_run(group, sources, summary_vars=SUMMARY_VARS):
    """Writes the run layout with replicates into an h5py group (or file):
    the dimension scales and tables of sources[0], a ``replicate`` scale
    (0..N-1) and a ``statistic`` scale (mean, p05, p50, p95), every
    time-indexed variable of the sources stacked along a leading
    ``replicate`` axis, and ``summary_<var>(statistic, time, ...)`` (float64)
    for summary_vars. sources: paths of single-run files of one network."""
    files = [h5py.File(p, "r") for p in sources]
    try:
        first = files[0]
        _copy_attrs(first, group, skip=("replicate",))
        group.attrs["replicates"] = np.int32(len(files))
        scales = {}
        for name, source in _scales_of(first).items():
            data = source[()]
            dtype = STRING if data.dtype.kind in "OS" else data.dtype
            scales[name] = _new_scale(group, name, data, dtype, source)
        scales["replicate"] = _new_scale(group, "replicate",
                                         np.arange(len(files), dtype=np.int32), np.int32)
        scales["replicate"].attrs["long_name"] = "replicate (random stream of the seed)"
        scales["statistic"] = _new_scale(group, "statistic", STATISTICS, STRING)
        scales["statistic"].attrs["long_name"] = "statistic over replicates"
        for name, source in first.items():
            if not isinstance(source, h5py.Dataset) or name in scales:
                continue
            axes = _axes_of(source)
            if axes and axes[0] == "time":
                stacked = np.stack([f[name][()] for f in files])
                out = group.create_dataset(name, data=stacked, track_order=True,
                                           chunks=True)
                axes = ["replicate"] + axes
            else:
                data = source[()]
                dtype = STRING if data.dtype.kind in "OS" else data.dtype
                out = group.create_dataset(name, data=data, dtype=dtype, track_order=True)
            for i, axis in enumerate(axes):
                out.dims[i].attach_scale(scales[axis])
            _copy_attrs(source, out)
        for name in summary_vars:
            values = group[name][()].astype(np.float64)
            stats = np.stack([values.mean(axis=0)] +
                             [np.percentile(values, q, axis=0) for q in (5, 50, 95)])
            out = group.create_dataset(f"summary_{name}", data=stats, track_order=True)
            axes = ["statistic"] + _axes_of(first[name])
            for i, axis in enumerate(axes):
                out.dims[i].attach_scale(scales[axis])
            _copy_attrs(first[name], out)
            out.attrs["long_name"] = f"{first[name].attrs['long_name']} (over replicates)"
    finally:
        for f in files:
            f.close()


def build_batch(path, members):
    """Writes a batch file as migflow batch does: root attribute
    migflow_batch = 1, a ``member`` scale with the names and the member
    table along it (scenario, scenario_path, parameters as JSON text,
    status, seed, replicates, parameter_<name> for each parameter set), and
    each member's run layout (build_replicate_run) in the group
    /members/<name>, with attributes member and parameters. members: list
    of (name, scenario, parameters dict, [source run paths])."""
    with h5py.File(path, "w", track_order=True, libver=("v108", "latest")) as f:
        f.attrs["title"] = "migflow batch"
        f.attrs["engine"] = "migflow"
        f.attrs["migflow_batch"] = np.int32(1)
        f.attrs["batch_name"] = "fixture"
        names = [m[0] for m in members]
        scale = _new_scale(f, "member", names, STRING)
        scale.attrs["long_name"] = "member of the batch (group members/<member>)"
        swept = sorted({k for m in members for k in m[2]})
        columns = [("scenario", [m[1] for m in members], STRING),
                   ("scenario_path", [f"{m[1]}.yaml" for m in members], STRING),
                   ("parameters", [json.dumps(m[2]) for m in members], STRING),
                   ("status", ["complete"] * len(members), STRING),
                   ("seed", [float(SEEDS[0])] * len(members), np.float64),
                   ("replicates", [float(len(m[3])) for m in members], np.float64)]
        columns += [(f"parameter_{k}", [float(m[2].get(k, np.nan)) for m in members],
                     np.float64) for k in swept]
        for var, values, dtype in columns:
            ds = f.create_dataset(var, data=values, dtype=dtype, track_order=True)
            ds.dims[0].attach_scale(scale)
            ds.attrs["long_name"] = f"{var} of the member"
        group = f.create_group("members", track_order=True)
        for name, _scenario, params, sources in members:
            member = group.create_group(name, track_order=True)
            build_replicate_run(member, sources)
            member.attrs["member"] = name
            member.attrs["parameters"] = json.dumps(params)


# --------------------------------------------------------------------------
# Reference values straight from HDF5

def h5_strings(f, name):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in f[name][()]]


def day_index(f, date):
    start = datetime.date.fromisoformat(f.attrs["start_date"] if isinstance(
        f.attrs["start_date"], str) else f.attrs["start_date"].decode())
    return (date - start).days


def year_rows(f, year):
    a = day_index(f, datetime.date(year, 1, 1))
    b = day_index(f, datetime.date(year, 12, 31)) + 1
    return slice(max(a, 0), min(b, int(f.attrs["days"])))


# --------------------------------------------------------------------------

def run_binary(binary, scenario, output, seed=None, days=DAYS, scale=SCALE, extra=()):
    """One run, single-threaded: on a loaded machine OpenMP's waiting threads
    cost many times the work itself."""
    command = [binary, "run", scenario, "-o", output, "--days", str(days),
               "--agent-scale", str(scale), "--threads", "1", "--quiet", "--force", *extra]
    if seed is not None:
        command += ["--seed", str(seed)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1200)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: "
                           f"{result.stderr.strip()}")
    return output


def binary_offers(binary, command, needle):
    """True if `migflow COMMAND --help` mentions needle (a feature the C side
    may not have yet)."""
    result = subprocess.run([binary, *command, "--help"], capture_output=True, text=True,
                            timeout=60)
    return result.returncode == 0 and needle in result.stdout


def check_module(t, mf, path):
    ds = mf.open_run(path)
    with h5py.File(path, "r") as f:
        days = int(f.attrs["days"])
        t.check(ds.sizes["time"] == days, "open_run: time length")
        t.check(str(ds.time.values[0])[:10] == "2023-07-01" and
                str(ds.time.values[-1])[:10] == "2024-12-31",
                "open_run: time decoded to dates", f"{ds.time.values[[0, -1]]}")
        places = h5_strings(f, "place")
        countries = h5_strings(f, "place_country")
        t.check(list(ds.place.values) == places, "open_run: place labels")
        t.check(list(ds.link.values) == h5_strings(f, "link"), "open_run: link labels")
        t.check(list(ds.monitoring_point.values) == h5_strings(f, "monitoring_point"),
                "open_run: monitoring point labels")
        t.check("place_country" in ds.coords and "link_mode" in ds.coords,
                "open_run: tables are coordinates")
        t.check(str(mf.report_from(ds))[:10] == "2024-01-01", "report_from from the scenario")

        rows = year_rows(f, 2024)
        mp = f["monitor_passes"][rows].sum(axis=(0, 1))
        got = mf.passes(ds, year=2024)
        t.check(list(got.direction.values) == ["inbound", "outbound", "internal"] and
                np.array_equal(got.values, mp), "passes(year=2024) by direction",
                f"{got.values} vs {mp}")
        t.check(np.array_equal(ds.migflow.passes(year=2024).values, mp),
                "ds.migflow.passes accessor")
        names = h5_strings(f, "monitoring_point")
        k = names.index("Arlit")
        got = mf.passes(ds, year=2024, points="Arlit")
        t.check(np.array_equal(got.values, f["monitor_passes"][rows, k, :].sum(axis=0)),
                "passes(points='Arlit')")
        daily = mf.passes(ds, daily=True)
        t.check(daily.dims == ("time", "direction") and
                np.array_equal(daily.values, f["monitor_passes"][()].sum(axis=1)),
                "passes(daily=True)")

        occ = f["occupancy"][()].sum(axis=2)
        libya = [i for i, c in enumerate(countries) if c == "Libya"]
        t.check(np.array_equal(mf.libya_stock(ds).values, occ[:, libya].sum(axis=1)),
                "libya_stock")
        by = mf.present_by_country(ds)
        ok = all(np.array_equal(by.sel(country=c).values,
                                occ[:, [i for i, x in enumerate(countries) if x == c]].sum(axis=1))
                 for c in set(countries))
        t.check(ok and sorted(by.country.values) == sorted(set(countries)),
                "present_by_country")
        t.check(np.array_equal(ds.migflow.by_country().values, by.values),
                "ds.migflow.by_country accessor")
        where = dict(zip(places, countries))
        inside = [i for i, (a, b) in enumerate(zip(h5_strings(f, "link_from"),
                                                   h5_strings(f, "link_to")))
                  if where[a] == "Libya" and where[b] == "Libya"]
        t.check(np.array_equal(mf.libya_stock(ds, include_transit=True).values,
                               occ[:, libya].sum(axis=1) + f["in_transit"][:, inside].sum(axis=1)),
                "libya_stock(include_transit=True)")
        lamp = places.index("lampedusa")
        t.check(np.array_equal(mf.lampedusa_arrivals(ds).values, f["arrivals"][:, lamp]),
                "lampedusa_arrivals")
        modes = h5_strings(f, "link_mode")
        dm = mf.deaths(ds, by_mode=True)
        ok = all(int(dm.sel(mode=m).sum()) ==
                 int(f["deaths"][:, [i for i, x in enumerate(modes) if x == m]].sum())
                 for m in set(modes))
        t.check(ok, "deaths(by_mode=True)")
        t.check(np.array_equal(mf.deaths(ds).values, f["deaths"][()].sum(axis=1)), "deaths")
        t.check(np.array_equal(mf.interceptions(ds).values, f["interceptions"][()]),
                "interceptions")
        t.check(np.array_equal(mf.displaced(ds).values, f["occupancy"][:, :, 2].sum(axis=1)),
                "displaced")
        lf = mf.link_flows(ds, year=2024)
        t.check(np.array_equal(lf.values, f["link_flow"][rows].sum(axis=0)),
                "link_flows(year=2024)")
        lfd = mf.link_flows(ds, start="2024-01-01", end="2024-12-31", per_day=True)
        t.check(np.allclose(lfd.values, f["link_flow"][rows].sum(axis=0) / 366),
                "link_flows(per_day=True)")
        ind = mf.indicators(ds)
        t.check(set(ind.data_vars) == {"passes_inbound", "passes_outbound", "passes_internal",
                                       "lampedusa_arrivals", "deaths", "interceptions",
                                       "displaced", "libya_stock"} and
                all("units" in v.attrs for v in ind.data_vars.values()),
                "indicators: names and units")
        tot = mf.totals(ind, start="2024-01-01")
        t.check(int(tot.passes_outbound) == int(mp[1]) and
                int(tot.libya_stock) == int(occ[-1, libya].sum()),
                "totals: flows summed, stocks on the last day")
        sel = mf.select(ds, "occupancy:place=agadez+sabha/intent")
        ia, isb = places.index("agadez"), places.index("sabha")
        t.check(sel.dims == ("time", "intent") and
                np.array_equal(sel.values, f["occupancy"][:, ia, :] + f["occupancy"][:, isb, :]),
                "select('occupancy:place=agadez+sabha/intent')")
        try:
            mf.select(ds, "no_such_var")
            t.check(False, "select rejects an unknown name")
        except KeyError:
            t.check(True, "select rejects an unknown name")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mf.passes(ds, year=2023)
        t.check(any("covers" in str(w.message) for w in caught),
                "window warns about a partly covered year")
        b = mf.band(mf.libya_stock(ds))
        t.check(list(b.statistic.values) == STATISTICS and
                np.array_equal(b.sel(statistic="p95").values, mf.libya_stock(ds).values),
                "band without replicates")
    try:
        mf.open_batch(path)
        t.check(False, "open_batch refuses a single run")
    except ValueError:
        t.check(True, "open_batch refuses a single run")


def check_replicates(t, mf, path, sources):
    ds = mf.open_run(path)
    n = len(sources)
    t.check(mf.replicates(ds) == n and list(ds.replicate.values) == list(range(n)),
            "layout (b): replicate coordinate 0..N-1")
    t.check(list(ds.statistic.values) == STATISTICS, "layout (b): statistic coordinate")
    t.check(ds.occupancy.dims == ("replicate", "time", "place", "intent") and
            ds.interceptions.dims == ("replicate", "time"),
            "layout (b): leading replicate dimension", str(ds.occupancy.dims))
    t.check(np.issubdtype(ds.time.dtype, np.datetime64), "layout (b): time decoded")
    t.check(ds.summary_monitor_passes.dims == ("statistic", "time", "monitoring_point",
                                               "direction"),
            "layout (b): summary variable dims")
    stocks = []
    for k, source in enumerate(sources):
        with h5py.File(source, "r") as f:
            countries = h5_strings(f, "place_country")
            libya = [i for i, c in enumerate(countries) if c == "Libya"]
            stocks.append(f["occupancy"][()].sum(axis=2)[:, libya].sum(axis=1))
            same = np.array_equal(ds.occupancy.sel(replicate=k).values, f["occupancy"][()])
            t.check(same, f"layout (b): replicate {k} is run {os.path.basename(source)}")
            rows = year_rows(f, 2024)
            t.check(np.array_equal(mf.passes(ds, year=2024).sel(replicate=k).values,
                                   f["monitor_passes"][rows].sum(axis=(0, 1))),
                    f"layout (b): passes(year=2024) of replicate {k}")
    stocks = np.array(stocks, dtype=float)
    ls = mf.libya_stock(ds)
    t.check(ls.dims == ("replicate", "time"), "layout (b): libya_stock keeps replicate")
    b = mf.band(ls)
    t.check(np.allclose(b.sel(statistic="mean").values, stocks.mean(axis=0)) and
            np.allclose(b.sel(statistic="p05").values, np.percentile(stocks, 5, axis=0)) and
            np.allclose(b.sel(statistic="p95").values, np.percentile(stocks, 95, axis=0)) and
            np.allclose(b.sel(statistic="p50").values, np.median(stocks, axis=0)),
            "band(): mean and 5/50/95 % quantiles over replicates")
    with h5py.File(path, "r") as f:
        stored = f["summary_monitor_passes"][()]
    s = mf.summary(ds, "monitor_passes")
    t.check(s.name == "summary_monitor_passes" and np.array_equal(s.values, stored),
            "summary(): the stored summary_<var>")
    s2 = mf.summary(ds, "arrivals")
    t.check(s2.dims[0] == "statistic" and
            np.allclose(s2.sel(statistic="mean").values, ds.arrivals.mean("replicate").values),
            "summary(): computed when not stored")
    t.check(np.allclose(mf.summary(ds, "interceptions").values,
                        mf.band(ds.interceptions).values),
            "summary(): stored and computed statistics agree")


def check_batch(t, mf, path, expected):
    t.check(mf.is_batch(path), "layout (c): is_batch")
    try:
        mf.open_run(path)
        t.check(False, "open_run refuses a batch")
    except ValueError:
        t.check(True, "open_run refuses a batch")
    names = [m[0] for m in expected]
    t.check(mf.member_names(path) == names, "layout (c): member_names in stored order")
    batch = mf.open_batch(path)
    t.check(list(batch) == names, "layout (c): open_batch keys")
    for name, scenario, params, sources in expected:
        ds = batch[name]
        t.check(ds.attrs["member"] == name and ds.attrs["member_scenario"] == scenario,
                f"layout (c): member '{name}' attrs")
        t.check(mf.parameters(ds) == params, f"layout (c): parameters of '{name}'")
        t.check(mf.replicates(ds) == len(sources), f"layout (c): replicates of '{name}'")
        with h5py.File(sources[-1], "r") as f:
            t.check(np.array_equal(ds.link_flow.isel(replicate=-1).values, f["link_flow"][()]),
                    f"layout (c): '{name}' data is its last run's")
    one = mf.open(f"{path}#{names[1]}")
    t.check(not isinstance(one, dict) and one.attrs["member"] == names[1],
            "open('batch.h5#member')")
    try:
        mf.combine(batch)
        t.check(False, "combine refuses members with other networks")
    except ValueError as error:
        t.check("small" in str(error), "combine refuses members with other networks",
                str(error))
    same = names[:2]
    c = mf.combine(batch, members=same)
    t.check(list(c.member.values) == same and c.link_flow.dims[:2] == ("member", "replicate"),
            "combine: member dimension first", str(c.link_flow.dims))
    t.check(list(c.member_scenario.values) == [m[1] for m in expected[:2]],
            "combine: member_scenario coordinate")
    t.check("member" not in c.place_country.dims, "combine: tables stay without member")
    ok = all(np.array_equal(c.occupancy.sel(member=n, replicate=batch[n].replicate).values,
                            batch[n].occupancy.values) for n in same)
    t.check(ok, "combine: values per member")
    missing = c.occupancy.sel(member="whatif", replicate=2)
    t.check(c.sizes["replicate"] == 3 and bool(missing.isnull().all()),
            "combine: replicates a member lacks are NaN")
    p = mf.passes(c, year=2024)
    t.check(p.dims == ("member", "replicate", "direction"), "passes() on a combined batch",
            str(p.dims))
    t.check(mf.parameters(c) == {m[0]: m[2] for m in expected[:2]},
            "parameters() of a combined batch")


def check_real_ensemble(t, mf, path, single):
    """A file of `migflow run --replicates 3`: layout (b) as the C side
    writes it."""
    ds = mf.open_run(path)
    t.check(mf.replicates(ds) == 3 and list(ds.replicate.values) == [0, 1, 2],
            "migflow run --replicates: replicate coordinate")
    t.check(ds.occupancy.dims[:2] == ("replicate", "time") and
            list(ds.statistic.values) == STATISTICS,
            "migflow run --replicates: dimensions", str(ds.occupancy.dims))
    with h5py.File(single, "r") as f:
        t.check(np.array_equal(ds.occupancy.sel(replicate=0).values, f["occupancy"][()]) and
                np.array_equal(ds.monitor_passes.sel(replicate=0).values,
                               f["monitor_passes"][()]),
                "migflow run --replicates: replicate 0 is the single run")
    stored = [v[len("summary_"):] for v in ds.data_vars if v.startswith("summary_")]
    t.check(len(stored) >= 3, f"migflow run --replicates: summaries {stored}")
    ok = all(np.allclose(mf.summary(ds, v).values, mf.band(ds[v]).values) for v in stored)
    t.check(ok, "stored summary_<var> = band() computed here (same percentiles)")
    b = mf.band(mf.libya_stock(ds))
    t.check(bool((b.sel(statistic="p05") <= b.sel(statistic="p95")).all()) and
            float((b.sel(statistic="p95") - b.sel(statistic="p05")).max()) > 0,
            "libya_stock band over real replicates")


def check_real_batch(t, mf, path, names, single):
    """A file of `migflow batch`: layout (c) as the C side writes it."""
    t.check(mf.is_batch(path), "migflow batch: is_batch")
    batch = mf.open_batch(path)
    t.check(len(batch) == len(names) and
            all(m == n or m.startswith(n + "_") for m, n in zip(batch, names)),
            "migflow batch: member names", str(list(batch)))
    names = list(batch)
    first = batch[names[0]]
    t.check(first.attrs.get("member_scenario") == "baseline" and
            first.attrs.get("member_replicates") == 2 and
            mf.parameters(first) == {"retry_after_interception": 0.6},
            "migflow batch: member table as attrs",
            str({k: v for k, v in first.attrs.items() if k.startswith("member")}))
    with h5py.File(single, "r") as f:
        t.check(np.array_equal(first.link_flow.isel(replicate=0).values, f["link_flow"][()]),
                "migflow batch: member replicate 0 is the single run")
    try:
        mf.combine(batch)
        t.check(False, "migflow batch: combine refuses another network")
    except ValueError as error:
        t.check("small" in str(error), "migflow batch: combine refuses another network")
    c = mf.combine(batch, members=names[:2])
    t.check(c.occupancy.dims[:2] == ("member", "replicate") and
            "member_parameter_retry_after_interception" in c.coords,
            "migflow batch: combine with the swept parameter as a coordinate",
            str(list(c.coords)))
    t.check(mf.passes(c, year=2024).dims == ("member", "replicate", "direction"),
            "migflow batch: passes() per member and replicate")


def png_ok(t, path, what, min_size=(900, 600), min_bytes=40_000):
    import matplotlib.image as mpimg
    exists = os.path.isfile(path)
    t.check(exists, f"{what}: PNG written")
    if not exists:
        return
    size = os.path.getsize(path)
    t.check(size >= min_bytes, f"{what}: PNG not trivial ({size} bytes)")
    image = mpimg.imread(path)
    h, w = image.shape[:2]
    t.check(w >= min_size[0] and h >= min_size[1], f"{what}: PNG {w}x{h}")
    rgb = image[..., :3]
    t.check(float(rgb.std()) > 0.05 and len(np.unique(rgb.reshape(-1, 3)[::97], axis=0)) > 50,
            f"{what}: PNG has content")


def run_script(t, root, script, args, what):
    """Runs a plot script as a program (its shebang interpreter, Agg)."""
    command = ["/usr/bin/python3", os.path.join(root, "scripts", script)] + args
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, MPLBACKEND="Agg"))
    t.check(result.returncode == 0, f"{what}: exit 0 ({time.monotonic() - started:.1f} s)",
            result.stderr[-2000:])
    return result.returncode, result.stderr


def call_script(t, root, script, args, what):
    """Calls a plot script's main(argv) in this process (saves the start-up
    of an interpreter per figure); returns its exit status and stderr."""
    import contextlib
    import importlib.util
    import io
    path = os.path.join(root, "scripts", script)
    spec = importlib.util.spec_from_file_location(script[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    err = io.StringIO()
    started = time.monotonic()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = module.main(args)
        except SystemExit as exit_:
            status = exit_.code
    return status or 0, err.getvalue(), time.monotonic() - started


def check_plots(t, root, work, base, alt, rep, rep_alt, batch, real_batch=None):
    """Each plot script on runs, replicates and batches (migflow's own batch
    file when there is one, else the fixture)."""
    batch = real_batch or batch
    import migflow as mf
    first, second = mf.member_names(batch)[:2]
    out = lambda name: os.path.join(work, name)  # noqa: E731
    status, stderr = run_script(t, root, "plot_series.py", [base, "-o", out("series.png")],
                                "plot_series (run, as a program)")
    if status == 0:
        png_ok(t, out("series.png"), "plot_series (run)", (1200, 900))
    cases = [
        ("plot_series.py", [rep, "-o", out("series_rep.png"), "--var", "passes/direction",
                            "--var", "libya_stock", "--var",
                            "occupancy:place=agadez+sabha/intent", "--from", "2024-01-01"],
         "plot_series (replicates, --var)", (1200, 500)),
        ("plot_series.py", [batch, "-o", out("series_batch.png"), "--var", "lampedusa_arrivals",
                            "--member", first, "--member", second],
         "plot_series (batch)", (700, 400)),
        ("plot_flowmap.py", [base, "-o", out("map.png"), "--year", "2024"],
         "plot_flowmap (run)", (1800, 1200)),
        ("plot_flowmap.py", [f"{batch}#{second}", "-o", out("map_batch.png"),
                             "--from", "2024-06-01", "--to", "2024-12-31"],
         "plot_flowmap (batch member, replicates)", (1800, 1200)),
        ("plot_compare.py", [base, alt, "-o", out("compare.png")], "plot_compare (runs)",
         (1200, 1200)),
        ("plot_compare.py", [rep, rep_alt, "-o", out("compare_rep.png")],
         "plot_compare (replicates)", (1200, 1200)),
    ]
    for script, args, what, size in cases:
        status, stderr, took = call_script(t, root, script, args, what)
        if t.check(status == 0, f"{what}: exit 0 ({took:.1f} s)", stderr[-2000:]):
            png_ok(t, args[args.index("-o") + 1], what, size)
    status, stderr, _ = call_script(t, root, "plot_series.py",
                                    [base, "-o", out("bad.png"), "--var", "nonsense"], "")
    t.check(status == 2 and "unknown variable" in stderr and not os.path.exists(out("bad.png")),
            "plot_series: an unknown --var is a usage error", stderr[-500:])
    status, stderr, _ = call_script(t, root, "plot_flowmap.py", [batch, "-o", out("bad.png")], "")
    t.check(status == 2 and "--member" in stderr,
            "plot_flowmap: a batch without --member is a usage error", stderr[-500:])
    status, stderr, _ = call_script(t, root, "plot_series.py",
                                    [batch, "-o", out("bad.png"), "--member", "nobody"], "")
    t.check(status == 2 and "no member nobody" in stderr,
            "plot_series: an unknown --member is a usage error", stderr[-500:])
    status, stderr, _ = call_script(t, root, "plot_compare.py", [base, "-o", out("bad.png")], "")
    t.check(status == 2, "plot_compare: one run only is a usage error", stderr[-500:])


def check_notebook(t, root, binary, work):
    import nbformat
    from nbclient import NotebookClient
    path = os.path.join(root, "scripts", "notebooks", "explore.ipynb")
    nb = nbformat.read(path, as_version=4)
    os.environ["MIGFLOW"] = os.path.abspath(binary)
    os.environ["MIGFLOW_NOTEBOOK_OUT"] = os.path.join(work, "notebook")
    os.environ["OMP_NUM_THREADS"] = "1"   # see run_binary
    os.environ["MIGFLOW_ROOT"] = root
    # Keep Jupyter's and IPython's files out of $HOME, and the debugger quiet.
    os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(work, "jupyter-runtime")
    os.environ["IPYTHONDIR"] = os.path.join(work, "ipython")
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    started = time.monotonic()
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(path)}})
    try:
        client.execute()
        ok, detail = True, ""
    except Exception as error:  # noqa: BLE001 - CellExecutionError and kernel failures
        ok, detail = False, str(error)[-3000:]
    took = time.monotonic() - started
    t.check(ok, f"notebook executes headless ({took:.1f} s)", detail)
    t.check(took < 120, f"notebook runs in under 2 minutes ({took:.1f} s)")
    images = sum(1 for cell in nb.cells if cell.cell_type == "code"
                 for o in cell.get("outputs", []) if "image/png" in o.get("data", {}))
    t.check(images >= 3, f"notebook shows figures ({images})")
    errors = [o for cell in nb.cells if cell.cell_type == "code"
              for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    t.check(not errors, "notebook has no error output")
    nbformat.write(nb, os.path.join(work, "explore.executed.ipynb"))


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: test_python_tools.py MIGFLOW_BINARY REPO_ROOT")
    binary, root = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    import migflow as mf
    t = Checks()
    started = time.monotonic()
    missing = []
    for module, package in (("xarray", "python3-xarray"), ("h5netcdf", "python3-h5netcdf"),
                            ("matplotlib", "python3-matplotlib"),
                            ("geopandas", "python3-geopandas"), ("nbclient", "python3-nbclient"),
                            ("nbformat", "python3-nbformat"), ("ipykernel", "python3-ipykernel")):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    t.check(not missing, "Debian packages of the Python tools installed",
            f"missing {' '.join(missing)} (scripts/setup.sh --tests installs them)")
    work = tempfile.mkdtemp(prefix="migflow-py-")
    keep = bool(os.environ.get("MIGFLOW_KEEP_TEST_OUTPUT"))
    try:
        baseline = os.path.join(root, "scenarios", "baseline.yaml")
        whatif = os.path.join(work, "whatif.yaml")
        with open(whatif, "w") as f:
            f.write(WHATIF.format(baseline=baseline))
        runs = [run_binary(binary, baseline, os.path.join(work, f"base{s}.h5"), seed=s)
                for s in SEEDS]
        alts = [run_binary(binary, whatif, os.path.join(work, f"alt{s}.h5"), seed=s)
                for s in SEEDS[:2]]
        small = run_binary(binary, os.path.join(root, "tests", "data", "small", "scenario.yaml"),
                           os.path.join(work, "small.h5"), days=60, scale=1)
        print(f"# runs made in {time.monotonic() - started:.1f} s in {work}")
        t.section("module on a single run", check_module, t, mf, runs[0])

        rep = os.path.join(work, "replicates.h5")
        with h5py.File(rep, "w", track_order=True, libver=("v108", "latest")) as f:
            build_replicate_run(f, runs)
        rep_alt = os.path.join(work, "replicates_alt.h5")
        with h5py.File(rep_alt, "w", track_order=True, libver=("v108", "latest")) as f:
            build_replicate_run(f, alts)
        t.section("layout (b): replicates", check_replicates, t, mf, rep, runs)

        batch = os.path.join(work, "batch.h5")
        members = [("baseline", "baseline", {"route_temperature": 0.5}, runs),
                   ("whatif", "test-whatif", {"route_temperature": 1.0}, alts),
                   ("small", "small", {}, [small])]
        build_batch(batch, members)
        t.section("layout (c): batch", check_batch, t, mf, batch, members)
        real_batch = None
        if binary_offers(binary, ["run"], "--replicates"):
            ensemble = run_binary(binary, baseline, os.path.join(work, "ensemble.h5"),
                                  seed=SEEDS[0], extra=["--replicates", "3"])
            t.section("migflow run --replicates", check_real_ensemble, t, mf, ensemble, runs[0])
        else:
            print("# skipped: this migflow has no run --replicates")
        if binary_offers(binary, ["batch"], "members/"):
            names = ["baseline", "whatif", "small"]
            spec = os.path.join(work, "batch.yaml")
            with open(spec, "w") as f:
                f.write(BATCH.format(baseline=baseline, whatif=whatif, root=root))
            real_batch = os.path.join(work, "real_batch.h5")
            result = subprocess.run([binary, "batch", spec, "-o", real_batch, "--threads", "1",
                                     "--quiet", "--force"], capture_output=True, text=True,
                                    timeout=1200)
            if t.check(result.returncode == 0, "migflow batch runs", result.stderr[-1000:]):
                t.section("migflow batch", check_real_batch, t, mf, real_batch, names, runs[0])
            else:
                real_batch = None
        else:
            print("# skipped: this migflow has no batch command")
        t.section("plot scripts", check_plots, t, root, work, runs[0], alts[0], rep, rep_alt,
                  batch, real_batch)
        t.section("notebook", check_notebook, t, root, binary, work)
    except Exception:  # noqa: BLE001 - a broken fixture or run: one failure, and the count
        t.failed += 1
        print("FAIL - test setup: exception")
        traceback.print_exc(file=sys.stdout)
    finally:
        if keep:
            print(f"# output kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"# total {time.monotonic() - started:.1f} s")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
