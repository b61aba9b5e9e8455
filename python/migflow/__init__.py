"""migflow from Python: run models, read their files with xarray, compute the
indicators and draw them.

    import migflow                                   # PYTHONPATH=python, or meson install
    ds = migflow.run("scenarios/baseline.yaml", days=365, agent_scale=10,
                     parameters={"stay_days.Libya": 300})  # an xarray.Dataset
    migflow.check("my.yaml")                         # raises migflow.ScenarioError
    ds = migflow.open_run("build/baseline.h5")       # a file of `migflow run`
    migflow.passes(ds, year=2024)                    # passes by direction in 2024
    migflow.libya_stock(ds)                          # persons present in Libya, by day
    migflow.indicator(ds, "deaths", mode="sea")      # any indicator of INDICATORS, by day
    sa = migflow.open_sensitivity("sa.h5")           # `migflow sensitivity`: Sobol indices
    ds.migflow.by_country()                          # the same functions as an accessor

Modules: ``io`` (opening files, metadata, replicate statistics), ``series``
(the indicators of src/indicators.c and views of them), ``plots``
(matplotlib), ``bindings`` (run, check: the shared library through ctypes),
``accessor`` (ds.migflow). Everything public is re-exported here.

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
and ``draw_flowmap`` python3-geopandas for the world outline; run and check
the shared library libmigflow.
"""
from . import io as _io
from .io import (DIRECTIONS, EXTRA_DIMS, INTENTS, NETWORK_DIMS, QUANTILES, STATISTICS,
                 band, combine, is_batch, member_names, open_batch, open_posterior,
                 open_run, open_sensitivity, parameters, posterior_particles,
                 posterior_summary, predictive_check, replicates, report_from, summary,
                 window)
from .series import (INDICATORS, PER_DAY, deaths, displaced, indicator, indicator_total,
                     indicators, interceptions, lampedusa_arrivals, libya_stock, link_flows,
                     passes, passes_by_point, present_by_country, select, stock, totals)
from .plots import (KIND_COLORS, MODE_COLORS, draw_compare, draw_flowmap, draw_pairs,
                    draw_series, human, human_range, per_day, split_series, style_axis,
                    unit_label, world_outline)
from .accessor import MigflowAccessor
from .bindings import Cancelled, MigflowError, ScenarioError, check, library_path, run

__all__ = [
    "open_run", "open_batch", "combine", "is_batch", "member_names",
    "parameters", "replicates", "report_from", "window", "band", "summary",
    "INDICATORS", "indicator", "indicator_total",
    "present_by_country", "stock", "libya_stock", "passes", "passes_by_point",
    "lampedusa_arrivals", "deaths", "interceptions", "displaced", "link_flows",
    "indicators", "totals", "select", "draw_series", "draw_flowmap",
    "draw_compare", "world_outline",
    # also public since the package replaced scripts/migflow.py
    "DIRECTIONS", "EXTRA_DIMS", "INTENTS", "NETWORK_DIMS", "QUANTILES", "STATISTICS",
    "PER_DAY", "KIND_COLORS", "MODE_COLORS", "open_posterior", "open_sensitivity",
    "posterior_particles", "posterior_summary", "predictive_check", "draw_pairs", "human",
    "human_range", "per_day", "split_series", "style_axis", "unit_label", "MigflowAccessor",
    # running models (bindings)
    "run", "check", "library_path", "ScenarioError", "MigflowError", "Cancelled",
]

# migflow.open(path): a run or a batch; not in __all__, so that a star
# import does not hide the builtin open.
open = _io.open  # noqa: A001
