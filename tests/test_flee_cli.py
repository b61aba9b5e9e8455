#!/usr/bin/python3
"""migflow flee + migflow validate on mali2012 at full scale (hasten 1), five
replicates: the mean ARD must be within 0.05 of FLEE's own 0.357 or lower.
Prints the ARD per replicate and the throughput (agent-days per CPU-second,
from each file's agent_steps and wall_seconds x threads).

usage: test_flee_cli.py MIGFLOW INSTANCE_DIR
"""
import os
import re
import subprocess
import sys
import tempfile

import h5py

FLEE_ARD = 0.357
TOLERANCE = 0.05
REPLICATES = 5


def run(*args):
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("command failed (%d): %s\n%s%s" % (result.returncode, " ".join(args),
                                                      result.stdout, result.stderr))
    return result.stdout


def main():
    migflow, instance = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="migflow-test-flee-") as tmp:
        base = os.path.join(tmp, "mali.h5")
        print(run(migflow, "flee", instance, "--hasten", "1", "--replicates", str(REPLICATES),
                  "-o", base), end="")
        files = [os.path.join(tmp, "mali_r%d.h5" % k) for k in range(REPLICATES)]
        for path in files:
            assert os.path.exists(path), path
        assert not os.path.exists(base)
        # Outputs exist: refused without --force, nothing changed.
        refused = subprocess.run([migflow, "flee", instance, "--hasten", "1", "--replicates",
                                  str(REPLICATES), "-o", base], capture_output=True, text=True)
        assert refused.returncode == 1, refused

        out = run(migflow, "validate", *files, instance)
        print(out, end="")
        mean = re.search(r"mean of %d runs: ARD ([0-9.]+) \(sd [0-9.]+\), rescaled ([0-9.]+)"
                         % REPLICATES, out)
        assert mean, out

        ards, rescaled, steps, cpu_seconds = [], [], 0, 0.0
        for path in files:
            with h5py.File(path, "r") as f:
                ards.append(float(f.attrs["ard_mean"]))
                rescaled.append(float(f.attrs["ard_rescaled_mean"]))
                assert f["ard"].shape == f["time"].shape
                assert f["ard"].attrs["units"] in (b"1", "1")
                names = [n.decode() if isinstance(n, bytes) else n for n in f["place"][:]]
                assert "Fassala-Mbera" in names and "Bobo-Dioulasso" in names, names
                assert int(f.attrs["agent_scale"]) == 1
                steps += int(f.attrs["agent_steps"])
                cpu_seconds += float(f.attrs["wall_seconds"]) * int(f.attrs["threads"])
                rate = int(f.attrs["agent_steps"]) / (float(f.attrs["wall_seconds"])
                                                      * int(f.attrs["threads"]))
                print("%s: ARD %.4f rescaled %.4f, %d agent-days in %.3f s x %d threads: "
                      "%.3g agent-days per CPU-second" % (
                          os.path.basename(path), ards[-1], rescaled[-1],
                          int(f.attrs["agent_steps"]), float(f.attrs["wall_seconds"]),
                          int(f.attrs["threads"]), rate))
        ard = sum(ards) / len(ards)
        ard_rescaled = sum(rescaled) / len(rescaled)
        assert abs(ard - float(mean.group(1))) < 1e-4
        print("mean ARD %.4f (FLEE %.3f), rescaled %.4f (FLEE 0.309)" % (ard, FLEE_ARD,
                                                                      ard_rescaled))
        print("throughput: %.3g agent-days per CPU-second (FLEE: 1.5e5; target 1.5e8)"
              % (steps / cpu_seconds))
        assert ard <= FLEE_ARD + TOLERANCE, "mean ARD %.4f above %.3f" % (ard, FLEE_ARD + TOLERANCE)

        try:
            import xarray
        except ImportError:
            return
        with xarray.open_dataset(files[0], engine="h5netcdf") as ds:
            assert ds["ard"].dims == ("time",), ds["ard"].dims
            assert ds["occupancy"].sizes["place"] == 23


if __name__ == "__main__":
    main()
