#!/usr/bin/python3
"""Batches: `migflow batch`, its file layout and resuming an interrupted batch.

Usage: test_batch.py MIGFLOW_BINARY SCENARIO_YAML

In a temporary directory of its own, writes a batch of the scenario (twice,
under two names) x a 2-point grid x 2 replicates, 25 days, and checks:
- the file: root attribute migflow_batch = 1, the `member` table, one group
  members/<member> per member that xarray opens with group=...;
- resuming: a batch stopped after its first member (the test hook
  MIGFLOW_BATCH_STOP_AFTER=1, and a real SIGTERM) exits 75, leaves no output
  file, keeps the finished member (and the checkpoint of the one interrupted), and when run again ends identical to an
  uninterrupted batch (every dataset and attribute but timings);
- a member computed for another description of the batch is not reused;
- a member group equals the file of `migflow run --replicates 2`;
- errors: unknown parameter (file:line:column), existing output.
Needs Debian's python3-h5py, python3-xarray and python3-h5netcdf.
"""
import json
import os
import signal
import subprocess
import sys
import time

from checks import Checks
from runs import TIMING_ATTRS, differences, read_all
import runs

try:
    import h5py
    import numpy as np
    import xarray as xr
except ImportError as error:
    sys.exit(f"test_batch: cannot import {error.name}: run with /usr/bin/python3 "
             "and install python3-h5py, python3-xarray and python3-h5netcdf")

DAYS = 25
MEMBERS = ["scenario_p0", "scenario_p1", "twin_p0", "twin_p1"]


def batch_text(scenario, days=DAYS):
    return (f"name: test\n"
            f"scenarios:\n"
            f"  - {scenario}\n"
            f"  - {{path: {scenario}, name: twin}}\n"
            f"days: {days}\n"
            f"replicates: 2\n"
            f"sweep:\n"
            f"  grid:\n"
            f"    retry_after_interception: [0.3, 0.9]\n")


def write(path, text):
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)


def migflow(binary, *args, expect=0, env_extra=None):
    return runs.run([binary, *args], expect, env_extra)


def member_files(work):
    return sorted(f for f in os.listdir(work)) if os.path.isdir(work) else []


def check_layout(checks, path):
    root = xr.open_dataset(path, engine="h5netcdf")
    try:
        checks.check(int(root.attrs.get("migflow_batch", 0)) == 1, "migflow_batch = 1")
        checks.check(int(root.attrs.get("complete", 0)) == 1, "complete = 1")
        checks.check(list(root.member.values) == MEMBERS, "member table rows",
                     repr(root.member.values))
        checks.check(list(root.status.values) == ["complete"] * 4, "member status")
        checks.check(list(root.scenario.values) == ["scenario", "scenario", "twin", "twin"],
                     "member scenario column")
        params = [json.loads(p) for p in root.parameters.values]
        checks.check([p["retry_after_interception"] for p in params] == [0.3, 0.9, 0.3, 0.9],
                     "member parameters column is JSON", repr(params))
        checks.check(list(root["parameter_retry_after_interception"].values) ==
                     [0.3, 0.9, 0.3, 0.9], "swept parameter column")
        checks.check(all("long_name" in root[v].attrs for v in root.data_vars),
                     "every member column has long_name")
        checks.check("batch" in root.attrs and "sweep:" in root.attrs["batch"],
                     "the batch text is kept")
    finally:
        root.close()
    steps = 0
    for name in MEMBERS:
        ds = xr.open_dataset(path, group=f"members/{name}", engine="h5netcdf")
        try:
            checks.check(ds.occupancy.dims == ("replicate", "time", "place", "intent"),
                         f"members/{name} opens in xarray with the replicate dimension",
                         repr(ds.occupancy.dims))
            checks.check(ds.sizes["time"] == DAYS and ds.sizes["replicate"] == 2,
                         f"members/{name} sizes", repr(dict(ds.sizes)))
            checks.check(ds.attrs.get("member") == name, f"members/{name} member attribute")
            checks.check("summary_monitor_passes" in ds, f"members/{name} has summaries")
            checks.check(np.issubdtype(ds.time.dtype, np.datetime64),
                         f"members/{name} time decodes")
            steps += int(ds.attrs["agent_steps"])
            ds.load()
        finally:
            ds.close()
    with h5py.File(path, "r") as file:
        checks.check(int(file.attrs["agent_steps"]) == steps,
                     "root agent_steps sums the members'")
        a = file["members/scenario_p0/occupancy"][()]
        b = file["members/scenario_p1/occupancy"][()]
        c = file["members/twin_p0/occupancy"][()]
        checks.check(not np.array_equal(a, b), "sweep points differ")
        checks.check(np.array_equal(a, c), "the same scenario and point give the same data")


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: test_batch.py MIGFLOW_BINARY SCENARIO_YAML")
    binary = os.path.abspath(argv[1])
    scenario = os.path.abspath(argv[2])
    checks = Checks()
    with checks.in_workdir("batch"):
        write("batch.yaml", batch_text(scenario))

        # Uninterrupted.
        out = migflow(binary, "batch", "batch.yaml", "-o", "whole.h5").stdout
        checks.check(os.path.exists("whole.h5"), "batch file written")
        checks.check(not os.path.exists("whole.h5.work") and
                     not os.path.exists("whole.h5.partial"),
                     "work directory and partial file removed")
        checks.check("4 members written" in out, "progress names the members", out)
        check_layout(checks, "whole.h5")
        whole = read_all("whole.h5")

        # Stopped after the first member by the test hook, then resumed.
        stopped = migflow(binary, "batch", "batch.yaml", "-o", "hook.h5", expect=75,
                          env_extra={"MIGFLOW_BATCH_STOP_AFTER": "1"})
        checks.check(not os.path.exists("hook.h5") and not os.path.exists("hook.h5.partial"),
                     "an interrupted batch leaves no output file")
        checks.check(member_files("hook.h5.work") == ["scenario_p0.h5"],
                     "the finished member is kept, nothing half-written",
                     repr(member_files("hook.h5.work")))
        checks.check("run the same command again" in stopped.stderr,
                     "the message says how to resume", stopped.stderr)
        resumed = migflow(binary, "batch", "batch.yaml", "-o", "hook.h5").stdout
        checks.check("1 kept" in resumed and "scenario_p0:" not in resumed,
                     "the resumed batch keeps the finished member", resumed)
        found = differences(whole, read_all("hook.h5"))
        checks.check(not found, "resumed batch identical to the uninterrupted one",
                     "; ".join(found[:5]))

        # A real SIGTERM once the first member is in the work directory.
        env = dict(os.environ, OMP_NUM_THREADS="1")
        process = subprocess.Popen([binary, "batch", "batch.yaml", "-o", "signal.h5",
                                    "--quiet"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 600
        while (process.poll() is None and time.monotonic() < deadline and
               not any(f.endswith(".h5") for f in member_files("signal.h5.work"))):
            time.sleep(0.005)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=600)
        if process.returncode == 0:
            # The batch was faster than the signal: nothing to resume.
            checks.check(os.path.exists("signal.h5"), "batch finished before SIGTERM")
        else:
            checks.check(process.returncode == 75, "SIGTERM exits 75",
                         f"{process.returncode}: {stderr}")
            checks.check(not os.path.exists("signal.h5"), "no output after SIGTERM")
            kept = member_files("signal.h5.work")
            checks.check(kept and all(f.endswith((".h5", ".h5.state")) for f in kept),
                         "after SIGTERM only complete member files and checkpoints are left",
                         repr(kept))
            migflow(binary, "batch", "batch.yaml", "-o", "signal.h5", "--quiet")
        found = differences(whole, read_all("signal.h5"))
        checks.check(not found, "batch resumed after SIGTERM identical to the uninterrupted one",
                     "; ".join(found[:5]))

        # A member computed for another description is not reused.
        migflow(binary, "batch", "batch.yaml", "-o", "stale.h5", expect=75,
                env_extra={"MIGFLOW_BATCH_STOP_AFTER": "2"})
        write("batch.yaml", batch_text(scenario, days=DAYS - 5))
        again = migflow(binary, "batch", "batch.yaml", "-o", "stale.h5").stdout
        checks.check("kept" not in again, "members of a changed batch are run again", again)
        migflow(binary, "batch", "batch.yaml", "-o", "fresh.h5", "--quiet")
        found = differences(read_all("fresh.h5"), read_all("stale.h5"))
        checks.check(not found, "changed batch equals a fresh run of it", "; ".join(found[:5]))
        write("batch.yaml", batch_text(scenario))

        # A member group is the run file of `migflow run --replicates`.
        write("single.yaml", f"scenarios: [{scenario}]\ndays: {DAYS}\nreplicates: 2\n")
        migflow(binary, "batch", "single.yaml", "-o", "single.h5", "--quiet")
        migflow(binary, "run", scenario, "-o", "run.h5", "--days", str(DAYS),
                "--replicates", "2", "--quiet")
        batch_only = TIMING_ATTRS | {"member", "parameters", "batch_key", "agent_steps"}
        group = {name[len("members/scenario/"):]: value
                 for name, value in read_all("single.h5", batch_only).items()
                 if name.startswith("members/scenario/")}
        group["/"] = read_all("single.h5", batch_only)["members/scenario"]
        found = differences(read_all("run.h5", batch_only), group)
        checks.check(not found, "a member group equals `migflow run --replicates 2`",
                     "; ".join(found[:5]))

        # Errors.
        write("bad.yaml", f"scenarios: [{scenario}]\nsweep:\n  grid:\n"
                          f"    insecurity_costs: [1, 2]\n")
        bad = migflow(binary, "batch", "bad.yaml", "-o", "bad.h5", expect=1)
        checks.check("bad.yaml:4:5:" in bad.stderr and "insecurity_cost'?" in bad.stderr,
                     "unknown parameter named with file:line:column", bad.stderr)
        checks.check(not os.path.exists("bad.h5") and not os.path.exists("bad.h5.work"),
                     "no output or work directory for a bad batch")
        exists = migflow(binary, "batch", "batch.yaml", "-o", "whole.h5", expect=1)
        checks.check("--force" in exists.stderr, "an existing output is refused", exists.stderr)
        migflow(binary, "batch", "batch.yaml", "-o", "whole.h5", "--force", "--quiet")
        checks.check(not differences(whole, read_all("whole.h5")), "--force rewrites it")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
