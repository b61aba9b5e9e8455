#!/usr/bin/python3
"""One set of indicators in C (src/indicators.c) and in Python
(python/migflow/series.py): the same table, the same values.

Usage: test_indicators.py MIGFLOW_BINARY SCENARIO_YAML REPOSITORY_ROOT

Checks `migflow indicators --json` against migflow.INDICATORS (names in
order, long names, units, kinds, filters, definitions). Then runs SCENARIO
(3 replicates and a single run) with a targets file naming every indicator,
with each filter it takes, over two windows or on two dates, and checks,
exactly:
- each target as the run stored it (C, from the simulation's daily counts)
  against migflow.indicator_total on the file (Python); the two that run
  files cannot give (per-link sea arrivals and interceptions by country)
  raise in Python and equal, in this network of one sea link, the arrivals
  at its end and all interceptions;
- `migflow compare` (C, from the files) against Python on the same files;
- the end-of-run summary (table and --summary-json) of the single run and
  the ensemble table of the replicates against Python on their files.
Needs Debian's python3-xarray, python3-h5netcdf and python3-h5py.
"""
import json
import math
import os
import re
import sys

from checks import Checks
import runs

try:
    import h5py
    import numpy as np
except ImportError as error:
    sys.exit(f"test_indicators: cannot import {error.name}: run with /usr/bin/python3 "
             "and install python3-h5py")

WHOLE = ("2024-01-01", "2024-04-29")   # the small scenario's 120 days
PART = ("2024-02-10", "2024-03-20")
MID, LAST = "2024-03-15", "2024-04-29"
COUNTRY = "Beta"

# name, quantity, filters, window (flows) or date (stocks)
TARGETS = [
    ("passes", "monitor_passes", {}, WHOLE),
    ("passes_in", "monitor_passes", {"direction": "inbound"}, PART),
    ("passes_out", "monitor_passes", {"direction": "outbound"}, PART),
    ("passes_internal", "monitor_passes", {"direction": "internal"}, WHOLE),
    ("arrivals", "arrivals", {}, WHOLE),
    ("arrivals_island", "arrivals", {"place": "island"}, WHOLE),
    ("arrivals_work", "arrivals", {"place": "work"}, PART),
    ("destination", "destination_arrivals", {}, WHOLE),
    ("sea_arrivals", "sea_arrivals", {}, WHOLE),
    ("sea_arrivals_beta_delta", "sea_arrivals", {"from_country": "Beta", "to_country": "Delta"},
     WHOLE),
    ("deaths", "deaths", {}, WHOLE),
    ("deaths_road", "deaths", {"mode": "road"}, WHOLE),
    ("deaths_desert", "deaths", {"mode": "desert"}, PART),
    ("deaths_sea", "deaths", {"mode": "sea"}, WHOLE),
    ("sea_deaths", "sea_deaths", {}, WHOLE),
    ("sea_deaths_beta", "sea_deaths", {"from_country": "Beta"}, PART),
    ("land_deaths", "land_deaths", {}, WHOLE),
    ("land_deaths_alpha", "land_deaths", {"country": "Alpha"}, PART),
    ("land_deaths_gamma", "land_deaths", {"country": "Gamma"}, WHOLE),
    ("interceptions", "interceptions", {}, WHOLE),
    ("interceptions_beta", "interceptions", {"from_country": "Beta"}, WHOLE),
    ("expulsions", "expulsions", {}, PART),
    ("spawned", "spawned", {}, WHOLE),
    ("returns", "returns", {}, PART),
    ("present", "present", {}, MID),
    ("present_beta", "present", {"country": "Beta"}, LAST),
    ("present_alpha_displaced", "present", {"country": "Alpha", "intent": "displaced"}, MID),
    ("present_onward", "present", {"intent": "onward"}, LAST),
    ("in_transit", "in_transit", {}, MID),
]
# Counted per link: run files keep neither. With one sea link (coast, in
# Beta, to the island, in Delta) they equal targets that the files give.
PER_LINK = {"sea_arrivals": "arrivals_island", "sea_arrivals_beta_delta": "arrivals_island",
            "interceptions_beta": "interceptions"}

# `migflow compare` rows: JSON name -> indicator and filters.
COMPARE_ROWS = {
    "monitor_passes_inbound": ("monitor_passes", {"direction": "inbound"}),
    "monitor_passes_outbound": ("monitor_passes", {"direction": "outbound"}),
    "monitor_passes_internal": ("monitor_passes", {"direction": "internal"}),
    "destination_arrivals": ("destination_arrivals", {}),
    "deaths": ("deaths", {}),
    "interceptions": ("interceptions", {}),
    "expulsions": ("expulsions", {}),
    "displaced_present": ("present", {"intent": "displaced"}),
    "present_in_country": ("present", {"country": COUNTRY}),
}


def texts(values):
    return [runs.text(v) for v in values]


def targets_yaml():
    lines = ["targets:"]
    for name, quantity, filters, when in TARGETS:
        items = [f"name: {name}", f"quantity: {quantity}"]
        items += [f"{key}: {value}" for key, value in filters.items()]
        items += [f"from: {when[0]}", f"to: {when[1]}"] if isinstance(when, tuple) \
            else [f"at: {when}"]
        items += ["observed: 1", "source: test of the indicators"]
        lines.append("  - {" + ", ".join(items) + "}")
    return "\n".join(lines) + "\n"


def per_replicate(value):
    """A total as a float64 array over replicates (one element for a run)."""
    return np.atleast_1d(value.values.astype(np.float64))


def mean(value):
    """The mean over replicates as migflow computes it: the sum, divided."""
    values = per_replicate(value)
    return values.sum() / len(values)


def check_table(checks, binary, mf):
    listed = json.loads(runs.run([binary, "indicators", "--json"]).stdout)["indicators"]
    mirrored = [{"name": name, **spec, "filters": list(spec["filters"])}
                for name, spec in mf.INDICATORS.items()]
    checks.check([i["name"] for i in listed] == list(mf.INDICATORS),
                 "the same indicators, in the same order",
                 f"C {[i['name'] for i in listed]} vs Python {list(mf.INDICATORS)}")
    for c, python in zip(listed, mirrored):
        checks.check(c == python, f"{c['name']}: the same long name, units, kind, filters "
                     "and definition", f"C {c} vs Python {python}")
    text = runs.run([binary, "indicators"]).stdout
    checks.check(all(f"{name}: " in text for name in mf.INDICATORS),
                 "`migflow indicators` lists every indicator")
    usage = runs.run([binary, "indicators", "--bogus"], expect=2)
    checks.check("usage: migflow indicators" in usage.stderr, "a bad option is a usage error")


def check_targets(checks, mf, path, label):
    ds = mf.open_run(path)
    with h5py.File(path, "r") as f:
        stored = dict(zip(texts(f["target"][()]), f["target_simulated"][()]))
    checks.check(list(stored) == [t[0] for t in TARGETS], f"{label}: every target stored")
    for name, quantity, filters, when in TARGETS:
        start, end = when if isinstance(when, tuple) else (None, when)
        if name in PER_LINK:
            try:
                mf.indicator_total(ds, quantity, start, end, **filters)
                raised = False
            except ValueError:
                raised = True
            checks.check(raised, f"{label}: {name} is not computed from a run file")
            checks.check(stored[name] == stored[PER_LINK[name]],
                         f"{label}: {name} (C) equals {PER_LINK[name]} on one sea link",
                         f"{stored[name]} vs {stored[PER_LINK[name]]}")
            continue
        python = mean(mf.indicator_total(ds, quantity, start, end, **filters))
        checks.check(stored[name] == python, f"{label}: target {name} (C) = Python",
                     f"{stored[name]!r} vs {python!r}")
    checks.check(stored["present"] > 0 and stored["passes"] > 0 and stored["deaths"] > 0,
                 f"{label}: the run has people, passes and deaths to count")


def check_compare(checks, binary, mf, base, alt, window):
    args = ["compare", base, alt, "--country", COUNTRY, "--json", "compare.json"]
    if window:
        args += ["--from", window[0], "--to", window[1]]
    runs.run([binary, *args])
    with open("compare.json", encoding="utf-8") as file:
        got = json.load(file)
    start, end = got["from"], got["to"]
    label = f"compare {start}..{end}"
    checks.check([row["name"] for row in got["indicators"]] == list(COMPARE_ROWS),
                 f"{label}: its rows")
    runs_ = {"base": mf.open_run(base), "alt": mf.open_run(alt)}
    for row in got["indicators"]:
        quantity, filters = COMPARE_ROWS[row["name"]]
        for side, ds in runs_.items():
            python = mean(mf.indicator_total(ds, quantity, start, end, **filters))
            checks.check(row[side] == python, f"{label}: {row['name']} of {side} (C) = Python",
                         f"{row[side]!r} vs {python!r}")


# Lines of the summary -> indicator and filters (None: not an indicator).
def summary_lines(mf, ds):
    lines = {"arrived in Island": ("arrivals", {"place": "island"}),
             "interceptions at sea": ("interceptions", {}),
             "expulsions": ("expulsions", {}),
             "went home (left the model)": ("returns", {}),
             "went home (whole run)": ("returns", {}),
             "travelling on links": ("in_transit", {}),
             "spawned from sources": ("spawned", {})}
    for mode in ("road", "desert", "sea"):
        lines[f"deaths ({mode})"] = ("deaths", {"mode": mode})
    for direction in mf.DIRECTIONS:
        lines[f"monitoring passes, {direction}"] = ("monitor_passes", {"direction": direction})
    for country in sorted(set(texts(ds["place_country"].values))):
        lines[country] = ("present", {"country": country})
    return lines


def check_summary(checks, mf, printed, summary_json, path):
    ds = mf.open_run(path)
    start = str(np.datetime_as_string(mf.report_from(ds), "D"))
    lines = summary_lines(mf, ds)
    seen = set()
    for line in printed.splitlines():
        match = re.match(r"^ {2,4}(\S.*?)\s+(-?[\d,]+)(?:\s+(-?[\d,]+))?$", line)
        if not match or match.group(1) not in lines:
            continue
        label = match.group(1)
        quantity, filters = lines[label]
        numbers = [int(n.replace(",", "")) for n in match.groups()[1:] if n is not None]
        whole = int(mf.indicator_total(ds, quantity, **filters))
        from_start = int(mf.indicator_total(ds, quantity, start, **filters))
        if label == "spawned from sources":  # the reporting window only
            expected = [from_start]
        elif mf.INDICATORS[quantity]["kind"] == "stock" or label.startswith("went home"):
            expected = [whole]
        else:
            expected = [whole, from_start]
        checks.check(numbers == expected, f"summary: {label} (C) = Python",
                     f"{numbers} vs {expected}")
        seen.add(label)
    checks.check(seen == set(lines) - {"went home (whole run)"},
                 "summary: every line found", f"missing {set(lines) - seen}")
    with open(summary_json, encoding="utf-8") as file:
        totals = json.load(file)
    pairs = {"arrived": ("destination_arrivals", {}), "dead": ("deaths", {}),
             "left": ("returns", {}), "interceptions": ("interceptions", {}),
             "expulsions": ("expulsions", {}), "present": ("present", {}),
             "on_links": ("in_transit", {})}
    for key, (quantity, filters) in pairs.items():
        python = int(mf.indicator_total(ds, quantity, **filters))
        checks.check(totals[key] == python, f"summary JSON: {key} (C) = {quantity} (Python)",
                     f"{totals[key]} vs {python}")
    for direction in mf.DIRECTIONS:
        python = int(mf.indicator_total(ds, "monitor_passes", direction=direction))
        checks.check(totals["monitor_passes"][direction] == python,
                     f"summary JSON: monitor_passes {direction} (C) = Python")


def persons(x):
    """A count as the summary prints it: rounded half away from zero (C's
    round), with thousands separators."""
    whole = math.floor(abs(x) + 0.5)
    return f"{'-' if x < 0 and whole else ''}{whole:,}"


def check_ensemble_summary(checks, mf, printed, path):
    ds = mf.open_run(path)
    start = str(np.datetime_as_string(mf.report_from(ds), "D"))
    lines = summary_lines(mf, ds)
    seen = set()
    for line in printed.splitlines():
        match = re.match(r"^ {2,4}(\S.*?)\s+(-?[\d,]+)\s+(-?[\d,]+)\s+(-?[\d,]+)$", line)
        if not match or match.group(1) not in lines:
            continue
        label = match.group(1)
        quantity, filters = lines[label]
        whole_run = mf.INDICATORS[quantity]["kind"] == "stock" or label.startswith("went home")
        values = per_replicate(mf.indicator_total(ds, quantity, None if whole_run else start,
                                                  **filters))
        p05, p95 = np.percentile(values, [5, 95])
        expected = [persons(values.sum() / len(values)), persons(p05), persons(p95)]
        checks.check(list(match.groups()[1:]) == expected,
                     f"ensemble summary: {label} (C) = Python",
                     f"{match.groups()[1:]} vs {expected}")
        seen.add(label)
    checks.check(seen == set(lines) - {"went home (left the model)", "spawned from sources"},
                 "ensemble summary: every line found", f"missing {set(lines) - seen}")


def main(argv):
    if len(argv) != 4:
        sys.exit("usage: test_indicators.py MIGFLOW_BINARY SCENARIO_YAML REPOSITORY_ROOT")
    binary, scenario, root = (os.path.abspath(a) for a in argv[1:])
    import migflow as mf
    checks = Checks()
    with checks.in_workdir("indicators"):
        check_table(checks, binary, mf)
        with open("targets.yaml", "w", encoding="utf-8") as file:
            file.write(targets_yaml())
        with open("scenario.yaml", "w", encoding="utf-8") as file:
            file.write(f"extends: {scenario}\ntargets: targets.yaml\n")
        ensemble = runs.run([binary, "run", "scenario.yaml", "-o", "rep.h5",
                             "--replicates", "3"]).stdout
        single = runs.run([binary, "run", "scenario.yaml", "-o", "one.h5", "--seed", "7",
                           "--summary-json", "one.json"]).stdout
        check_targets(checks, mf, "rep.h5", "3 replicates")
        check_targets(checks, mf, "one.h5", "single run")
        check_compare(checks, binary, mf, "rep.h5", "one.h5", PART)
        check_compare(checks, binary, mf, "one.h5", "rep.h5", None)
        check_summary(checks, mf, single, "one.json", "one.h5")
        check_ensemble_summary(checks, mf, ensemble, "rep.h5")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
