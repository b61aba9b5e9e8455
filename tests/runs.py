"""Running migflow and reading its HDF5 files back, shared by the Python
tests. h5py and numpy are imported where used, so that each test can say
which package is missing before it gets here."""

import os
import subprocess
import sys

# Root attributes that differ between two runs of the same thing.
TIMING_ATTRS = {"wall_seconds", "created", "history", "threads"}
# HDF5 dimension-scale bookkeeping: object references, not comparable values.
REFERENCE_ATTRS = {"DIMENSION_LIST", "REFERENCE_LIST"}


def run(command, expect=0, env=None, timeout=1800):
    """Runs command with OMP_NUM_THREADS=1 unless env sets it; prints its
    output and raises when its exit status is not expect (None: any)."""
    full_env = dict(os.environ, OMP_NUM_THREADS="1")
    full_env.update(env or {})
    result = subprocess.run(command, capture_output=True, text=True, env=full_env,
                            timeout=timeout)
    if expect is not None and result.returncode != expect:
        sys.stdout.write(result.stdout)
        sys.stdout.write(result.stderr)
        raise RuntimeError(f"{' '.join(command)} exited with {result.returncode}, "
                           f"expected {expect}")
    return result


def capture(*args):
    """Runs a command as it is (environment untouched) and returns the
    CompletedProcess with its output as text, whatever its exit status."""
    return subprocess.run(args, capture_output=True, text=True)


def text(value):
    """An HDF5 string (bytes or str) as str."""
    return value.decode() if isinstance(value, bytes) else str(value)


def read_all(path, skip=TIMING_ATTRS):
    """Every object: name -> (values, or None for a group, attributes), the
    root as "/"; attributes in skip are left out."""
    import h5py
    objects = {}

    def visit(name, item):
        attrs = {k: item.attrs[k] for k in item.attrs if k not in skip | REFERENCE_ATTRS}
        objects[name] = (item[()] if isinstance(item, h5py.Dataset) else None, attrs)

    with h5py.File(path, "r") as file:
        file.visititems(visit)
        objects["/"] = (None, {k: file.attrs[k] for k in file.attrs if k not in skip})
    return objects


def read_datasets(path):
    """Every dataset: name -> (array, attributes), and the root attributes."""
    import h5py
    datasets = {}

    def visit(name, item):
        if isinstance(item, h5py.Dataset):
            attrs = {k: item.attrs[k] for k in item.attrs if k not in REFERENCE_ATTRS}
            datasets[name] = (item[()], attrs)

    with h5py.File(path, "r") as file:
        file.visititems(visit)
        root = {k: file.attrs[k] for k in file.attrs}
    return datasets, root


def same_nan(a, b):
    """same(), with NaN equal to NaN in float arrays (a posterior's priors
    store NaN means and sds for uniform ones)."""
    import numpy as np
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype.kind == "f":
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return same(a, b)


def same(a, b):
    """Equal values: same type for text, same dtype, shape and elements for
    arrays; None only equals None."""
    import numpy as np
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (str, bytes)) or isinstance(b, (str, bytes)):
        return type(a) is type(b) and a == b
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


def differences(a, b, equal=None):
    """What differs between two files read by read_all: missing objects,
    values, attribute names and values (compared with equal, default same),
    as short texts; empty when they are the same."""
    equal = equal or same
    found = []
    if sorted(a) != sorted(b):
        found.append(f"objects {sorted(set(a) ^ set(b))[:5]}")
    for name in sorted(set(a) & set(b)):
        (va, aa), (vb, ab) = a[name], b[name]
        if not equal(va, vb):
            found.append(f"values of {name}")
        if sorted(aa) != sorted(ab):
            found.append(f"attributes of {name}: {sorted(set(aa) ^ set(ab))}")
        else:
            found += [f"attribute {name}:{k}" for k in aa if not equal(aa[k], ab[k])]
    return found
