#!/usr/bin/python3
"""migflow flee + migflow validate on mali2012 at full scale (hasten 1), five
replicates in one file (a replicate dimension, as migflow run writes): the
mean ARD must be within 0.005 of FLEE's own 0.357; the file is identical
for 1 and 2 threads; xarray opens it; validate prints each replicate's ARD
and the mean. Prints the throughput (agent-days per CPU-second, from the
file's agent_steps and wall_seconds x threads).

usage: test_flee_cli.py MIGFLOW INSTANCE_DIR
"""
import os
import re
import sys

import h5py

from checks import Checks
import runs
from runs import capture, text

FLEE_ARD = 0.357
TOLERANCE = 0.005
REPLICATES = 5


def main():
    migflow, instance = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    c = Checks()
    with c.in_workdir("flee-cli"):
        files = {}
        for threads in (1, 2):
            path = f"mali-{threads}.h5"
            result = capture(migflow, "flee", instance, "--hasten", "1", "--replicates",
                         str(REPLICATES), "--threads", str(threads), "-o", path)
            print(result.stdout, end="")
            c.check(result.returncode == 0 and os.path.exists(path),
                    f"{REPLICATES} replicates on {threads} thread(s) into one file", result.stderr)
            c.check(not any(name.startswith("mali-%d_r" % threads) for name in os.listdir(".")),
                    "no per-replicate files")
            files[threads] = path
        skip = runs.TIMING_ATTRS
        one, two = runs.read_all(files[1], skip), runs.read_all(files[2], skip)
        differ = [k for k in set(one) | set(two)
                  if k not in one or k not in two or not runs.same(one[k][0], two[k][0])
                  or set(one[k][1]) != set(two[k][1])
                  or not all(runs.same(one[k][1][a], two[k][1][a]) for a in one[k][1])]
        c.check(not differ, f"1 and 2 threads give the same file ({len(one)} objects)",
                str(sorted(differ)))

        # The output exists: refused without --force, nothing changed.
        before = os.stat(files[1]).st_mtime_ns
        refused = capture(migflow, "flee", instance, "--hasten", "1", "-o", files[1])
        c.check(refused.returncode == 1 and os.stat(files[1]).st_mtime_ns == before,
                "an existing output is refused without --force", refused.stderr)

        result = capture(migflow, "validate", files[1], instance)
        print(result.stdout, end="")
        c.check(result.returncode == 0, "validate", result.stderr)
        per_replicate = re.findall(r"replicate (\d+): ARD ([0-9.]+), rescaled ([0-9.]+)",
                                   result.stdout)
        c.check([int(k) for k, _, _ in per_replicate] == list(range(REPLICATES)),
                f"validate prints the ARD of replicates 0..{REPLICATES - 1}", result.stdout)
        mean = re.search(r"mean of %d replicates: ARD ([0-9.]+) \(sd [0-9.]+\), rescaled ([0-9.]+)"
                         % REPLICATES, result.stdout)
        c.check(mean, "validate prints the mean over the replicates", result.stdout)

        with h5py.File(files[1], "r") as f:
            c.check(f["replicate"].shape == (REPLICATES,) and
                    f["occupancy"].dims[0][0].name == "/replicate",
                    f"occupancy has a leading replicate dimension of {REPLICATES}")
            c.check(f["ard"].shape == (REPLICATES,) + f["time"].shape and
                    text(f["ard"].attrs["units"]) == "1", "ard(replicate, time), units 1")
            means = f["ard_replicate_mean"][:]
            ard = float(f.attrs["ard_mean"])
            rescaled = float(f.attrs["ard_rescaled_mean"])
            c.check(abs(ard - means.mean()) < 1e-12 and
                    all(abs(float(v) - m) < 5e-5 for (_, v, _), m in zip(per_replicate, means)),
                    "stored per-replicate means agree with the printed ones and ard_mean")
            names = [text(n) for n in f["place"][:]]
            c.check("Fassala-Mbera" in names and "Bobo-Dioulasso" in names, "FLEE's place names")
            c.check(int(f.attrs["agent_scale"]) == 1, "agent_scale 1")
            steps, wall, threads = (int(f.attrs["agent_steps"]), float(f.attrs["wall_seconds"]),
                                    int(f.attrs["threads"]))
        print("mean ARD %.4f (FLEE %.3f), rescaled %.4f (FLEE 0.309); replicates %s" % (
            ard, FLEE_ARD, rescaled, ", ".join("%.4f" % m for m in means)))
        print("throughput: %.3g agent-days per CPU-second (FLEE: 1.5e5)" % (
            steps / (wall * threads)))
        c.check(abs(ard - FLEE_ARD) <= TOLERANCE,
                "mean ARD %.4f within %.3f of FLEE's %.3f" % (ard, TOLERANCE, FLEE_ARD))
        c.check(mean and abs(ard - float(mean.group(1))) < 1e-4, "printed mean = stored mean")

        import xarray
        with xarray.open_dataset(files[1], engine="h5netcdf") as ds:
            c.check(ds["ard"].dims == ("replicate", "time") and
                    ds["occupancy"].dims[:2] == ("replicate", "time") and
                    ds.sizes["replicate"] == REPLICATES and ds.sizes["place"] == 23,
                    "xarray opens it: ard(replicate, time), occupancy(replicate, time, ...)",
                    str(ds))
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
