#!/usr/bin/python3
"""`migflow compare BASE ALT`: its numbers against the files.

Usage: test_compare.py MIGFLOW_BINARY SCENARIO_YAML [BASELINE_YAML]

Runs the scenario for 40 days as ensembles of 3 replicates with seeds 42 and
43 and as single runs, and a batch, in a temporary directory of its own.
Checks `compare --json` against values computed here from the files with
h5py and numpy: sums over the window of monitoring passes by direction,
destination arrivals, deaths, interceptions and expulsions; displaced
present and persons present in a country on the window's last day; means
over replicates, their difference, and the 5th and 95th percentiles
(numpy.percentile) of the paired differences; "n/a" (null) without
replicates on both sides. Checks --from/--to, BATCH.h5#MEMBER, errors, and
--png (a stub script standing in for scripts/plot_compare.py, a missing
script, and, given BASELINE_YAML, the real script on a short coarse run).
Needs Debian's python3-h5py and python3-numpy.
"""
import json
import os
import sys

from checks import Checks
import runs

try:
    import h5py
    import numpy as np
except ImportError as error:
    sys.exit(f"test_compare: cannot import {error.name}: run with /usr/bin/python3 "
             "and install python3-h5py")

DAYS = 40
KEYS = ["monitor_passes_inbound", "monitor_passes_outbound", "monitor_passes_internal",
        "destination_arrivals", "deaths", "interceptions", "expulsions",
        "displaced_present", "present_in_country"]


def migflow(binary, *args, expect=0, env_extra=None):
    return runs.run([binary, *args], expect, env_extra)


def expected_indicators(given, first, last, country):
    """Per replicate (rows) and indicator (columns KEYS), from the file."""
    path, _, member = given.partition("#")
    with h5py.File(path, "r") as file:
        group = file[f"members/{member}"] if member else file
        start = np.datetime64(group.attrs["start_date"])
        d0 = int((np.datetime64(first) - start) / np.timedelta64(1, "D"))
        d1 = int((np.datetime64(last) - start) / np.timedelta64(1, "D"))
        ensemble = "replicate" in group

        def series(name):
            values = group[name][()]
            return values if ensemble else values[np.newaxis]

        directions = list(group["direction"].asstr()[()])
        intents = list(group["intent"].asstr()[()])
        countries = np.array(group["place_country"].asstr()[()])
        passes = series("monitor_passes")[:, d0:d1 + 1].sum(axis=(1, 2))
        columns = [passes[:, directions.index(d)] for d in ("inbound", "outbound", "internal")]
        for name in ("destination_arrivals", "deaths", "interceptions", "expulsions"):
            values = series(name)[:, d0:d1 + 1]
            columns.append(values.reshape(values.shape[0], -1).sum(axis=1))
        occupancy = series("occupancy")[:, d1]
        columns.append(occupancy[:, :, intents.index("displaced")].sum(axis=1))
        columns.append(occupancy[:, countries == country, :].sum(axis=(1, 2)))
        return np.stack(columns, axis=1).astype(np.float64), ensemble


def check_compare(checks, binary, base, alt, label, window=None, country="Libya"):
    args = ["compare", base, alt, "--json", "compare.json"]
    if window:
        args += ["--from", window[0], "--to", window[1]]
    if country != "Libya":
        args += ["--country", country]
    table = migflow(binary, *args).stdout
    with open("compare.json", encoding="utf-8") as file:
        got = json.load(file)
    first, last = got["from"], got["to"]
    if window:
        checks.check((first, last) == window, f"{label}: window as asked", f"{first} {last}")
    a, a_ensemble = expected_indicators(base, first, last, country)
    b, b_ensemble = expected_indicators(alt, first, last, country)
    checks.check([i["name"] for i in got["indicators"]] == KEYS, f"{label}: indicators")
    paired = min(len(a), len(b)) if a_ensemble and b_ensemble else 0
    checks.check(got["paired_replicates"] == paired, f"{label}: paired replicates")
    for k, indicator in enumerate(got["indicators"]):
        name = indicator["name"]
        base_mean, alt_mean = a[:, k].mean(), b[:, k].mean()
        ok = (np.isclose(indicator["base"], base_mean, rtol=1e-12, atol=1e-9) and
              np.isclose(indicator["alt"], alt_mean, rtol=1e-12, atol=1e-9) and
              np.isclose(indicator["difference"], alt_mean - base_mean, rtol=1e-12, atol=1e-9))
        checks.check(ok, f"{label}: {name} base, alt and difference",
                     f"{indicator} vs {base_mean}, {alt_mean}")
        if paired:
            differences = b[:paired, k] - a[:paired, k]
            p05, p95 = np.percentile(differences, [5, 95])
            checks.check(np.isclose(indicator["p05"], p05, rtol=1e-12, atol=1e-9) and
                         np.isclose(indicator["p95"], p95, rtol=1e-12, atol=1e-9),
                         f"{label}: {name} 90 % interval of the paired differences",
                         f"{indicator['p05']}, {indicator['p95']} vs {p05}, {p95}")
        else:
            checks.check(indicator["p05"] is None and indicator["p95"] is None,
                         f"{label}: {name} has no interval")
    checks.check(("n/a" in table) == (paired == 0), f"{label}: the table says n/a "
                 "exactly when there is no interval")
    return got, table


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit("usage: test_compare.py MIGFLOW_BINARY SCENARIO_YAML [BASELINE_YAML]")
    binary = os.path.abspath(argv[1])
    scenario = os.path.abspath(argv[2])
    baseline = os.path.abspath(argv[3]) if len(argv) == 4 else None
    checks = Checks()
    with checks.in_workdir("compare"):
        common = ["--days", str(DAYS), "--quiet"]
        migflow(binary, "run", scenario, "-o", "base.h5", "--replicates", "3", *common)
        migflow(binary, "run", scenario, "-o", "alt.h5", "--replicates", "3", "--seed", "43",
                *common)
        migflow(binary, "run", scenario, "-o", "alt4.h5", "--replicates", "4", "--seed", "43",
                *common)
        migflow(binary, "run", scenario, "-o", "single.h5", *common)
        migflow(binary, "run", scenario, "-o", "single43.h5", "--seed", "43", *common)

        got, table = check_compare(checks, binary, "base.h5", "alt.h5", "ensembles")
        checks.check(got["days"] == DAYS, "the default window is the whole run")
        checks.check(any(i["p05"] != i["p95"] for i in got["indicators"]),
                     "the intervals are not all empty")
        checks.check("90 % interval" in table and "arrivals in Island" in table,
                     "the table names the interval and the destination", table[:400])
        check_compare(checks, binary, "base.h5", "alt.h5", "window",
                      window=("2024-01-10", "2024-01-30"), country="Beta")
        check_compare(checks, binary, "base.h5", "alt4.h5", "3 against 4 replicates")
        check_compare(checks, binary, "single.h5", "single43.h5", "single runs")
        check_compare(checks, binary, "base.h5", "single43.h5", "ensemble against single")

        with open("batch.yaml", "w", encoding="utf-8") as file:
            file.write(f"scenarios: [{scenario}]\ndays: {DAYS}\nreplicates: 3\n")
        migflow(binary, "batch", "batch.yaml", "-o", "batch.h5", "--quiet")
        got, _ = check_compare(checks, binary, "base.h5", "batch.h5#scenario", "batch member")
        checks.check(all(i["difference"] == 0 and i["p05"] == 0 and i["p95"] == 0
                         for i in got["indicators"]),
                     "a batch member equal to the base run differs by nothing")

        outside = migflow(binary, "compare", "base.h5", "alt.h5", "--from", "2023-12-01",
                          expect=1)
        checks.check("within both runs" in outside.stderr, "a window outside the runs",
                     outside.stderr)
        batch = migflow(binary, "compare", "batch.h5", "alt.h5", expect=1)
        checks.check("#MEMBER" in batch.stderr, "a batch file needs #MEMBER", batch.stderr)
        member = migflow(binary, "compare", "batch.h5#nobody", "alt.h5", expect=1)
        checks.check("no member 'nobody'" in member.stderr, "an unknown member", member.stderr)
        missing = migflow(binary, "compare", "missing.h5", "alt.h5", expect=3)
        checks.check("missing.h5" in missing.stderr, "a missing file", missing.stderr)
        country = migflow(binary, "compare", "base.h5", "alt.h5", "--country", "Atlantis",
                          expect=1)
        checks.check("Atlantis" in country.stderr, "an unknown country", country.stderr)
        usage = migflow(binary, "compare", "base.h5", expect=2)
        checks.check("two runs" in usage.stderr, "one run is a usage error", usage.stderr)

        # --png through a stand-in for scripts/plot_compare.py.
        with open("stub.py", "w", encoding="utf-8") as file:
            file.write("import json, sys\n"
                       "json.dump(sys.argv[1:], open('stub.json', 'w'))\n"
                       "open(sys.argv[sys.argv.index('-o') + 1], 'wb').write(b'\\x89PNG')\n")
        stub = {"MIGFLOW_PLOT_COMPARE": os.path.abspath("stub.py")}
        migflow(binary, "compare", "base.h5", "alt.h5", "--png", "stub.png", "--from",
                "2024-01-02", env_extra=stub)
        with open("stub.json", encoding="utf-8") as file:
            args = json.load(file)
        checks.check(args == ["base.h5", "alt.h5", "-o", "stub.png", "--from", "2024-01-02"],
                     "--png calls the plot script with BASE ALT -o PNG and the window",
                     repr(args))
        checks.check(os.path.exists("stub.png"), "--png: the plot is written")
        absent = migflow(binary, "compare", "base.h5", "alt.h5", "--png", "none.png",
                         expect=3, env_extra={"MIGFLOW_PLOT_COMPARE": "/nonexistent/plot.py"})
        checks.check("plot script /nonexistent/plot.py" in absent.stderr and
                     "monitoring passes" in absent.stdout,
                     "--png without the script: the table, then a clear error", absent.stderr)

        if baseline:
            # The real script, on a short, coarse run of the real network.
            # 200 days reach 2024, where the script starts its totals (report_from).
            short = ["--days", "200", "--agent-scale", "2000", "--quiet"]
            migflow(binary, "run", baseline, "-o", "real_base.h5", "--replicates", "2", *short)
            migflow(binary, "run", baseline, "-o", "real_alt.h5", "--replicates", "2",
                    "--seed", "5", *short)
            plotted = migflow(binary, "compare", "real_base.h5", "real_alt.h5", "--png",
                              "real.png", expect=None)
            magic = b""
            if os.path.exists("real.png"):
                with open("real.png", "rb") as file:
                    magic = file.read(4)
            checks.check(plotted.returncode == 0 and magic == b"\x89PNG",
                         "--png with scripts/plot_compare.py writes a PNG",
                         plotted.stderr[-800:])
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
