"""The accessor: ds.migflow.passes(year=2024) etc."""
import xarray as xr

from .io import report_from, summary, window
from .series import (deaths, displaced, indicator, indicators, interceptions,
                     lampedusa_arrivals, libya_stock, link_flows, passes, passes_by_point,
                     present_by_country, stock)


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
