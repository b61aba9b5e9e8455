#!/usr/bin/python3
"""A batch over MPI ranks gives the data of the serial batch.

Usage: test_mpi.py MIGFLOW_MPI_BINARY BATCH_YAML

MIGFLOW_MPI_BINARY is a build with -Dmpi=enabled. The serial batch is run by
$MIGFLOW_SERIAL_BINARY (a build without MPI) when set, else by the MPI build
without mpirun (one rank). In a temporary directory of its own, runs

    mpirun -np 2 --oversubscribe --allow-run-as-root MIGFLOW batch BATCH_YAML

and checks that both ranks ran members and that the file equals the serial
one in every dataset and attribute except timings (wall_seconds, created,
threads). Then stops an MPI batch after one member per rank (the test hook
MIGFLOW_BATCH_STOP_AFTER=1), resumes it serially, and checks the result is
again identical. Needs mpirun (openmpi-bin) and python3-h5py.
"""
import os
import shutil
import sys

from checks import Checks
from runs import read_all, same
import runs

try:
    import h5py  # noqa: F401 (checked here, used through runs.py)
    import numpy as np  # noqa: F401 (checked here, used through runs.py)
except ImportError as error:
    sys.exit(f"test_mpi: cannot import {error.name}: run with /usr/bin/python3 "
             "and install python3-h5py")

MPIRUN = ["mpirun", "-np", "2", "--oversubscribe", "--allow-run-as-root"]


def run(command, expect=0, env_extra=None):
    # A singleton MPI process run as root needs OpenMPI's consent too.
    env = {"OMPI_ALLOW_RUN_AS_ROOT": os.environ.get("OMPI_ALLOW_RUN_AS_ROOT", "1"),
           "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": os.environ.get("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"),
           **(env_extra or {})}
    return runs.run(command, expect, env, timeout=3600)


def compare(checks, reference, other, label):
    checks.check(sorted(reference) == sorted(other), f"{label}: same objects",
                 repr(sorted(set(reference) ^ set(other))[:5]))
    datasets = 0
    for name in sorted(set(reference) & set(other)):
        (va, aa), (vb, ab) = reference[name], other[name]
        if va is not None:
            datasets += 1
            checks.check(same(va, vb), f"{label}: {name} identical")
        checks.check(sorted(aa) == sorted(ab) and all(same(aa[k], ab[k]) for k in aa),
                     f"{label}: attributes of {name} identical")
    checks.check(datasets > 0, f"{label}: datasets compared ({datasets})")


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: test_mpi.py MIGFLOW_MPI_BINARY BATCH_YAML")
    binary = os.path.abspath(argv[1])
    batch = os.path.abspath(argv[2])
    serial = os.path.abspath(os.environ.get("MIGFLOW_SERIAL_BINARY") or binary)
    if shutil.which("mpirun") is None:
        sys.exit("test_mpi: mpirun not found: install openmpi-bin")
    checks = Checks()
    with checks.in_workdir("mpi"):
        run([serial, "batch", batch, "-o", "serial.h5", "--quiet"])
        reference = read_all("serial.h5")
        checks.check(int(reference["/"][1].get("migflow_batch", 0)) == 1,
                     "serial batch written")

        result = run(MPIRUN + [binary, "batch", batch, "-o", "mpi.h5"])
        checks.check("over 2 ranks" in result.stdout and "on rank 1" in result.stdout,
                     "members ran on both ranks", result.stdout)
        checks.check(not os.path.exists("mpi.h5.work"), "work directory removed")
        compare(checks, reference, read_all("mpi.h5"), "2 ranks vs serial")

        # Interrupted over MPI (one member per rank), finished serially.
        stopped = run(MPIRUN + ["-x", "MIGFLOW_BATCH_STOP_AFTER=1", binary, "batch", batch,
                                "-o", "resumed.h5"], expect=None)
        checks.check(stopped.returncode != 0 and not os.path.exists("resumed.h5"),
                     "an interrupted MPI batch writes no file", f"{stopped.returncode}")
        kept = sorted(os.listdir("resumed.h5.work")) if os.path.isdir("resumed.h5.work") else []
        checks.check(len(kept) == 2 and all(f.endswith(".h5") for f in kept),
                     "each rank kept its finished member", repr(kept))
        resumed = run([serial, "batch", batch, "-o", "resumed.h5"])
        checks.check("2 kept" in resumed.stdout, "the serial run keeps them", resumed.stdout)
        compare(checks, reference, read_all("resumed.h5"), "MPI-interrupted, resumed vs serial")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
