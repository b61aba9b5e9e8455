#!/usr/bin/python3
"""Slow suite: the scenario library moves the outputs it is about.

The baseline and every scenario of the library pass `migflow check`. Then each
library scenario and the baseline run with the same seed, replicates, horizon
and agent scale, and for each scenario:
  - before its first change the run is identical to the baseline's, variable by
    variable (the 2024 calibration year is untouched);
  - each of its key indicators moves in the documented direction by more than
    the replicate spread: every scenario replicate beats every baseline
    replicate, and the difference of the means exceeds the max-min spread of
    either side;
  - outputs a stage of a staggered scenario has not reached yet stay equal to
    the baseline's (sahel-cascade).
The measured means are printed; scenarios/README.md ("The scenario library")
quotes them. Baseline runs are shared by the scenarios with the same options.

usage: test_outcomes.py MIGFLOW SCENARIOS_DIR
"""
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import xarray as xr

REPLICATES = 3
AGENT_SCALE = 10
SEED = 1

passed = failed = 0


def check(condition, message):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {message}")
    return condition


# ---- indicators: functions of an output dataset -----------------------------

def places_of(ds, country):
    return ds.place_country.values == country


def link_mask(ds, mode=None, country=None, links=None):
    """Links of a mode with an end in a country, or the named 'from->to' links."""
    if links is not None:
        return np.isin(ds.link.values, links)
    country_of = dict(zip(ds.place.values, ds.place_country.values))
    ends = zip(ds.link_from.values, ds.link_to.values)
    in_country = np.array([country in (country_of[a], country_of[b]) for a, b in ends])
    return in_country & (ds.link_mode.values == mode)


def displaced_in(country=None, places=None, date=None):
    def measure(ds):
        day = ds.sel(time=date) if date else ds.isel(time=-1)
        mask = places_of(ds, country) if country else np.isin(ds.place.values, places)
        return float(day.occupancy.sel(intent="displaced").values[mask].sum())
    return measure


def present_at(place):
    def measure(ds):
        return float(ds.occupancy.isel(time=-1).sel(place=place).sum())
    return measure


def spawned_in(country, start, end=None):
    def measure(ds):
        window = ds.spawned.sel(time=slice(start, end))
        return float(window.values[:, places_of(ds, country)].sum())
    return measure


def passes(point, direction, start):
    def measure(ds):
        return float(ds.monitor_passes.sel(time=slice(start, None), monitoring_point=point,
                                           direction=direction).sum())
    return measure


def link_deaths(start, **which):
    def measure(ds):
        return float(ds.deaths.sel(time=slice(start, None)).values[:, link_mask(ds, **which)].sum())
    return measure


def link_flow(start, **which):
    def measure(ds):
        return float(ds.link_flow.sel(time=slice(start, None)).values[:, link_mask(ds, **which)].sum())
    return measure


def total(variable, start, place=None):
    def measure(ds):
        values = ds[variable].sel(time=slice(start, None))
        if place:
            values = values.sel(place=place)
        return float(values.sum())
    return measure


# ---- the library and its expectations ---------------------------------------
# days: run length from the baseline's start (2023-07-01), so that each run
# ends 6-12 months after its scenario's shock: 900 -> 2025-12-16,
# 1000 -> 2026-03-26, 1100 -> 2026-07-04.

UP, DOWN = +1, -1
CAMPS = ["tabareybarey", "mangaize"]

LIBRARY = [
    {"file": "mali-collapse.yaml", "days": 900, "shock": "2025-06-01", "indicators": [
        ("displaced in the Tillabéri camps, last day", UP, displaced_in(places=CAMPS)),
        ("displaced in Burkina Faso, last day", UP, displaced_in(country="Burkina Faso")),
        ("displaced in Guinea (Bamako's nearest refuge, Kankan), last day", UP, displaced_in(country="Guinea")),
    ]},
    {"file": "niger-collapse.yaml", "days": 1000, "shock": "2025-06-01", "indicators": [
        ("displaced in Niger, last day", UP, displaced_in(country="Niger")),
        ("displaced in the Tillabéri camps, last day (the camps fall: refugees flee)", DOWN,
         displaced_in(places=CAMPS)),
        ("outbound passes at Madama from 2025-10-01", DOWN, passes("Madama", "outbound", "2025-10-01")),
        ("deaths on Niger's desert links from 2025-10-01", UP,
         link_deaths("2025-10-01", mode="desert", country="Niger")),
    ]},
    # The Niger stories of issue 14 (same horizon as niger-collapse: the baseline runs are shared).
    {"file": "niger-state-retreat.yaml", "days": 1000, "shock": "2025-06-01", "indicators": [
        ("displaced in Niger, last day", UP, displaced_in(country="Niger")),
        ("outbound passes at Madama from 2025-10-01 (insecurity outweighs the retreat)", DOWN,
         passes("Madama", "outbound", "2025-10-01")),
        ("deaths on Niger's desert links from 2025-10-01", UP,
         link_deaths("2025-10-01", mode="desert", country="Niger")),
        ("persons taking the Chad route into the Fezzan (Kouri Bougoudi-Qatrun) from 2025-10-01", UP,
         link_flow("2025-10-01", links=["kouri_bougoudi->qatrun"])),
    ]},
    {"file": "niger-jihadist-control.yaml", "days": 1000, "shock": "2025-06-01", "indicators": [
        ("displaced in Niger, last day", UP, displaced_in(country="Niger")),
        ("outbound passes at Madama from 2025-10-01 (the route is all but abandoned)", DOWN,
         passes("Madama", "outbound", "2025-10-01")),
        ("persons taking the Chad route into the Fezzan (Kouri Bougoudi-Qatrun) from 2025-10-01", UP,
         link_flow("2025-10-01", links=["kouri_bougoudi->qatrun"])),
    ]},
    {"file": "sahel-cascade.yaml", "days": 1100, "shock": "2025-03-01", "indicators": [
        ("displaced in Burkina Faso on 2025-06-30 (Mali stage)", UP,
         displaced_in(country="Burkina Faso", date="2025-06-30")),
        ("spawned in Burkina Faso 2025-07-01..10-31 (Burkina stage)", UP,
         spawned_in("Burkina Faso", "2025-07-01", "2025-10-31")),
        ("displaced in Niger, last day (Niger stage)", UP, displaced_in(country="Niger")),
    ], "unchanged": [
        ("spawned in Burkina Faso before 2025-07-01", spawned_in("Burkina Faso", None, "2025-06-30")),
        ("spawned in Niger before 2025-11-01", spawned_in("Niger", None, "2025-10-31")),
    ]},
    {"file": "mali-fuel-blockade.yaml", "days": 1000, "shock": "2025-09-03", "indicators": [
        ("persons going round Mali (Abidjan-Bobo-Dioulasso-Ouagadougou) from 2025-09-03", UP,
         link_flow("2025-09-03", links=["abidjan->bobo_dioulasso", "bobo_dioulasso->ouagadougou"])),
        ("persons leaving Bamako eastwards by road from 2025-09-03", DOWN,
         link_flow("2025-09-03", links=["bamako->ouagadougou", "bamako->segou"])),
    ]},
    {"file": "sudan-escalation.yaml", "days": 900, "shock": "2025-01-01", "indicators": [
        ("displaced in Chad, last day", UP, displaced_in(country="Chad")),
        ("displaced in Libya, last day", UP, displaced_in(country="Libya")),
    ]},
    {"file": "law-2015-36-restored.yaml", "days": 1100, "shock": "2026-01-01", "indicators": [
        ("outbound passes at Madama from 2026-01-01", DOWN, passes("Madama", "outbound", "2026-01-01")),
        ("persons waiting in Agadez, last day", UP, present_at("agadez")),
    ]},
    {"file": "libya-coastguard-surge.yaml", "days": 900, "shock": "2025-01-01", "indicators": [
        ("interceptions from 2025-01-01", UP, total("interceptions", "2025-01-01")),
        ("arrivals at Lampedusa from 2025-01-01", DOWN, total("arrivals", "2025-01-01", "lampedusa")),
    ]},
]


# ---- running -----------------------------------------------------------------

def run(job):
    """Runs one (scenario, days, replicate, output) job; returns an error or None."""
    migflow, scenario, days, replicate, out = job
    result = subprocess.run(
        [migflow, "run", scenario, "-o", out, "--quiet", "--force", "--days", str(days),
         "--replicate", str(replicate), "--seed", str(SEED), "--agent-scale", str(AGENT_SCALE),
         "--threads", "1"], capture_output=True, text=True)
    if result.returncode:
        return f"{os.path.basename(scenario)} replicate {replicate}: run exited {result.returncode}: " \
               f"{result.stderr.strip()}"
    return None


def fmt(values):
    return f"{np.mean(values):,.0f} [{min(values):,.0f}..{max(values):,.0f}]"


def compare(name, label, direction, base, alt):
    base, alt = np.array(base), np.array(alt)
    difference = (alt.mean() - base.mean()) * direction
    spread = max(np.ptp(base), np.ptp(alt))
    separated = alt.min() > base.max() if direction == UP else alt.max() < base.min()
    word = "up" if direction == UP else "down"
    message = f"{name}: {label} {word}: baseline {fmt(base)}, scenario {fmt(alt)}"
    if check(separated and difference > spread, f"{message} (difference of means {difference:,.0f}, "
             f"spread {spread:,.0f})"):
        print(f"ok   {message}")


def identical_before(name, shock, base_path, alt_path):
    with xr.open_dataset(base_path, engine="h5netcdf") as base, \
         xr.open_dataset(alt_path, engine="h5netcdf") as alt:
        before = slice(None, np.datetime64(shock) - np.timedelta64(1, "D"))
        differing = [v for v in base.data_vars if "time" in base[v].dims
                     and not np.array_equal(base[v].sel(time=before).values, alt[v].sel(time=before).values)]
    check(not differing, f"{name}: differs from the baseline before {shock} in {differing}")


def main():
    migflow, folder = sys.argv[1], sys.argv[2]
    baseline = os.path.join(folder, "baseline.yaml")
    library = [entry for entry in LIBRARY
               if check(os.path.exists(os.path.join(folder, entry["file"])), f"{entry['file']} is missing")]
    for path in [baseline] + [os.path.join(folder, entry["file"]) for entry in library]:
        result = subprocess.run([migflow, "check", path], capture_output=True, text=True)
        check(result.returncode == 0, f"check {path}: {result.stderr.strip()}")

    with tempfile.TemporaryDirectory() as tmp:
        # Every run once, two at a time on one thread each (outputs do not depend
        # on the thread count); baseline runs are shared by equal options.
        def base_path(days, replicate):
            return os.path.join(tmp, f"baseline-{days}-{replicate}.h5")

        def alt_path(entry, replicate):
            return os.path.join(tmp, f"{entry['file'].removesuffix('.yaml')}-{replicate}.h5")

        jobs = {}
        for entry in library:
            for replicate in range(REPLICATES):
                jobs[base_path(entry["days"], replicate)] = (migflow, baseline, entry["days"], replicate,
                                                             base_path(entry["days"], replicate))
                jobs[alt_path(entry, replicate)] = (migflow, os.path.join(folder, entry["file"]),
                                                    entry["days"], replicate, alt_path(entry, replicate))
        with ThreadPoolExecutor(max_workers=2) as pool:
            errors = dict(zip(jobs, pool.map(run, jobs.values())))
        for error in errors.values():
            check(error is None, error)

        for entry in library:
            name = entry["file"].removesuffix(".yaml")
            pairs = [(base_path(entry["days"], r), alt_path(entry, r)) for r in range(REPLICATES)]
            if any(errors[path] for pair in pairs for path in pair):
                continue
            identical_before(name, entry["shock"], *pairs[0])
            base_values = {label: [] for label, *_ in entry["indicators"]}
            alt_values = {label: [] for label, *_ in entry["indicators"]}
            for base, alt in pairs:
                with xr.open_dataset(base, engine="h5netcdf") as b, \
                     xr.open_dataset(alt, engine="h5netcdf") as a:
                    for label, _, measure in entry["indicators"]:
                        base_values[label].append(measure(b))
                        alt_values[label].append(measure(a))
                    for label, measure in entry.get("unchanged", []):
                        check(measure(a) == measure(b),
                              f"{name}: {label}: scenario {measure(a):,.0f} != baseline {measure(b):,.0f}")
            for label, direction, _ in entry["indicators"]:
                compare(name, label, direction, base_values[label], alt_values[label])


if __name__ == "__main__":
    main()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
