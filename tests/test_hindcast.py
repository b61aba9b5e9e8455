#!/usr/bin/python3
"""migflow hindcast and the validation-only targets (issue 14, the 2025
hindcast).

usage: test_hindcast.py MIGFLOW SMALL_SCENARIO_YAML SOURCE_ROOT

On the small test world (a temporary what-if of it as the hindcast, the
small scenario itself as persistence, a validation-only targets file):
- the table's arithmetic, from --json: each error is (simulated - observed)
  / observed (0 above an at_least bound), each skill 1 - |hindcast error| /
  |persistence error|, a target whose persistence error is 0 out of the
  score with no skill, the score 1 - sum |hindcast errors| / sum
  |persistence errors| over the scored targets, the not_represented
  observations listed and never scored; a scenario against itself has
  skill 0 everywhere;
- calibrate and posterior refuse a validation_only file: exit 1,
  file:line:column at the key;
- a not_represented entry without its reason is refused (exit 1).
On the shipped files:
- no targets file that a scenario's `targets:` names (what calibrate and
  posterior use) has a date in 2025 or later, nor validation_only; every
  file with a 2025 date is validation_only;
- calibrate and posterior refuse scenarios/targets-2025.yaml (exit 1);
- a cheap hindcast (1 replicate at agent scale 50) of
  scenarios/hindcast-2025.yaml runs and scores targets-2025.yaml.
"""
import glob
import json
import math
import os
import re
import subprocess
import sys
import tempfile

from checks import Checks

migflow, small, root = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
scenarios = os.path.join(root, "scenarios")
checks = Checks()
check = checks.check


def run(*args):
    return subprocess.run([migflow, *args], capture_output=True, text=True)


def close(a, b, tol=1e-9):
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def error_of(t, simulated):
    e = (simulated - t["observed"]) / t["observed"]
    return 0.0 if t["at_least"] and e > 0 else e


HINDCAST = f"""name: small-hindcast
extends: {small}
events:
  - date: 2024-02-20
    kind: source_rate
    place: home
    intent: onward
    multiplier: 4
"""

TARGETS = """validation_only: true
targets:
  - name: island_arrivals
    quantity: sea_arrivals
    from_country: Beta
    to_country: Delta
    from: 2024-02-01
    to: 2024-04-20
    observed: 4000            # test parameter
    source: "test parameter"
  - name: beta_stock
    quantity: present
    country: Beta
    at: 2024-04-01
    observed: 2500            # test parameter
    source: "test parameter"
  - name: expelled_at_least
    quantity: expulsions
    from: 2024-01-01
    to: 2024-04-20
    observed: 1               # test parameter: any run is above it
    at_least: true
    source: "test parameter"
not_represented:
  - name: arrivals_by_air
    observed: 123             # test parameter
    period: "2024"
    source: "test parameter"
    reason: "no airports in the small world"
"""

with tempfile.TemporaryDirectory() as tmp:
    hind = os.path.join(tmp, "hind.yaml")
    targets = os.path.join(tmp, "targets.yaml")
    open(hind, "w").write(HINDCAST)
    open(targets, "w").write(TARGETS)
    out = os.path.join(tmp, "table.json")
    r = run("hindcast", hind, "--persistence", small, "--targets", targets, "--replicates", "3",
            "--json", out)
    check(r.returncode == 0, f"hindcast on the small world exits 0 ({r.returncode}: {r.stderr})")
    if r.returncode == 0:
        table = json.load(open(out))
        check(table["runs"] == 3, "three replicates")
        by_name = {t["name"]: t for t in table["targets"]}
        check(set(by_name) == {"island_arrivals", "beta_stock", "expelled_at_least"},
              "every target in the table")
        sum_h = sum_p = 0.0
        for t in table["targets"]:
            eh, ep = error_of(t, t["hindcast"]), error_of(t, t["persistence"])
            check(close(t["hindcast_error"], eh) and close(t["persistence_error"], ep),
                  f"{t['name']}: errors are (simulated - observed) / observed")
            if ep == 0:
                check(t["skill"] is None and not t["in_score"],
                      f"{t['name']}: persistence error 0, no skill, out of the score")
                continue
            check(t["in_score"], f"{t['name']}: in the score")
            check(close(t["skill"], 1 - abs(eh) / abs(ep)),
                  f"{t['name']}: skill {t['skill']:.4f} = 1 - |{eh:.4f}| / |{ep:.4f}|")
            check(t["skill_min"] <= t["skill_max"], f"{t['name']}: skill range ordered")
            sum_h += abs(eh)
            sum_p += abs(ep)
        exp = by_name["expelled_at_least"]
        check(exp["hindcast"] > 1 and exp["persistence"] > 1 and not exp["in_score"],
              "above an at_least bound: error 0, out of the score")
        check(by_name["island_arrivals"]["hindcast"] > by_name["island_arrivals"]["persistence"],
              "four times the base onward departures: more arrivals than persistence")
        check(close(table["score"], 1 - sum_h / sum_p),
              f"score {table['score']:.4f} = 1 - sum |hindcast errors| / sum |persistence errors|")
        unrep = table["not_represented"]
        check(len(unrep) == 1 and unrep[0]["name"] == "arrivals_by_air"
              and unrep[0]["reason"] == "no airports in the small world" and unrep[0]["observed"] == 123,
              "not_represented listed with its reason")
        check("arrivals_by_air" in r.stdout and "not represented" in r.stdout,
              "the printed table names what is not represented")

    out_self = os.path.join(tmp, "self.json")
    r = run("hindcast", small, "--persistence", small, "--targets", targets, "--replicates", "2",
            "--json", out_self, "-q")
    check(r.returncode == 0, f"a scenario against itself exits 0 ({r.stderr})")
    if r.returncode == 0:
        table = json.load(open(out_self))
        check(all(t["skill"] in (None, 0) for t in table["targets"]) and table["score"] == 0,
              "a scenario against itself: skill 0 everywhere, score 0")

    for command in (["calibrate", small, "--targets", targets, "--evaluate"],
                    ["posterior", small, "--targets", targets, "-o", os.path.join(tmp, "p.h5")]):
        r = run(*command)
        check(r.returncode == 1, f"{command[0]} refuses a validation_only file: exit {r.returncode}")
        check(re.search(r"targets\.yaml:1:18: 'validation_only'", r.stderr) is not None,
              f"{command[0]}: file:line:column at the key ({r.stderr.strip()})")

    bad = os.path.join(tmp, "bad.yaml")
    open(bad, "w").write(TARGETS.replace('    reason: "no airports in the small world"\n', ""))
    r = run("hindcast", hind, "--persistence", small, "--targets", bad, "--replicates", "1")
    check(r.returncode == 1 and "not_represented[0].reason" in r.stderr,
          f"a not_represented entry without a reason is refused ({r.stderr.strip()})")

# ---- the shipped files: no 2025 observation where calibrate or posterior look
DATE = re.compile(r"^\s*-?\s*(from|to|at):\s*['\"]?(\d{4})-\d\d-\d\d", re.M)
used = set()
for path in sorted(glob.glob(os.path.join(scenarios, "*.yaml"))):
    for m in re.finditer(r"^targets:[ \t]*([^\s#]+\.yaml)", open(path).read(), re.M):
        used.add(os.path.normpath(os.path.join(os.path.dirname(path), m.group(1))))
check(len(used) >= 1, f"scenarios name targets files: {sorted(os.path.basename(u) for u in used)}")
for path in sorted(used):
    text = open(path).read()
    late = [m.group(0).strip() for m in DATE.finditer(text) if int(m.group(2)) >= 2025]
    check(not late, f"{os.path.basename(path)} (a scenario's targets:) has no date in 2025 or later {late}")
    check(re.search(r"^validation_only:\s*true", text, re.M) is None,
          f"{os.path.basename(path)} is not validation_only")
for path in sorted(glob.glob(os.path.join(scenarios, "targets*.yaml"))):
    text = open(path).read()
    if any(int(m.group(2)) >= 2025 for m in DATE.finditer(text)):
        check(re.search(r"^validation_only:\s*true", text, re.M) is not None,
              f"{os.path.basename(path)} has 2025 dates and is validation_only")

targets_2025 = os.path.join(scenarios, "targets-2025.yaml")
baseline = os.path.join(scenarios, "baseline.yaml")
with tempfile.TemporaryDirectory() as tmp:
    for command in (["calibrate", os.path.join(scenarios, "baseline-start.yaml"), "--targets",
                     targets_2025],
                    ["posterior", os.path.join(scenarios, "baseline-start.yaml"), "--targets",
                     targets_2025, "-o", os.path.join(tmp, "p.h5")]):
        r = run(*command)
        check(r.returncode == 1 and "targets-2025.yaml:" in r.stderr and "validation_only" in r.stderr,
              f"{command[0]} refuses targets-2025.yaml with exit 1 ({r.returncode})")
    out = os.path.join(tmp, "h.json")
    r = run("hindcast", os.path.join(scenarios, "hindcast-2025.yaml"), "--persistence", baseline,
            "--targets", targets_2025, "--replicates", "1", "--agent-scale", "50", "--json", out, "-q")
    check(r.returncode == 0, f"the shipped hindcast runs ({r.stderr.strip()})")
    if r.returncode == 0:
        table = json.load(open(out))
        names = {t["name"] for t in table["targets"]}
        check({"italy_arrivals_from_libya_2025", "italy_arrivals_from_tunisia_2025",
               "libya_stock_apr_2025", "sudanese_in_chad_jun_2025"} <= names,
              "the shipped table has the 2025 targets")
        check(any(u["name"] == "italy_arrivals_bangladesh_2025" for u in table["not_represented"]),
              "Bangladeshi arrivals are out of the score, not represented")
        check(table["score"] is None or math.isfinite(table["score"]), "a score")

checks.finish()
