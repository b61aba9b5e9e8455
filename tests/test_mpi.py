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
import subprocess
import sys
import tempfile

from checks import Checks

try:
    import h5py
    import numpy as np
except ImportError as error:
    sys.exit(f"test_mpi: cannot import {error.name}: run with /usr/bin/python3 "
             "and install python3-h5py")

TIMING_ATTRS = {"wall_seconds", "created", "threads"}
REFERENCE_ATTRS = {"DIMENSION_LIST", "REFERENCE_LIST"}
MPIRUN = ["mpirun", "-np", "2", "--oversubscribe", "--allow-run-as-root"]


def run(command, expect=0, env_extra=None):
    env = dict(os.environ, OMP_NUM_THREADS="1", **(env_extra or {}))
    # A singleton MPI process run as root needs OpenMPI's consent too.
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600)
    if expect is not None and result.returncode != expect:
        sys.stdout.write(result.stdout)
        sys.stdout.write(result.stderr)
        raise RuntimeError(f"{' '.join(command)} exited with {result.returncode}")
    return result


def read_all(path):
    objects = {}

    def visit(name, item):
        attrs = {k: item.attrs[k] for k in item.attrs if k not in TIMING_ATTRS | REFERENCE_ATTRS}
        objects[name] = (item[()] if isinstance(item, h5py.Dataset) else None, attrs)

    with h5py.File(path, "r") as file:
        file.visititems(visit)
        objects["/"] = (None, {k: file.attrs[k] for k in file.attrs if k not in TIMING_ATTRS})
    return objects


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (str, bytes)) or isinstance(b, (str, bytes)):
        return type(a) is type(b) and a == b
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


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
    workdir = tempfile.mkdtemp(prefix="migflow-test-mpi-")
    os.chdir(workdir)
    checks = Checks()
    try:
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
    except Exception as error:  # report, count and keep the files
        checks.check(False, "test ran to the end", f"{type(error).__name__}: {error}")
    os.chdir("/")
    if checks.failed:
        print(f"files kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
