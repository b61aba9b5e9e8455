#!/usr/bin/python3
"""The mechanisms of issue 14 are off by default: at their defaults the
output is bit-identical to the engine's before them.

Usage: test_mechanisms_off.py MIGFLOW_BINARY SMALL_SCENARIO_YAML

1. Runs the small test world (every other mechanism on) and compares a
   SHA-256 of every dataset (name, dtype, shape, bytes) with the digest
   main's binary gave at bce11f7, before the mechanisms. When the engine's
   results change on purpose, record the new digest here with the reason.
2. Runs it again with every new parameter written out at its default
   value: the datasets are identical to the first run's.

The same check on the baseline and niger-collapse at agent scale 10 was
done by hand against main's binary when the mechanisms landed (every
dataset identical; scenarios/README.md). Needs python3-h5py.
"""
import hashlib
import os
import sys

from checks import Checks
from runs import read_datasets, same
import runs

# main at bce11f7 (before issue 14's mechanisms), 2 threads, the small world.
DIGEST = "886ad5d851baf27b800b3d59d4b42355a525461c17a96560e226736330e4a193"

DEFAULTS = {
    "state_retreat": 0, "enforcement_fare_share": 0, "armed_group_tax_usd": 0,
    "kidnap_per_crossing": 0, "onward_distress_rate": 0, "onward_distress_days": 365,
    "onward_insecurity_rate": 0, "refuge_temperature": 0, "refuge_security_days": 0,
    "queue_cost": 0, "queue_smoothing": 0.1, "onward_factor": "{default: 1}",
}


def digest(datasets):
    h = hashlib.sha256()
    for name in sorted(datasets):
        values = datasets[name][0]
        h.update(name.encode())
        h.update(str(values.dtype).encode() + str(values.shape).encode())
        h.update(values.tobytes() if values.dtype.kind != "O" else repr(values.tolist()).encode())
    return h.hexdigest()


def main():
    binary, small = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    checks = Checks()
    with checks.in_workdir("mechanisms-off"):
        runs.run([binary, "run", small, "-o", "plain.h5", "--quiet"], env={"OMP_NUM_THREADS": "2"})
        plain, _ = read_datasets("plain.h5")
        got = digest(plain)
        checks.check(got == DIGEST, "the small world's datasets have main's digest",
                     f"got {got}, expected {DIGEST}")
        lines = [f"extends: {small}", "parameters:"]
        lines += [f"  {name}: {value}" for name, value in DEFAULTS.items()]
        with open("defaults.yaml", "w") as f:
            f.write("\n".join(lines) + "\n")
        runs.run([binary, "run", "defaults.yaml", "-o", "defaults.h5", "--quiet"],
                 env={"OMP_NUM_THREADS": "2"})
        written, _ = read_datasets("defaults.h5")
        checks.check(set(written) == set(plain), "the same datasets")
        for name in sorted(plain):
            if name in written:
                checks.check(same(plain[name][0], written[name][0]),
                             f"{name} identical with the new parameters written out")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
