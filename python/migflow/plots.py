"""Drawing (matplotlib, imported when first needed): series with replicate
bands, the scenario-vs-baseline figure, the flow map and the posterior's
pair plot."""
import math
import os
import warnings

import numpy as np

from .io import _text, band, replicates, report_from, window
from .series import indicators, link_flows, totals


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
