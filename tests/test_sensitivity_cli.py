#!/usr/bin/python3
"""migflow sensitivity on the small test world: the file it writes, the
indices recomputed from its design and outputs, determinism across threads,
refusing an existing output, bad input.

Usage: test_sensitivity_cli.py MIGFLOW_BINARY SMALL_SCENARIO_YAML

Writes, in a temporary directory, a scenario extending the small one with a
`calibrate:` block of three free parameters and a targets file of three
targets, runs a Saltelli design of N = 64 base samples (320 points, 2
replicates each) with 1 and with 2 threads, and checks:

- the file opens with xarray (engine="h5netcdf"): dimensions, coordinates,
  variables with their dimensions, long_name and units, global attributes;
- the design: every row within the parameters' bounds, rows AB_i equal to A
  with column i from B, the bounds and log flags stored;
- the outputs are finite, and first_order, total, variance and
  sum_first_order equal what the estimators (Saltelli et al. 2010 with f(B)
  centred, Jansen 1999, V over A and B) give from the stored design and
  outputs, to 1e-9;
- 1 and 2 threads write identical files (but for wall_seconds);
- an existing output is refused without --force (exit 1, file untouched)
  and replaced with it;
- bad input: an unknown indicator (exit 1, the name and those available in
  the message), base samples not a power of two (exit 2), a scenario with no
  calibrate block (exit 1, the message names its file), an output directory
  that does not exist (exit 3, one line); no file left behind;
- the migflow package's open_sensitivity reads the file and
  scripts/plot_sensitivity.py draws it.
"""
import os
import sys

from checks import Checks
import runs

try:
    import numpy as np
    import xarray as xr
    import h5py  # noqa: F401 (runs.read_all)
except ImportError as error:
    sys.exit(f"test_sensitivity_cli: cannot import {error.name}: run with /usr/bin/python3 "
             "and install python3-xarray, python3-h5netcdf and python3-h5py")

N = 64
REPLICATES = 2
PARAMETERS = ["stay", "expel", "displacement"]
BOUNDS = {"stay": (10.0, 200.0, True), "expel": (0.001, 0.05, False),
          "displacement": (0.0001, 0.002, True)}
INDICATORS = ["passes", "expelled", "in_beta"]

SCENARIO = """\
extends: {small}
targets: targets.yaml
parameters:
  stay_days: {{Beta: 60, Gamma: 30, default: 20}}
  displacement_rate: 0.0005
expulsions:
  - {{from: mine, to: post, daily_probability: 0.01, retry_share: 0.2}}
calibrate:
  - {{name: stay, set: parameters.stay_days.Beta, min: 10, max: 200, start: 60, search: log}}
  - {{name: expel, set: 'expulsions[from=mine].daily_probability', min: 0.001, max: 0.05, start: 0.01}}
  - {{name: displacement, set: parameters.displacement_rate, min: 0.0001, max: 0.002, start: 0.0005, search: log}}
"""

TARGETS = """\
targets:
  - {name: passes, quantity: monitor_passes, from: 2024-01-15, to: 2024-02-28, observed: 1000, source: synthetic, tolerance: 0.1}
  - {name: expelled, quantity: expulsions, from: 2024-01-15, to: 2024-02-28, observed: 100, source: synthetic, tolerance: 0.1}
  - {name: in_beta, quantity: present, country: Beta, at: 2024-02-28, observed: 100, source: synthetic, tolerance: 0.1}
"""

VARIABLES = {
    "first_order": ("indicator", "parameter"),
    "first_order_low": ("indicator", "parameter"),
    "first_order_high": ("indicator", "parameter"),
    "total": ("indicator", "parameter"),
    "total_low": ("indicator", "parameter"),
    "total_high": ("indicator", "parameter"),
    "sum_first_order": ("indicator",),
    "variance": ("indicator",),
    "design": ("point", "parameter"),
    "outputs": ("point", "indicator"),
    "parameter_min": ("parameter",),
    "parameter_max": ("parameter",),
    "parameter_log_scale": ("parameter",),
}


def sensitivity(binary, *args, expect=0, threads=1):
    return runs.run([binary, "sensitivity", *args], expect=expect,
                    env={"OMP_NUM_THREADS": str(threads)})


def estimators(design, outputs, n, k):
    """S1 (Saltelli et al. 2010, f(B) centred), ST (Jansen 1999) and V over
    A and B, per indicator: arrays [indicator, parameter] and [indicator]."""
    y = np.asarray(outputs, dtype=float)
    a, b = y[:n], y[n:2 * n]
    both = np.concatenate([a, b])
    mean = both.mean(axis=0)
    variance = ((both - mean) ** 2).mean(axis=0)
    s1 = np.empty((y.shape[1], k))
    st = np.empty((y.shape[1], k))
    for i in range(k):
        ab = y[(2 + i) * n:(3 + i) * n]
        s1[:, i] = ((b - mean) * (ab - a)).mean(axis=0) / variance
        st[:, i] = ((a - ab) ** 2).mean(axis=0) / 2 / variance
    return s1, st, variance


def check_file(checks, path):
    ds = xr.open_dataset(path, engine="h5netcdf")
    try:
        k, points = len(PARAMETERS), N * (len(PARAMETERS) + 2)
        checks.check(dict(ds.sizes) == {"indicator": 3, "parameter": k, "point": points},
                     "dimensions indicator 3, parameter 3, point N (k + 2)", f"{dict(ds.sizes)}")
        checks.check(list(ds["indicator"].values) == INDICATORS, "indicator coordinate",
                     f"{list(ds['indicator'].values)}")
        checks.check(list(ds["parameter"].values) == PARAMETERS, "parameter coordinate",
                     f"{list(ds['parameter'].values)}")
        for name, dims in VARIABLES.items():
            if not checks.check(name in ds.variables, f"variable {name}"):
                return
            var = ds[name]
            checks.check(var.dims == dims, f"{name} has dims {dims}", f"{var.dims}")
            # Parameters come in units of their own: those variables have none.
            own = name in ("design", "parameter_min", "parameter_max")
            checks.check(bool(var.attrs.get("long_name")) and (own or bool(var.attrs.get("units"))),
                         f"{name} has long_name and units", f"{var.attrs}")
        for name in ["first_order", "total", "sum_first_order"]:
            checks.check(ds[name].attrs["units"] == "1", f"{name} in units 1")
        attrs = ds.attrs
        for name in ["scenario_path", "scenario", "targets_path", "seed", "base_samples",
                     "replicates", "agent_scale", "engine_version", "wall_seconds",
                     "simulations", "estimators", "complete"]:
            checks.check(name in attrs, f"global attribute {name}")
        checks.check(int(attrs.get("complete", 0)) == 1, "complete = 1")
        checks.check(int(attrs.get("base_samples", 0)) == N, f"base_samples = {N}")
        checks.check(int(attrs.get("replicates", 0)) == REPLICATES, f"replicates = {REPLICATES}")
        checks.check(int(attrs.get("simulations", 0)) == points * REPLICATES,
                     "simulations = points x replicates", f"{attrs.get('simulations')}")
        checks.check(int(attrs.get("seed", -1)) == 42, "seed is the scenario's (42)")
        checks.check("Saltelli et al. 2010" in str(attrs.get("estimators"))
                     and "Jansen 1999" in str(attrs.get("estimators")), "estimators named")
        checks.check(str(attrs.get("targets_path", "")).endswith("targets.yaml"), "targets_path")
        checks.check("calibrate:" in str(attrs.get("scenario", "")), "resolved scenario text")

        design = ds["design"].values
        low = np.array([BOUNDS[p][0] for p in PARAMETERS])
        high = np.array([BOUNDS[p][1] for p in PARAMETERS])
        logs = np.array([BOUNDS[p][2] for p in PARAMETERS], dtype=int)
        checks.check(np.array_equal(ds["parameter_min"].values, low), "parameter_min stored")
        checks.check(np.array_equal(ds["parameter_max"].values, high), "parameter_max stored")
        checks.check(np.array_equal(ds["parameter_log_scale"].values, logs),
                     "parameter_log_scale stored", f"{ds['parameter_log_scale'].values}")
        checks.check(bool(np.all((design >= low) & (design <= high))),
                     "every design row within the bounds",
                     f"min {design.min(axis=0)}, max {design.max(axis=0)}")
        a, b = design[:N], design[N:2 * N]
        checks.check(len(np.unique(a[:, 0])) == N, "A's rows differ")
        layout = True
        for i in range(k):
            expected = a.copy()
            expected[:, i] = b[:, i]
            layout &= np.array_equal(design[(2 + i) * N:(3 + i) * N], expected)
        checks.check(layout, "rows AB_i are A with column i from B")
        # On a log scale the sample fills the range in the logarithm: its
        # median is near the geometric mean, not the arithmetic one.
        stay = np.concatenate([a[:, 0], b[:, 0]])
        checks.check(abs(np.log(np.median(stay)) - np.log(np.sqrt(10 * 200))) < 0.3,
                     "a log-scale parameter is sampled uniformly in its logarithm",
                     f"median {np.median(stay)}")

        outputs = ds["outputs"].values
        checks.check(bool(np.all(np.isfinite(outputs))), "outputs are finite")
        checks.check(bool(np.all(outputs.std(axis=0) > 0)), "every indicator varies")
        s1, st, variance = estimators(design, outputs, N, k)
        for name, mine, theirs in [("first_order", s1, ds["first_order"].values),
                                   ("total", st, ds["total"].values)]:
            checks.check(np.allclose(theirs, mine, rtol=0, atol=1e-9),
                         f"{name} equals the Python estimator to 1e-9",
                         f"file {theirs.tolist()}, Python {mine.tolist()}")
        checks.check(np.allclose(ds["variance"].values, variance, rtol=1e-9, atol=0),
                     "variance equals V over A and B (relative 1e-9)")
        checks.check(np.allclose(ds["sum_first_order"].values, s1.sum(axis=1), rtol=0,
                                 atol=1e-9), "sum_first_order is the sum of S1")
        for name in ["first_order", "total"]:
            lo, hi = ds[f"{name}_low"].values, ds[f"{name}_high"].values
            checks.check(bool(np.all(np.isfinite(lo) & np.isfinite(hi) & (lo <= hi))),
                         f"{name} intervals finite with low <= high")
        # The world has a known structure: expulsions depend on the
        # expulsion rate, the stock in Beta on the stay there.
        st_file = ds["total"].values
        checks.check(st_file[1, 1] > 0.5 and st_file[2, 0] > 0.5,
                     "expel drives 'expelled' and stay drives 'in_beta' (ST > 0.5)",
                     f"{st_file.tolist()}")
    finally:
        ds.close()


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: test_sensitivity_cli.py MIGFLOW_BINARY SMALL_SCENARIO_YAML")
    binary = os.path.abspath(argv[1])
    small = os.path.abspath(argv[2])
    checks = Checks()
    with checks.in_workdir("sensitivity") as workdir:
        with open("scenario.yaml", "w", encoding="utf-8") as file:
            file.write(SCENARIO.format(small=small))
        with open("targets.yaml", "w", encoding="utf-8") as file:
            file.write(TARGETS)
        common = ["scenario.yaml", "--base-samples", str(N), "--replicates", str(REPLICATES),
                  "--resamples", "200", "--quiet"]
        one = os.path.join(workdir, "sa1.h5")
        two = os.path.join(workdir, "sa2.h5")
        sensitivity(binary, *common, "-o", one, "--threads", "1", threads=1)
        sensitivity(binary, *common, "-o", two, "--threads", "2", threads=2)
        checks.check(os.path.exists(one) and not os.path.exists(one + ".partial"),
                     "output written, no partial file left")
        check_file(checks, one)

        first, second = runs.read_all(one), runs.read_all(two)
        differ = sorted(name for name in set(first) | set(second)
                        if name not in first or name not in second
                        or not runs.same(first[name][0], second[name][0])
                        or set(first[name][1]) != set(second[name][1])
                        or not all(runs.same(first[name][1][key], second[name][1][key])
                                   for key in first[name][1]))
        checks.check(not differ, "1 and 2 threads write identical files", f"differ: {differ}")

        # The table on stdout.
        printed = sensitivity(binary, *common[:-1], "-o", "printed.h5", "--threads", "2",
                              threads=2)
        checks.check("sum of S1" in printed.stdout and "expel" in printed.stdout
                     and "[5 %, 95 %]" in printed.stdout, "the table is printed",
                     printed.stdout[:400])

        # An existing output is refused without --force.
        before = open(one, "rb").read()
        stat = os.stat(one)
        refused = sensitivity(binary, *common, "-o", one, expect=None)
        checks.check(refused.returncode == 1, "an existing output is refused (exit 1)",
                     f"exit {refused.returncode}: {refused.stderr}")
        checks.check("--force" in refused.stderr, "the message suggests --force", refused.stderr)
        checks.check(open(one, "rb").read() == before and os.stat(one).st_mtime_ns ==
                     stat.st_mtime_ns, "the existing file is untouched")
        forced = sensitivity(binary, *common, "-o", one, "--force", "--base-samples", "4",
                             expect=None)
        checks.check(forced.returncode == 0, "--force replaces it", forced.stderr)

        # Bad input: a message, the exit code, no file.
        bad = os.path.join(workdir, "bad.h5")
        unknown = sensitivity(binary, *common, "-o", bad, "--indicators", "passes,nosuch",
                              expect=None)
        checks.check(unknown.returncode in (1, 2), "an unknown indicator is refused (exit 1 or 2)",
                     f"exit {unknown.returncode}")
        checks.check("nosuch" in unknown.stderr and "in_beta" in unknown.stderr,
                     "the message names it and lists those available", unknown.stderr)
        for samples in ["48", "1", "0", "x"]:
            result = sensitivity(binary, "scenario.yaml", "-o", bad, "--base-samples", samples,
                                 expect=None)
            checks.check(result.returncode == 2, f"--base-samples {samples} is refused (exit 2)",
                         f"exit {result.returncode}: {result.stderr}")
        nofree = sensitivity(binary, small, "--targets", "targets.yaml", "-o", bad, expect=None)
        checks.check(nofree.returncode == 1, "a scenario without calibrate block: exit 1",
                     f"exit {nofree.returncode}")
        checks.check(small in nofree.stderr and "calibrate" in nofree.stderr,
                     "the message names the scenario file", nofree.stderr)
        missing = os.path.join(workdir, "no-such-dir", "sa.h5")
        io = sensitivity(binary, *common, "-o", missing, expect=None)
        checks.check(io.returncode == 3 and len(io.stderr.strip().splitlines()) == 1
                     and missing in io.stderr,
                     "a directory that does not exist: one line, exit 3", io.stderr)
        checks.check(not os.path.exists(bad) and not os.path.exists(bad + ".partial"),
                     "no file left by bad input")
        checks.check(sorted(os.listdir(workdir)) == ["printed.h5", "sa1.h5", "sa2.h5",
                                                    "scenario.yaml", "targets.yaml"],
                     "nothing else in the directory", f"{sorted(os.listdir(workdir))}")

        # The Python side: migflow.open_sensitivity and the plot script.
        scripts = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                               "scripts")
        import migflow
        ds = migflow.open_sensitivity(two)
        checks.check(list(ds["parameter"].values) == PARAMETERS
                     and ds["first_order"].shape == (3, 3), "migflow.open_sensitivity")
        png = os.path.join(workdir, "sa.png")
        plot = runs.capture("/usr/bin/python3", os.path.join(scripts, "plot_sensitivity.py"),
                            two, "-o", png)
        checks.check(plot.returncode == 0 and os.path.getsize(png) > 10000
                     and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n",
                     "plot_sensitivity.py draws a PNG", plot.stderr)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
