"""Read migflow output (HDF5, netCDF-4 layout) with xarray, and draw it.

    import sys; sys.path.insert(0, "scripts")      # from the repository root
    import migflow
    ds = migflow.open_run("build/baseline.h5")       # an xarray.Dataset
    migflow.passes(ds, year=2024)                    # passes by direction in 2024
    migflow.libya_stock(ds)                          # persons present in Libya, by day
    migflow.indicator(ds, "deaths", mode="sea")      # any indicator of INDICATORS, by day
    sa = migflow.open_sensitivity("sa.h5")           # `migflow sensitivity`: Sobol indices
    ds.migflow.by_country()                          # the same functions as an accessor

Three layouts are read (README.md, "Output layout"):

- a single run: variables along ``time`` (decoded to dates), ``place``,
  ``link``, ``monitoring_point``, ``direction``, ``intent``, with the place,
  link and monitoring point tables as coordinates;
- a run with replicates: every time-indexed variable has a leading
  ``replicate`` dimension (coordinate 0..N-1), and ``summary_<var>``
  variables hold ``statistic`` (mean, p05, p50, p95) along ``time``;
- a batch: root attribute ``migflow_batch = 1``, one group per member under
  ``/members/<name>`` holding the run layout, and a table along the root
  dimension ``member``: variables scenario, scenario_path, parameters (JSON
  text), status, seed, replicates, parameter_<name> (or the same names with
  a ``member_`` prefix), which open_batch() gives each member as attrs
  ``member_<column>`` and combine() as coordinates along ``member``.

The indicators (INDICATORS, indicator, indicator_total) are those of
src/indicators.c, which the calibration targets, the run summary and
`migflow compare` compute: the same names, definitions and values.

Every indicator function takes a Dataset in any of these layouts (a member
of a batch, or the combined batch) and keeps the ``replicate`` and ``member``
dimensions it finds; ``band`` turns a replicate dimension into the 5-95 %
statistics. Needs Debian's python3-xarray, python3-h5netcdf and python3-h5py
(run with /usr/bin/python3); the drawing functions also python3-matplotlib,
and ``draw_flowmap`` python3-geopandas for the world outline.
"""
import json
import math
import os
import re
import warnings

import numpy as np
import pandas as pd
import xarray as xr

__all__ = [
    "open_run", "open_batch", "combine", "is_batch", "member_names",
    "parameters", "replicates", "report_from", "window", "band", "summary",
    "INDICATORS", "indicator", "indicator_total",
    "present_by_country", "stock", "libya_stock", "passes", "passes_by_point",
    "lampedusa_arrivals", "deaths", "interceptions", "displaced", "link_flows",
    "indicators", "totals", "select", "draw_series", "draw_flowmap",
    "draw_compare", "world_outline",
]

DIRECTIONS = ("inbound", "outbound", "internal")
INTENTS = ("circular", "onward", "displaced", "return")
STATISTICS = ("mean", "p05", "p50", "p95")
QUANTILES = {"p05": 0.05, "p50": 0.50, "p95": 0.95}
EXTRA_DIMS = ("member", "replicate")  # dimensions the indicators carry along


# --------------------------------------------------------------------------
# Opening files

def is_batch(path):
    """True if path is a batch file (root attribute migflow_batch = 1)."""
    import h5py
    with h5py.File(path, "r") as f:
        value = f.attrs.get("migflow_batch", 0)
    return int(np.asarray(value).ravel()[0]) == 1 if np.size(value) else False


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def _finish(ds, path, load):
    if load:
        ds.load()
        ds.close()
    ds.attrs.setdefault("migflow_path", os.fspath(path))
    if int(ds.attrs.get("complete", 1)) != 1:
        warnings.warn(f"{path}: the run is not marked complete", stacklevel=3)
    return ds


def open_run(path, group=None, load=True):
    """Opens one run (or one group holding the run layout) as a Dataset.

    Time is decoded to dates; place, link and monitoring point labels are the
    coordinates, with their tables (place_country, link_mode, ...) as
    auxiliary coordinates. load=True reads everything into memory and closes
    the file (the files are small); load=False keeps it lazy."""
    if group is None and is_batch(path):
        raise ValueError(f"{path} is a batch file: use open_batch() "
                         "or open_run(path, group='members/NAME')")
    ds = xr.open_dataset(path, engine="h5netcdf", group=group)
    return _finish(ds, path, load)


def member_names(path):
    """The member names of a batch file, in their stored order."""
    import h5py
    with h5py.File(path, "r") as f:
        if "member" in f:
            return [_text(v) for v in f["member"][()]]
        if "members" in f:
            return list(f["members"].keys())
    raise ValueError(f"{path}: no members (not a batch file?)")


def _plain(key, value):
    """A member table value as a plain Python value."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer() and key.endswith(("seed", "replicates")):
        return int(value)
    return value


def _member_table(path, names):
    """The batch's table along ``member`` (root variables with that one
    dimension), as {member_<column>: {member name: value}}. migflow writes
    the columns scenario, scenario_path, parameters (JSON), status, seed,
    replicates and parameter_<name> per swept parameter; columns already
    called member_<column> keep their name."""
    root = xr.open_dataset(path, engine="h5netcdf")
    try:
        table = {}
        for var in root.data_vars:
            if root[var].dims != ("member",):
                continue
            key = var if var.startswith("member_") else f"member_{var}"
            labels = [_text(m) for m in root["member"].values] if "member" in root.coords \
                else names
            table[key] = {m: _plain(key, v) for m, v in zip(labels, root[var].values)}
        return table, dict(root.attrs)
    finally:
        root.close()


def open_batch(path, load=True):
    """Opens a batch file: a dict member name -> Dataset (in stored order).

    Each Dataset's attrs carry ``member`` (its name) and the batch's table
    for it as ``member_<column>``: member_scenario, member_parameters (JSON
    text; parameters(ds) parses it), member_seed, member_replicates,
    member_parameter_<name> for swept parameters..."""
    if not is_batch(path):
        raise ValueError(f"{path} is not a batch file (no migflow_batch = 1): "
                         "use open_run()")
    names = member_names(path)
    table, root_attrs = _member_table(path, names)
    batch = {}
    for name in names:
        ds = open_run(path, group=f"members/{name}", load=load)
        ds.attrs["member"] = name
        for key, values in table.items():
            if name in values:
                ds.attrs[key] = values[name]
        if "member_parameters" not in ds.attrs and "parameters" in ds.attrs:
            ds.attrs["member_parameters"] = _text(ds.attrs["parameters"])
        ds.attrs.setdefault("batch_name", _text(root_attrs.get("batch_name", "")))
        batch[name] = ds
    return batch


def open(path, load=True):  # noqa: A001 - the module's entry point
    """open_batch(path) for a batch file, else open_run(path).

    ``path#member`` opens one member of a batch as a run."""
    path = os.fspath(path)
    if "#" in path and not os.path.exists(path):
        path, member = path.rsplit("#", 1)
        names = member_names(path)
        if member not in names:
            raise KeyError(f"no member '{member}' in {path} (members: {', '.join(names)})")
        ds = open_run(path, group=f"members/{member}", load=load)
        ds.attrs["member"] = member
        return ds
    return open_batch(path, load) if is_batch(path) else open_run(path, load=load)


def open_sensitivity(path, load=True):
    """Opens the file of `migflow sensitivity` as a Dataset: dimensions
    ``indicator`` (target names), ``parameter`` (free parameter names) and
    ``point``; first_order, total and their _low/_high interval bounds
    (indicator, parameter), sum_first_order and variance (indicator),
    design (point, parameter), outputs (point, indicator), parameter_min,
    parameter_max, parameter_log_scale (parameter)."""
    ds = xr.open_dataset(path, engine="h5netcdf")
    if "first_order" not in ds.variables or "indicator" not in ds.dims:
        ds.close()
        raise ValueError(f"{path} is not a file of migflow sensitivity")
    return _finish(ds, path, load)


def open_posterior(path, load=True):
    """Opens the file of `migflow posterior` as a Dataset: dimensions
    ``generation``, ``particle``, ``parameter`` (free parameter names),
    ``parameter_b`` (the same, second axis of ``correlation``), ``target``
    and ``draw``; particles (generation, particle, parameter), weights and
    distances (generation, particle), tolerance, ess, acceptance_rate and
    simulations (generation); posterior_mean, posterior_sd, posterior_q05 /
    q50 / q95 (parameter), correlation; prior_min, prior_max, prior_family;
    target_observed and the predictive check predictive (draw, target),
    predictive_q05 / q50 / q95 and predictive_inside (target)."""
    ds = xr.open_dataset(path, engine="h5netcdf")
    if int(ds.attrs.get("migflow_posterior", 0)) != 1 or "particles" not in ds.variables:
        ds.close()
        raise ValueError(f"{path} is not a file of migflow posterior")
    if int(ds.attrs.get("complete", 0)) != 1:
        ds.close()
        raise ValueError(f"{path} is an unfinished posterior (a checkpoint): run migflow "
                         "posterior again to finish it")
    return _finish(ds, path, load)


def posterior_particles(ds, generation=-1):
    """The particles of one generation (the last by default) as a pandas
    DataFrame, one column per parameter plus ``weight``."""
    g = ds.isel(generation=generation)
    frame = g["particles"].to_pandas()
    frame.columns = [str(c) for c in frame.columns]
    frame["weight"] = g["weights"].values
    return frame


def posterior_summary(ds):
    """Per parameter: prior family and bounds, posterior mean, sd and the
    5 / 50 / 95 % quantiles (a pandas DataFrame)."""
    import pandas as pd
    names = [str(p) for p in ds["parameter"].values]
    return pd.DataFrame({
        "prior": [str(f) for f in ds["prior_family"].values],
        "min": ds["prior_min"].values, "max": ds["prior_max"].values,
        "mean": ds["posterior_mean"].values, "sd": ds["posterior_sd"].values,
        "q05": ds["posterior_q05"].values, "q50": ds["posterior_q50"].values,
        "q95": ds["posterior_q95"].values}, index=names)


def predictive_check(ds):
    """Per target: observed, predictive 5 / 50 / 95 % and whether the
    observation is inside (a pandas DataFrame)."""
    import pandas as pd
    names = [str(t) for t in ds["target"].values]
    return pd.DataFrame({
        "observed": ds["target_observed"].values, "q05": ds["predictive_q05"].values,
        "q50": ds["predictive_q50"].values, "q95": ds["predictive_q95"].values,
        "inside": ds["predictive_inside"].values.astype(bool)}, index=names)


def parameters(ds):
    """The parameters set for a batch member (its JSON text) as a dict; for a
    combined batch, a dict member name -> dict."""
    if "member" in ds.dims and "member_parameters" in ds.coords:
        return {_text(m): json.loads(_text(t) or "{}") for m, t in
                zip(ds["member"].values, ds["member_parameters"].values)}
    text = ds.attrs.get("member_parameters", ds.attrs.get("parameters"))
    return json.loads(_text(text)) if text else {}


NETWORK_DIMS = ("place", "link", "monitoring_point", "direction", "intent")


def combine(batch, members=None, join="outer"):
    """One Dataset with a leading ``member`` dimension from open_batch().

    The members must share the network (same places, links, monitoring
    points); their time and replicate axes are joined (join="outer": days
    or replicates a member lacks are NaN, which band() skips; "inner": the
    common ones only). The batch's table (the member_* attrs that
    open_batch sets: scenario, parameters, seed, swept parameter values...)
    becomes coordinates along ``member``."""
    names = list(batch if members is None else members)
    if not names:
        raise ValueError("combine: no members")
    first = batch[names[0]]
    for name in names[1:]:
        ds = batch[name]
        for dim in NETWORK_DIMS:
            a = first.indexes.get(dim)
            b = ds.indexes.get(dim)
            if (a is None) != (b is None) or (a is not None and not a.equals(b)):
                raise ValueError(
                    f"combine: member '{name}' differs from '{names[0]}' "
                    f"along '{dim}'; pass members=[...] with matching networks")
    parts = []
    for name in names:
        ds = batch[name]
        ds = ds.drop_vars([v for v in ("member",) if v in ds.variables])
        parts.append(ds)
    index = pd.Index(names, name="member")
    out = xr.concat(parts, dim=index, data_vars="all", coords="minimal",
                    compat="override", join=join,
                    combine_attrs="drop_conflicts")
    keys = [k for k in batch[names[0]].attrs if k.startswith("member_")]
    table = []
    for key in keys:
        values = [batch[n].attrs.get(key) for n in names]
        if any(v is None for v in values):
            continue
        out = out.assign_coords({key: ("member", values)})
        table.append(key)
    for key in keys + ["member", "parameters"]:
        out.attrs.pop(key, None)
    # Tables along network dimensions must not grow a member axis.
    for name in list(out.coords):
        if name != "member" and "member" in out[name].dims and \
                name not in table and "time" not in out[name].dims:
            out = out.assign_coords({name: out[name].isel(member=0, drop=True)})
    return out


# --------------------------------------------------------------------------
# Metadata

def replicates(ds):
    """Number of replicates (1 for a single run)."""
    return int(ds.sizes.get("replicate", 1))


def report_from(ds):
    """First day of the reporting window (the scenario's report_from, else
    the first day of the run), as a numpy datetime64."""
    value = ds.attrs.get("report_from")
    if value is None:
        match = re.search(r"^report_from:\s*['\"]?(\d{4}-\d{2}-\d{2})",
                          _text(ds.attrs.get("scenario", "")), re.M)
        value = match.group(1) if match else None
    if value is None:
        return ds.time.values[0]
    return np.datetime64(_text(value), "ns")


def window(obj, year=None, start=None, end=None):
    """obj restricted to a calendar year or to [start, end] (dates, inclusive).

    Warns when the run does not cover the whole of the year asked for."""
    if year is not None:
        if start is not None or end is not None:
            raise ValueError("window: give year or start/end, not both")
        start, end = f"{int(year)}-01-01", f"{int(year)}-12-31"
    if start is None and end is None:
        return obj
    out = obj.sel(time=slice(start, end))
    if year is not None:
        want = pd.Timestamp(end) - pd.Timestamp(start)
        have = out.sizes["time"]
        if have < want.days + 1:
            warnings.warn(f"the run covers {have} of the {want.days + 1} days "
                          f"of {year}", stacklevel=3)
    return out


# --------------------------------------------------------------------------
# Replicate statistics

def band(da, dim="replicate"):
    """Statistics over replicates: da with ``dim`` replaced by ``statistic``
    (mean, p05, p50, p95; linear-interpolated quantiles). Without that
    dimension every statistic is da itself."""
    if dim not in da.dims:
        parts = [da] * len(STATISTICS)
    else:
        values = da.astype("float64")
        # NaN-aware quantiles (numpy's nanquantile) are a loop in Python:
        # only where there are NaN (a combined batch's missing replicates).
        skipna = bool(values.isnull().any())
        parts = [values.mean(dim, skipna=skipna)]
        q = values.quantile([QUANTILES[s] for s in STATISTICS[1:]], dim=dim, skipna=skipna)
        parts += [q.isel(quantile=i, drop=True) for i in range(len(STATISTICS) - 1)]
    out = xr.concat(parts, dim=pd.Index(list(STATISTICS), name="statistic"))
    out.attrs = dict(da.attrs)
    out.name = da.name
    return out


def summary(ds, var):
    """The stored ``summary_<var>`` (statistic, time, ...) if the file has it,
    else band(ds[var]) computed here."""
    stored = f"summary_{var}"
    if stored in ds.variables:
        return ds[stored]
    return band(ds[var])


# --------------------------------------------------------------------------
# The indicators of src/indicators.c, mirrored: the same names, long names,
# units, kinds, filters and definitions (`migflow indicators --json` prints
# the C table), computed the same way from a run file (tests/test_indicators.py
# checks both against each other). A flow is summed over a window, a stock
# taken on its last day.

PER_DAY = "persons per day"
INDICATORS = {
    "monitor_passes": {
        "long_name": "passes at the monitoring points", "units": PER_DAY, "kind": "flow",
        "filters": ("direction",),
        "definition": "persons arriving over the links of a monitoring point, by direction "
                      "relative to its country (inbound, outbound, internal), summed over "
                      "the points"},
    "arrivals": {
        "long_name": "arrivals at places", "units": PER_DAY, "kind": "flow",
        "filters": ("place",),
        "definition": "persons arriving over a link at the place (at any place without one)"},
    "destination_arrivals": {
        "long_name": "arrivals at the destinations", "units": PER_DAY, "kind": "flow",
        "filters": (),
        "definition": "persons reaching a place of kind destination, where they leave the "
                      "model"},
    "sea_arrivals": {
        "long_name": "arrivals over sea links", "units": PER_DAY, "kind": "flow",
        "filters": ("from_country", "to_country"),
        "definition": "persons reaching the end of a sea link, by the country of its start "
                      "and of its end (run files do not keep it)"},
    "deaths": {
        "long_name": "deaths on links", "units": PER_DAY, "kind": "flow",
        "filters": ("mode",),
        "definition": "persons dying on a link, on the way or in a sea crossing, by the "
                      "link's mode"},
    "sea_deaths": {
        "long_name": "deaths at sea", "units": PER_DAY, "kind": "flow",
        "filters": ("from_country",),
        "definition": "deaths on sea links, by the country of the link's start"},
    "land_deaths": {
        "long_name": "deaths on land", "units": PER_DAY, "kind": "flow",
        "filters": ("country",),
        "definition": "deaths on road and desert links, by a country at either end of the "
                      "link"},
    "interceptions": {
        "long_name": "interceptions at sea", "units": PER_DAY, "kind": "flow",
        "filters": ("from_country",),
        "definition": "persons intercepted on a sea link and returned to the coast, by the "
                      "country of the link's start (run files keep only the total)"},
    "expulsions": {
        "long_name": "expulsions", "units": PER_DAY, "kind": "flow", "filters": (),
        "definition": "persons moved by expulsion (Algeria to Assamaka)"},
    "spawned": {
        "long_name": "new persons", "units": PER_DAY, "kind": "flow", "filters": (),
        "definition": "persons entering the model at their place of origin (not the initial "
                      "population)"},
    "returns": {
        "long_name": "returns home", "units": PER_DAY, "kind": "flow", "filters": (),
        "definition": "persons who reached home and left the model"},
    "present": {
        "long_name": "persons present", "units": "persons", "kind": "stock",
        "filters": ("country", "intent"),
        "definition": "persons at places at the end of the day, by the places' country and "
                      "the persons' intent"},
    "in_transit": {
        "long_name": "persons travelling", "units": "persons", "kind": "stock", "filters": (),
        "definition": "persons on links at the end of the day"},
}


def _per_link(name, what):
    raise ValueError(f"indicator '{name}': {what} is counted per link, which run files do "
                     "not keep (the calibration targets compute it during a run)")


def _link_countries(ds):
    """The countries of each link's start and end (arrays along link)."""
    where = _country_of_place(ds)
    start = np.array([where[p] for p in ds["link_from"].values])
    end = np.array([where[p] for p in ds["link_to"].values])
    return start, end


def _deaths_on(ds, keep):
    return ds["deaths"].isel(link=np.flatnonzero(keep)).sum("link")


def _passes_by_direction(ds):
    return ds["monitor_passes"].sum("monitoring_point")


def _monitor_passes(ds, direction):
    p = _passes_by_direction(ds)
    return p.sum("direction") if direction is None else p.sel(direction=direction, drop=True)


def _arrivals(ds, place):
    a = ds["arrivals"]
    return a.sum("place") if place is None else a.sel(place=place, drop=True)


def _sea_arrivals(ds, from_country, to_country):
    _per_link("sea_arrivals", "arrival over a sea link")


def _deaths(ds, mode):
    modes = ds["link_mode"].values
    return _deaths_on(ds, np.ones(modes.shape, bool) if mode is None else modes == mode)


def _sea_deaths(ds, from_country):
    start, _ = _link_countries(ds)
    return _deaths_on(ds, (ds["link_mode"].values == "sea") &
                  (True if from_country is None else start == from_country))


def _land_deaths(ds, country):
    start, end = _link_countries(ds)
    return _deaths_on(ds, (ds["link_mode"].values != "sea") &
                  (True if country is None else (start == country) | (end == country)))


def _interceptions(ds, from_country):
    # Only sea links intercept: the file's total is the sum over them.
    if from_country is not None:
        _per_link("interceptions", "an interception by the country of the link's start")
    return ds["interceptions"]


def _present(ds, country, intent):
    occ = ds["occupancy"]
    if country is not None:
        occ = occ.isel(place=np.flatnonzero(ds["place_country"].values == country))
    occ = occ.sum("intent") if intent is None else occ.sel(intent=intent, drop=True)
    return occ.sum("place")


_DAY_VALUES = {
    "monitor_passes": _monitor_passes,
    "arrivals": _arrivals,
    "destination_arrivals": lambda ds: ds["destination_arrivals"],
    "sea_arrivals": _sea_arrivals,
    "deaths": _deaths,
    "sea_deaths": _sea_deaths,
    "land_deaths": _land_deaths,
    "interceptions": _interceptions,
    "expulsions": lambda ds: ds["expulsions"],
    "spawned": lambda ds: ds["spawned"].sum("place"),
    "returns": lambda ds: ds["returns"],
    "present": _present,
    "in_transit": lambda ds: ds["in_transit"].sum("link"),
}


def _filter_labels(ds, key):
    """The labels a filter key takes in ds."""
    if key in ("country", "from_country", "to_country"):
        return sorted(set(_text(c) for c in ds["place_country"].values))
    dim = {"direction": "direction", "place": "place", "intent": "intent"}.get(key)
    if dim:
        return [_text(v) for v in ds[dim].values]
    return sorted(set(_text(m) for m in ds["link_mode"].values))


def indicator(ds, name, **filters):
    """Indicator ``name`` of INDICATORS on each day (time, keeping any member
    and replicate dimensions of ds), narrowed by the filters it takes, given
    by label: direction="outbound", place="lampedusa" (a place id),
    country=, from_country=, to_country="Libya", intent="displaced",
    mode="sea". Raises KeyError for an unknown name or label, ValueError for
    a filter the indicator does not take and for what run files do not keep.
    Attrs: long_name, units, kind, indicator and the filters given."""
    if name not in INDICATORS:
        raise KeyError(f"unknown indicator '{name}': choose one of {', '.join(INDICATORS)}")
    spec = INDICATORS[name]
    given = {k: v for k, v in filters.items() if v is not None}
    wrong = sorted(set(given) - set(spec["filters"]))
    if wrong:
        raise ValueError(f"indicator '{name}' takes no filter {', '.join(wrong)} "
                         f"(it takes: {', '.join(spec['filters']) or 'none'})")
    for key, label in given.items():
        if label not in _filter_labels(ds, key):
            raise KeyError(f"indicator '{name}': no {key} '{label}' in the run")
    da = _DAY_VALUES[name](ds, *[given.get(k) for k in spec["filters"]])
    da = da.rename(name)
    da.attrs = {"long_name": spec["long_name"], "units": spec["units"], "kind": spec["kind"],
                "indicator": name, **given}
    return da


def _total(da, start=None, end=None):
    """A flow summed over [start, end], a stock on end (window() dates)."""
    da = window(da, None, start, end)
    return da.isel(time=-1, drop=True) if da.attrs.get("kind") == "stock" else da.sum("time")


def indicator_total(ds, name, start=None, end=None, **filters):
    """Indicator ``name`` over the window [start, end] (dates, inclusive;
    default the whole run) as a calibration target or a row of `migflow
    compare` has it: a flow summed, a stock on the last day. Keeps member and
    replicate dimensions."""
    da = indicator(ds, name, **filters)
    out = _total(da, start, end)
    out.attrs = dict(da.attrs, units="persons")
    return out


# --------------------------------------------------------------------------
# Views of the indicators. Each returns a DataArray along time (unless summed
# over it) that keeps any member and replicate dimensions of ds.

def _named(da, name, long_name, units, kind):
    da = da.rename(name)
    da.attrs = {"long_name": long_name, "units": units, "kind": kind}
    return da


def present_by_country(ds, include_transit=False):
    """Persons present at the places of each country at the end of each day
    (time, country). include_transit adds the persons on links whose two ends
    lie in that country."""
    countries = sorted(set(_text(c) for c in ds["place_country"].values))
    parts = []
    for country in countries:
        total = indicator(ds, "present", country=country)
        if include_transit:
            total = total + _transit_within(ds, country)
        parts.append(total)
    out = xr.concat(parts, dim=pd.Index(countries, name="country"))
    out = out.transpose(*[d for d in EXTRA_DIMS if d in out.dims], "time", "country")
    return _named(out, "present", "persons present by country", "persons", "stock")


def _country_of_place(ds):
    return dict(zip(ds["place"].values, ds["place_country"].values))


def _transit_within(ds, country):
    where = _country_of_place(ds)
    inside = [i for i, (a, b) in enumerate(zip(ds["link_from"].values,
                                               ds["link_to"].values))
              if where[a] == country and where[b] == country]
    return ds["in_transit"].isel(link=inside).sum("link")


def stock(ds, country, include_transit=False):
    """Persons present in a country at the end of each day (time)."""
    if country not in set(_text(c) for c in ds["place_country"].values):
        raise KeyError(f"no place in country '{country}'")
    out = indicator(ds, "present", country=country)
    if include_transit:
        out = out + _transit_within(ds, country)
    return _named(out, f"stock_{country.lower().replace(' ', '_')}",
                  f"persons present in {country}", "persons", "stock")


def libya_stock(ds, include_transit=False):
    """Persons present at Libya's places at the end of each day (time)."""
    out = stock(ds, "Libya", include_transit)
    return out.rename("libya_stock")


def passes(ds, year=None, start=None, end=None, points=None, daily=False):
    """Monitoring-point passes by direction, summed over the points (all, or
    the names in points) and over the window (year, or start/end). daily=True
    keeps the time axis (persons per day)."""
    if points is not None:
        ds = ds.sel(monitoring_point=[points] if isinstance(points, str) else list(points))
    mp = window(_passes_by_direction(ds), year, start, end)
    if daily:
        return _named(mp, "passes", "monitoring point passes by direction",
                      "persons per day", "flow")
    return _named(mp.sum("time"), "passes",
                  "monitoring point passes by direction", "persons", "total")


def passes_by_point(ds, year=None, start=None, end=None):
    """Passes per monitoring point and direction over the window."""
    mp = window(ds["monitor_passes"], year, start, end).sum("time")
    return _named(mp, "passes", "monitoring point passes", "persons", "total")


def lampedusa_arrivals(ds, place="lampedusa"):
    """Arrivals at Lampedusa (persons per day)."""
    return _named(indicator(ds, "arrivals", place=place), "lampedusa_arrivals",
                  f"arrivals at {_text(ds['place_name'].sel(place=place).values)}",
                  "persons per day", "flow")


def deaths(ds, by_mode=False):
    """Deaths on all links per day; by_mode splits them by link mode
    (road, desert, sea) along a ``mode`` dimension."""
    if not by_mode:
        return _named(indicator(ds, "deaths"), "deaths", "deaths (all links)",
                      "persons per day", "flow")
    modes = sorted(set(_text(m) for m in ds["link_mode"].values))
    parts = [indicator(ds, "deaths", mode=m) for m in modes]
    out = xr.concat(parts, dim=pd.Index(modes, name="mode"))
    out = out.transpose(*[x for x in EXTRA_DIMS if x in out.dims], "time", "mode")
    return _named(out, "deaths", "deaths by link mode", "persons per day", "flow")


def interceptions(ds):
    """Persons intercepted at sea per day."""
    return _named(indicator(ds, "interceptions"), "interceptions",
                  "interceptions at sea", "persons per day", "flow")


def displaced(ds):
    """Persons with intent 'displaced' present at places (time)."""
    return _named(indicator(ds, "present", intent="displaced"),
                  "displaced", "displaced persons present at places",
                  "persons", "stock")


def link_flows(ds, year=None, start=None, end=None, per_day=False):
    """Departures onto each link over the window (link): the total, or the
    mean per day with per_day=True."""
    lf = window(ds["link_flow"], year, start, end)
    days = lf.sizes["time"]
    out = lf.sum("time")
    if per_day:
        out = out / max(days, 1)
        return _named(out, "link_flow", "mean departures per day",
                      "persons per day", "total")
    return _named(out, "link_flow", "departures", "persons", "total")


def indicators(ds):
    """The key indicators as one Dataset along time (with member/replicate
    dimensions kept): passes_inbound, passes_outbound, passes_internal,
    lampedusa_arrivals, deaths, interceptions, displaced, libya_stock, each
    an indicator of INDICATORS narrowed (attrs long_name, units and kind,
    'flow' per day or 'stock')."""
    out = {}
    for direction in DIRECTIONS:
        out[f"passes_{direction}"] = _named(
            indicator(ds, "monitor_passes", direction=direction), f"passes_{direction}",
            f"{direction} passes, all monitoring points", "persons per day", "flow")
    out["lampedusa_arrivals"] = lampedusa_arrivals(ds)
    out["deaths"] = deaths(ds)
    out["interceptions"] = interceptions(ds)
    out["displaced"] = displaced(ds)
    out["libya_stock"] = libya_stock(ds)
    return xr.Dataset(out, attrs={"scenario_name": ds.attrs.get("scenario_name", "")})


def totals(ind, start=None, end=None):
    """Window totals of indicators(ds): flows summed over the window, stocks
    taken on its last day. Keeps member/replicate dimensions."""
    out = {}
    for name, da in ind.data_vars.items():
        v = _total(da, start, end)
        stock_ = da.attrs.get("kind") == "stock"
        v.attrs = dict(da.attrs, units="persons",
                       note="on the last day" if stock_ else "window total")
        out[name] = v
    return xr.Dataset(out)


_SPEC = re.compile(r"^(?P<var>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<sel>[^/]*))?(?:/(?P<by>[A-Za-z_]+))?$")


def select(ds, spec):
    """A DataArray along time from a short text spec, for the command line.

    ``NAME`` is an indicator (passes, lampedusa_arrivals, deaths,
    interceptions, displaced, libya_stock, present_by_country) or a variable
    of the file. ``NAME:dim=a+b,dim2=c`` keeps those labels (summing a+b);
    ``NAME/dim`` splits the result by that dimension; every other dimension
    except time, member and replicate is summed."""
    m = _SPEC.match(spec.strip())
    if not m:
        raise ValueError(f"bad variable spec '{spec}': want NAME[:dim=label,...][/dim]")
    name, sel, by = m.group("var"), m.group("sel"), m.group("by")
    makers = {
        "passes": lambda d: passes(d, daily=True),
        "lampedusa_arrivals": lampedusa_arrivals, "deaths": lambda d: deaths(d, by == "mode"),
        "interceptions": interceptions, "displaced": displaced,
        "libya_stock": libya_stock, "present_by_country": present_by_country,
    }
    for direction in DIRECTIONS:
        makers[f"passes_{direction}"] = (
            lambda d, x=direction: indicators(d)[f"passes_{x}"])
    if name in makers:
        da = makers[name](ds)
    elif name in ds.data_vars:
        da = ds[name]
        if "time" not in da.dims:
            raise ValueError(f"'{name}' has no time axis")
    else:
        raise KeyError(f"unknown variable '{name}': choose one of "
                       f"{', '.join(sorted(set(makers) | set(ds.data_vars)))}")
    attrs = dict(da.attrs)
    label = name
    if sel:
        for item in sel.split(","):
            dim, _, labels = item.partition("=")
            dim = dim.strip()
            if dim not in da.dims:
                raise KeyError(f"'{name}' has no dimension '{dim}' "
                               f"(it has {', '.join(da.dims)})")
            chosen = [x.strip() for x in labels.split("+")]
            da = da.sel({dim: chosen}).sum(dim)
        label = f"{name} ({sel})"
        attrs["selection"] = sel
    keep = {"time", "member", "replicate", "statistic"} | ({by} if by else set())
    if by and by not in da.dims:
        raise KeyError(f"'{name}' has no dimension '{by}' (it has {', '.join(da.dims)})")
    rest = [d for d in da.dims if d not in keep]
    if rest:
        da = da.sum(rest)
    da.attrs = attrs
    da.attrs.setdefault("long_name", label)
    da.attrs["label"] = label
    return da


# --------------------------------------------------------------------------
# Drawing (matplotlib, imported when first needed)

def _plt():
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline") \
            and not os.environ.get("DISPLAY"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def human(x, _pos=None, digits=3):
    """1234567 -> '1.23 M', for tick labels and titles."""
    a = abs(x)
    if a >= 1e6:
        return f"{x / 1e6:.{digits}g} M"
    if a >= 1e3:
        return f"{x / 1e3:.{digits}g} k"
    if a >= 1 or a == 0:
        return f"{x:,.0f}"
    return f"{x:.2g}"


def human_range(lo, hi, ref=None):
    """'1.236–1.243 M': both ends in the unit of ref (default hi), with
    enough decimals to tell them apart (up to 4 significant digits of ref)."""
    ref = abs(hi if ref is None else ref)
    scale, unit = (1e6, " M") if ref >= 1e6 else (1e3, " k") if ref >= 1e3 else (1, "")
    whole = len(str(int(ref / scale))) if ref else 1
    for digits in (3, 4):
        decimals = max(0, digits - whole)
        a, b = f"{lo / scale:.{decimals}f}", f"{hi / scale:.{decimals}f}"
        if a != b:
            break
    return f"{a}–{b}{unit}"


def _date_axis(ax):
    import matplotlib.dates as mdates
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def per_day(units):
    """True for the units of a daily flow: the indicators' "persons per day"
    or the files' CF units "day-1" (a count of persons per day)."""
    return "per day" in units or units.strip() in ("day-1", "d-1", "1/day", "day^-1")


def unit_label(units):
    """The units of an axis label: "day-1" (CF) reads "persons per day"."""
    return "persons per day" if per_day(units) and "per day" not in units else units


def _unit_label(da, rolling):
    units = unit_label(da.attrs.get("units", ""))
    if rolling and rolling > 1 and per_day(units):
        return f"{units}, {rolling}-day mean"
    return units


def draw_series(ax, da, label=None, color=None, rolling=None, show_band=True,
                linestyle="-"):
    """Draws one series along time on ax: the mean over replicates as a line
    and the 5-95 % band shaded when da has a replicate dimension. rolling
    averages daily values over that many days (centred) first. Returns the
    line."""
    if rolling and rolling > 1:
        da = da.astype("float64").rolling(time=rolling, center=True, min_periods=1).mean()
    stats = band(da)
    t = da["time"].values
    line, = ax.plot(t, stats.sel(statistic="mean").values, color=color,
                    label=label, lw=1.5, linestyle=linestyle)
    if show_band and "replicate" in da.dims and da.sizes["replicate"] > 1:
        ax.fill_between(t, stats.sel(statistic="p05").values,
                        stats.sel(statistic="p95").values,
                        color=line.get_color(), alpha=0.25, lw=0)
    return line


def style_axis(ax, title, ylabel):
    import matplotlib.ticker as mticker
    ax.set_title(title, fontsize=11)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(human))
    ax.grid(True, alpha=0.3)
    ax.set_ylim(bottom=0)
    _date_axis(ax)
    ax.tick_params(labelsize=8.5)


def split_series(da):
    """Splits da (time, [member], [replicate], [by]) into labelled series
    along time (+ replicate)."""
    split = [d for d in da.dims if d not in ("time", "replicate")]
    if not split:
        return [(None, da)]
    stacked = da.stack(_series=split)
    out = []
    for i in range(stacked.sizes["_series"]):
        one = stacked.isel(_series=i)
        key = one["_series"].values.item()
        key = key if isinstance(key, tuple) else (key,)
        name = ": ".join(_text(k) for k in key)
        out.append((name, one.drop_vars(["_series"] + split, errors="ignore")))
    return out


def draw_compare(runs, names=None, start=None, end=None, rolling=7, fig=None):
    """Scenario-vs-baseline figure: one panel per key indicator (indicators()),
    one line per run (the first is the baseline) with its 5-95 % replicate
    band, and the window totals (from start, default the baseline's
    report_from) with the change against the baseline in each panel's title.
    Returns the figure."""
    plt = _plt()
    names = names or [r.attrs.get("member") or r.attrs.get("scenario_name", f"run {i}")
                      for i, r in enumerate(runs)]
    inds = [indicators(r) for r in runs]
    start = start or str(np.datetime_as_string(report_from(runs[0]), "D"))
    tots = [totals(i, start, end) for i in inds]
    keys = list(inds[0].data_vars)
    ncols = 2
    nrows = math.ceil(len(keys) / ncols)
    if fig is None:
        fig = plt.figure(figsize=(14, 3.1 * nrows + 1.2))
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    colors = ["#1f4e79", "#d95f02", "#1b9e77", "#7570b3", "#e7298a"]
    for ax, key in zip(axes, keys):
        for k, (ind, name) in enumerate(zip(inds, names)):
            draw_series(ax, window(ind[key], None, None, end), label=name,
                        color=colors[k % len(colors)], rolling=rolling if
                        ind[key].attrs["kind"] == "flow" else None)
        base = float(tots[0][key].mean()) if "replicate" in tots[0][key].dims \
            else float(tots[0][key])
        parts = []
        for k, t in enumerate(tots):
            st = band(t[key])
            v = float(st.sel(statistic="mean"))
            txt = human(v, digits=4)
            if "replicate" in t[key].dims and t[key].sizes["replicate"] > 1:
                txt += f" [{human_range(float(st.sel(statistic='p05')), float(st.sel(statistic='p95')), v)}]"
            if k > 0 and base:
                change = (v - base) / base * 100
                txt += f" ({change:+.0f} %)" if abs(change) >= 9.5 else f" ({change:+.1f} %)"
            parts.append(txt)
        what = "total" if inds[0][key].attrs["kind"] == "flow" else "on last day"
        ax.set_title(f"{inds[0][key].attrs['long_name']}\n{what}: "
                     + " vs ".join(parts), fontsize=10)
        ax.set_ylabel(_unit_label(inds[0][key], rolling if
                      inds[0][key].attrs["kind"] == "flow" else None), fontsize=9)
        import matplotlib.ticker as mticker
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(human))
        ax.grid(True, alpha=0.3)
        ax.set_ylim(bottom=0)
        _date_axis(ax)
        ax.tick_params(labelsize=8.5)
        ax.axvline(np.datetime64(start), color="0.4", lw=0.8, ls=":")
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    nrep = max(replicates(r) for r in runs)
    band_note = f"; shaded: 5–95 % of {nrep} replicates" if nrep > 1 else ""
    top = 1 - 0.75 / fig.get_figheight()
    fig.legend(handles, labels, loc="upper center", ncol=len(names), fontsize=10,
               frameon=False, bbox_to_anchor=(0.5, 1.0))
    fig.suptitle(f"{' vs '.join(names)}: totals from {start} (dotted line)"
                 f"{band_note}", fontsize=11, y=top + 0.2 / fig.get_figheight())
    fig.tight_layout(rect=(0, 0, 1, top))
    return fig


# --------------------------------------------------------------------------
# Flow map

def world_outline():
    """Country polygons for the map background: a GeoDataFrame of Natural
    Earth's 1:110m countries as bundled with Debian's python3-geopandas
    (geopandas.datasets 'naturalearth_lowres'), or None if not available."""
    try:
        import geopandas
        path = geopandas.datasets.get_path("naturalearth_lowres")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return geopandas.read_file(path)
    except Exception:  # noqa: BLE001 - any failure means: no outline
        return None


MODE_COLORS = {"road": "#4a6fa5", "desert": "#c9791c", "sea": "#178f8f"}
KIND_COLORS = {"origin": "#6a3d9a", "town": "#444444", "hub": "#b2182b",
               "border": "#2c7fb8", "desert": "#a6611a", "coast": "#1a9850",
               "destination": "#e31a1c", "camp": "#f781bf", "detention": "#000000"}


def _place_labels(ax, xs, ys, texts, sizes, fontsize=8.5):
    """Greedy label placement: for each place (largest first) tries eight
    positions around its marker and takes the first that overlaps no label
    or marker already placed; falls back to a leader line further out."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    to_px = ax.transData.transform
    pts = to_px(np.column_stack([xs, ys]))
    taken = []
    for (px, py), s in zip(pts, sizes):
        r = math.sqrt(s) / 2 * fig.dpi / 72 + 1
        taken.append((px - r, py - r, px + r, py + r))
    order = np.argsort(-np.asarray(sizes))
    dirs = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)]
    inv = ax.transData.inverted()

    def free(box):
        x0, y0, x1, y1 = box
        axb = ax.get_window_extent(renderer)
        if x0 < axb.x0 or x1 > axb.x1 or y0 < axb.y0 or y1 > axb.y1:
            return False
        return all(x1 <= a0 or x0 >= a1 or y1 <= b0 or y0 >= b1
                   for a0, b0, a1, b1 in taken)

    for i in order:
        t = ax.text(0, 0, texts[i], fontsize=fontsize, alpha=0)
        bb = t.get_window_extent(renderer)
        t.remove()
        w, h = bb.width + 2, bb.height + 1
        px, py = pts[i]
        r = math.sqrt(sizes[i]) / 2 * fig.dpi / 72 + 2
        placed = None
        for dist in (r, r + 8, r + 16, r + 28):
            for dx, dy in dirs:
                cx = px + dx * (dist + w / 2)
                cy = py + dy * (dist + h / 2)
                box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                if free(box):
                    placed = (cx, cy, dist > r)
                    break
            if placed:
                break
        if not placed:
            continue  # nowhere free: better unlabelled than unreadable
        cx, cy, leader = placed
        taken.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
        x, y = inv.transform((cx, cy))
        if leader:
            ax.annotate(texts[i], (xs[i], ys[i]), (x, y), fontsize=fontsize,
                        ha="center", va="center", zorder=6,
                        arrowprops=dict(arrowstyle="-", lw=0.8, color="0.15",
                                        shrinkA=0, shrinkB=2),
                        bbox=dict(boxstyle="square,pad=0.05", fc="white",
                                  ec="none", alpha=0.7))
        else:
            ax.text(x, y, texts[i], fontsize=fontsize, ha="center",
                    va="center", zorder=6,
                    bbox=dict(boxstyle="square,pad=0.05", fc="white",
                              ec="none", alpha=0.7))


def draw_flowmap(ax, ds, start=None, end=None, year=None, outline=None,
                 label_places=True, min_share=0.002, max_width=9.0):
    """Draws the network on ax: each link a line between its places, its
    width proportional to the mean departures per day over the window, its
    colour its mode; the two directions of a pair of links are drawn side by
    side (each on its right-hand side, with an arrowhead). Places are dots
    sized by the mean persons present, labelled by name. The background is
    the world outline (world_outline()) when geopandas has it. Replicates
    are averaged; a combined batch must be narrowed to one member first."""
    import matplotlib.lines as mlines
    from matplotlib.patches import FancyArrowPatch
    if "member" in ds.dims:
        raise ValueError("draw_flowmap: select one member first (ds.sel(member=...))")
    flows = link_flows(ds, year, start, end, per_day=True)
    occ = window(ds["occupancy"], year, start, end).sum("intent").mean("time")
    if "replicate" in flows.dims:
        flows = flows.mean("replicate")
        occ = occ.mean("replicate")
    sub = window(ds["time"], year, start, end)
    t0 = str(np.datetime_as_string(sub.values[0], "D"))
    t1 = str(np.datetime_as_string(sub.values[-1], "D"))
    lon = ds["place_lon"].values.astype(float)
    lat = ds["place_lat"].values.astype(float)
    index = {p: i for i, p in enumerate(ds["place"].values)}
    pad = 2.0
    x0, x1 = lon.min() - pad, lon.max() + pad
    y0, y1 = lat.min() - pad, lat.max() + pad
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    ax.set_facecolor("#dcebf5")
    if outline is None:
        outline = world_outline()
    countries = set(_text(c) for c in ds["place_country"].values)
    if outline is not False and outline is not None:
        inside = outline.cx[x0:x1, y0:y1]
        net = inside[inside["name"].isin(countries)]
        other = inside[~inside["name"].isin(countries)]
        other.plot(ax=ax, color="#f2efe9", edgecolor="#9a9a9a", lw=0.6, zorder=0)
        net.plot(ax=ax, color="#e6dfcf", edgecolor="#7a7a7a", lw=0.8, zorder=0)
        for _, row in inside.iterrows():
            geom = row.geometry.intersection(_box(x0, y0, x1, y1))
            if geom.is_empty or geom.area < 6:
                continue
            p = geom.representative_point()
            ax.text(p.x, p.y, str(row["name"]).upper(), fontsize=9, color="#8c8273",
                    ha="center", va="center", zorder=1, style="italic",
                    alpha=0.9)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
    else:
        # No outline: a neutral background (not the sea's colour), and each
        # country named at the mean position of its places.
        ax.set_facecolor("#f7f6f2")
        for c in sorted(countries):
            sel = ds["place_country"].values == c
            ax.text(lon[sel].mean(), lat[sel].mean() + 0.8, c.upper(), fontsize=9,
                    color="#8c8273", ha="center", style="italic")
        ax.grid(True, alpha=0.3)
    fl = flows.values.astype(float)
    top = fl.max() if fl.size and fl.max() > 0 else 1.0
    # Offsets are in points so that they look the same at any extent.
    from matplotlib.transforms import offset_copy
    order = np.argsort(fl)
    modes = ds["link_mode"].values
    for li in order:
        f = fl[li]
        if f <= top * min_share:
            continue
        a = index[ds["link_from"].values[li]]
        b = index[ds["link_to"].values[li]]
        width = max(0.6, max_width * f / top)
        dx, dy = lon[b] - lon[a], (lat[b] - lat[a])
        norm = math.hypot(dx, dy) or 1.0
        # right-hand side of the direction of travel, in points
        off = width / 2 + 0.8
        ox, oy = dy / norm * off, -dx / norm * off
        tr = offset_copy(ax.transData, fig=ax.figure, x=ox, y=oy, units="points")
        color = MODE_COLORS.get(_text(modes[li]), "0.3")
        ax.plot([lon[a], lon[b]], [lat[a], lat[b]], color=color, lw=width,
                solid_capstyle="butt", alpha=0.85, transform=tr, zorder=2)
        if width >= 1.5 and norm > 0.6:
            mx, my = lon[a] + 0.55 * dx, lat[a] + 0.55 * dy
            ex, ey = lon[a] + 0.6 * dx, lat[a] + 0.6 * dy
            ax.add_patch(FancyArrowPatch((mx, my), (ex, ey), transform=tr,
                                         arrowstyle="-|>", mutation_scale=6 + width,
                                         color="white", lw=0, zorder=3))
    occv = occ.values.astype(float)
    sizes = 8 + 220 * np.sqrt(occv / occv.max()) if occv.max() > 0 else np.full(len(lon), 8.0)
    kinds = [_text(k) for k in ds["place_kind"].values]
    ax.scatter(lon, lat, s=sizes, c=[KIND_COLORS.get(k, "0.3") for k in kinds],
               edgecolors="white", linewidths=0.7, zorder=4)
    ax.set_xlabel("longitude (°E)", fontsize=9)
    ax.set_ylabel("latitude (°N)", fontsize=9)
    ax.tick_params(labelsize=8)
    # One legend outside the map, on its right: link width, link mode,
    # place kind and dot area, each under a header.
    def header(text):
        return mlines.Line2D([], [], lw=0, label=text)

    handles = [header("departures per day")]
    for v in _nice_steps(top):
        handles.append(mlines.Line2D([], [], color="0.35", lw=max(0.6, max_width * v / top),
                                     label=f"{human(v)} persons/day"))
    handles.append(header("link mode"))
    handles += [mlines.Line2D([], [], color=c, lw=3, label=m) for m, c in MODE_COLORS.items()
                if m in set(_text(x) for x in modes)]
    handles.append(header("place kind"))
    handles += [mlines.Line2D([], [], color=KIND_COLORS.get(k, "0.3"), marker="o", lw=0,
                              markersize=7, label=k) for k in sorted(set(kinds))]
    if occv.max() > 0:
        handles.append(header("persons present (dot area)"))
        for v in _nice_steps(occv.max()):
            s = 8 + 220 * math.sqrt(v / occv.max())
            handles.append(mlines.Line2D([], [], color="0.55", marker="o", lw=0,
                                         markersize=math.sqrt(s), label=f"{human(v)}"))
    leg = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                    fontsize=9, framealpha=0.95, borderaxespad=0, labelspacing=0.7)
    for text, h in zip(leg.get_texts(), handles):
        if h.get_linewidth() == 0 and h.get_marker() in ("None", None, ""):
            text.set_fontweight("bold")
            text.set_x(-20)
    nrep = replicates(ds)
    rep = f", mean of {nrep} replicates" if nrep > 1 else ""
    ax.set_title(f"{ds.attrs.get('scenario_name', 'migflow')}: mean departures per day "
                 f"by link, {t0} – {t1}{rep}\n(each direction drawn on its right-hand side; "
                 f"links under {min_share:.1%} of the largest flow omitted)", fontsize=11)
    # Labels last, once the axes has its final size: the figure's layout
    # must be set before calling (subplots_adjust, not tight_layout after).
    if label_places:
        _place_labels(ax, lon, lat, [_text(n) for n in ds["place_name"].values], sizes)
    return ax


def _box(x0, y0, x1, y1):
    from shapely.geometry import box
    return box(x0, y0, x1, y1)


def _nice_steps(top):
    """Three round values up to top for the width legend."""
    if top <= 0:
        return [1]
    exp = 10 ** math.floor(math.log10(top))
    hi = max(m * exp for m in (1, 2, 5, 10) if m * exp <= top) if top >= exp else top
    return [hi / 10, hi / 2, hi] if hi > 0 else [top]


# --------------------------------------------------------------------------
# The accessor: ds.migflow.passes(year=2024) etc.

@xr.register_dataset_accessor("migflow")
class MigflowAccessor:
    """ds.migflow.<function>(...) calls the module function with ds."""

    def __init__(self, ds):
        self._ds = ds

    def by_country(self, include_transit=False):
        return present_by_country(self._ds, include_transit)

    def stock(self, country, include_transit=False):
        return stock(self._ds, country, include_transit)

    def libya_stock(self, include_transit=False):
        return libya_stock(self._ds, include_transit)

    def passes(self, **kw):
        return passes(self._ds, **kw)

    def passes_by_point(self, **kw):
        return passes_by_point(self._ds, **kw)

    def lampedusa_arrivals(self):
        return lampedusa_arrivals(self._ds)

    def deaths(self, by_mode=False):
        return deaths(self._ds, by_mode)

    def interceptions(self):
        return interceptions(self._ds)

    def displaced(self):
        return displaced(self._ds)

    def link_flows(self, **kw):
        return link_flows(self._ds, **kw)

    def indicator(self, name, **filters):
        return indicator(self._ds, name, **filters)

    def indicators(self):
        return indicators(self._ds)

    def summary(self, var):
        return summary(self._ds, var)

    def window(self, **kw):
        return window(self._ds, **kw)

    def report_from(self):
        return report_from(self._ds)


def draw_pairs(ds, parameters=None, generation=-1, fig=None, bins=30):
    """Pair plot of a posterior's particles (weighted): histograms on the
    diagonal, scatter below it (point size by weight), the weighted
    correlation above it; axes span the prior's bounds, on a log scale for
    log-scale priors. Returns the figure."""
    plt = _plt()
    import numpy as np
    names = [str(p) for p in ds["parameter"].values]
    chosen = parameters or names
    idx = [names.index(p) for p in chosen]
    g = ds.isel(generation=generation)
    x = g["particles"].values[:, idx]
    w = g["weights"].values
    logs = [str(ds["prior_family"].values[i]).startswith("log") for i in idx]
    lo, hi = ds["prior_min"].values[idx], ds["prior_max"].values[idx]
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    k = len(idx)
    fig = fig or plt.figure(figsize=(1.9 * k + 1, 1.9 * k + 1))
    axes = fig.subplots(k, k, squeeze=False)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.07, top=0.95, wspace=0.08, hspace=0.08)

    def log_axis(axis):
        axis.set_major_locator(LogLocator(numticks=3))
        axis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
        axis.set_minor_formatter(NullFormatter())
    for r in range(k):
        for c in range(k):
            ax = axes[r][c]
            if c > r:
                corr = ds["correlation"].values[idx[r], idx[c]]
                ax.text(0.5, 0.5, f"{corr:+.2f}", ha="center", va="center",
                        fontsize=12, color="tab:red" if abs(corr) > 0.5 else "black",
                        transform=ax.transAxes)
                ax.set_axis_off()
                continue
            if c == r:
                edges = (np.geomspace(lo[c], hi[c], bins + 1) if logs[c]
                         else np.linspace(lo[c], hi[c], bins + 1))
                ax.hist(x[:, c], bins=edges, weights=w, color="tab:blue", alpha=0.8)
                ax.set_yticks([])
            else:
                ax.scatter(x[:, c], x[:, r], s=4 + 400 * w, alpha=0.4, color="tab:blue",
                           linewidths=0)
                if logs[r]:
                    ax.set_yscale("log")
                    log_axis(ax.yaxis)
                ax.set_ylim(lo[r], hi[r])
            if logs[c]:
                ax.set_xscale("log")
                log_axis(ax.xaxis)
            ax.set_xlim(lo[c], hi[c])
            if r == k - 1:
                ax.set_xlabel(chosen[c], fontsize=8)
            else:
                ax.set_xticklabels([])
            if c == 0 and r > 0:
                ax.set_ylabel(chosen[r], fontsize=8)
            elif c > 0:
                ax.set_yticklabels([])
            ax.tick_params(labelsize=6)
    fig.suptitle(f"posterior, generation {int(g['generation'])}: "
                 f"{int(ds.attrs.get('particles', len(w)))} particles, "
                 f"tolerance {float(g['tolerance']):.3g}", fontsize=10)
    return fig
