#!/usr/bin/python3
"""Slow suite: the shipped baseline reproduces the 2024 observations. Runs
`migflow calibrate scenarios/baseline.yaml --evaluate` (no fit: the scenario
as shipped, at one person per agent) over 3 replicates and checks that the
primary targets (Niger's monitored movements and the outbound ones) are
within 2 % and every other target within its tolerance, reading the report
the C side wrote as JSON.

usage: test_calibration.py MIGFLOW BASELINE_YAML
"""
import json
import os
import subprocess
import sys
import tempfile

from checks import Checks

migflow, baseline = sys.argv[1], sys.argv[2]
checks = Checks()
check = checks.check


with tempfile.TemporaryDirectory() as tmp:
    report_path = os.path.join(tmp, "report.json")
    run = subprocess.run([migflow, "calibrate", baseline, "--evaluate", "--replicates", "3",
                          "--report-json", report_path], capture_output=True, text=True)
    print(run.stdout)
    check(run.returncode == 0, f"calibrate --evaluate exited {run.returncode}: {run.stderr}")
    if run.returncode == 0:
        report = json.load(open(report_path))
        check(report["replicates"] == 3, "three replicates")
        names = {t["name"] for t in report["targets"]}
        for primary in ("niger_fmp_movements", "niger_fmp_outbound"):
            check(primary in names, f"primary target {primary} present")
        check(len(report["targets"]) >= 9, "primary and secondary targets")
        for t in report["targets"]:
            error = (t["mean"] - t["observed"]) / t["observed"]
            if t["at_least"]:
                error = min(error, 0.0)
            check(abs(error - t["error"]) < 1e-9, f"{t['name']}: error as reported")
            limit = 0.02 if t["name"].startswith("niger_fmp") else t["tolerance"]
            check(abs(error) <= limit,
                  f"{t['name']}: simulated {t['mean']:.0f} vs observed {t['observed']:.0f} "
                  f"({100 * error:+.1f} %, tolerance {100 * limit:g} %)")
            check(t["sd"] >= 0 and t["sd"] < 0.1 * max(t["mean"], 1),
                  f"{t['name']}: replicate spread {t['sd']:.0f} small against the mean")

sys.exit(checks.finish())
