"""Opening migflow files (run, batch, sensitivity, posterior) as xarray
Datasets, their metadata, and replicate statistics (band, summary)."""
import json
import os
import re
import warnings

import numpy as np
import pandas as pd
import xarray as xr


DIRECTIONS = ("inbound", "outbound", "internal")
INTENTS = ("circular", "onward", "displaced", "return")
STATISTICS = ("mean", "p05", "p50", "p95")
QUANTILES = {"p05": 0.05, "p50": 0.50, "p95": 0.95}
EXTRA_DIMS = ("member", "replicate")  # dimensions the indicators carry along



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
