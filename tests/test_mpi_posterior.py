#!/usr/bin/python3
"""migflow posterior over MPI ranks gives the file of one process.

Usage: test_mpi_posterior.py MIGFLOW_MPI_BINARY SMALL_SCENARIO_YAML

MIGFLOW_MPI_BINARY is a build with -Dmpi=enabled; the one-process run is
made by $MIGFLOW_SERIAL_BINARY (a build without MPI) when set, else by the
MPI build without mpirun. In a temporary directory, writes a scenario
extending the small one with two free parameters and two targets, runs

    migflow posterior fit.yaml --particles 30 --budget 300 --predictive 12 --seed 2
    mpirun -np 2 ... migflow posterior (the same)

and checks the two files are identical in every dataset and attribute but
timings (the particles of each round were simulated by both ranks, rank 0
wrote the file); and that an output that exists stops both ranks (exit 1,
no hang). Needs mpirun (openmpi-bin) and python3-h5py.
"""
import os
import shutil
import sys

from checks import Checks
import runs

MPIRUN = ["mpirun", "-np", "2", "--oversubscribe", "--allow-run-as-root"]

SCENARIO = """\
extends: {small}
targets: targets.yaml
parameters:
  stay_days: {{Beta: 45, Gamma: 30, default: 20}}
expulsions:
  - {{from: mine, to: post, daily_probability: 0.012, retry_share: 0.2}}
calibrate:
  - {{name: stay, set: parameters.stay_days.Beta, min: 10, max: 200, start: 45, search: log}}
  - {{name: expel, set: 'expulsions[from=mine].daily_probability', min: 0.001, max: 0.05,
     start: 0.012, search: log}}
"""

TARGETS = """\
targets:
  - {name: expelled, quantity: expulsions, from: 2024-01-15, to: 2024-03-30, observed: 2491, source: synthetic, tolerance: 0.05}
  - {name: in_beta, quantity: present, country: Beta, at: 2024-03-30, observed: 1575, source: synthetic, tolerance: 0.05}
"""

OPTIONS = ["--particles", "30", "--budget", "300", "--predictive", "12", "--seed", "2", "--quiet"]


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    binary, small = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    serial = os.path.abspath(os.environ.get("MIGFLOW_SERIAL_BINARY") or binary)
    if shutil.which("mpirun") is None:
        sys.exit("test_mpi_posterior: mpirun not found: install openmpi-bin")
    env = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMP_NUM_THREADS": "1"}
    checks = Checks()
    with checks.in_workdir("mpi-posterior"):
        with open("fit.yaml", "w") as f:
            f.write(SCENARIO.format(small=small))
        with open("targets.yaml", "w") as f:
            f.write(TARGETS)
        runs.run([serial, "posterior", "fit.yaml", "-o", "serial.h5", *OPTIONS], env=env)
        result = runs.run([*MPIRUN, binary, "posterior", "fit.yaml", "-o", "mpi.h5", *OPTIONS],
                          env=env, timeout=600)
        a, b = runs.read_all("serial.h5"), runs.read_all("mpi.h5")
        checks.check(sorted(a) == sorted(b), "same objects")
        for name in sorted(set(a) & set(b)):
            (va, aa), (vb, ab) = a[name], b[name]
            if va is not None:
                checks.check(runs.same_nan(va, vb), f"{name} identical")
            checks.check(sorted(aa) == sorted(ab) and all(runs.same_nan(aa[k], ab[k]) for k in aa),
                         f"attributes of {name} identical")
        checks.check(not os.path.exists("mpi.h5.resume"), "no checkpoint left")
        again = runs.run([*MPIRUN, binary, "posterior", "fit.yaml", "-o", "mpi.h5", *OPTIONS],
                         expect=None, env=env, timeout=300)
        checks.check(again.returncode != 0 and "file exists" in again.stderr,
                     "an existing output stops both ranks", f"{again.returncode} {again.stderr[-300:]}")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
