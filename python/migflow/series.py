"""The indicators of src/indicators.c, mirrored (INDICATORS, indicator,
indicator_total), and views of them along time (passes, libya_stock,
deaths, indicators, totals, select ...)."""
import re

import numpy as np
import pandas as pd
import xarray as xr

from .io import DIRECTIONS, EXTRA_DIMS, _text, window


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
