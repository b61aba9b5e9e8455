#!/usr/bin/python3
"""migflow posterior and the runs under a posterior, from the command line,
on the small test world.

Usage: test_posterior_cli.py MIGFLOW_BINARY SMALL_SCENARIO_YAML

Writes, in a temporary directory, a scenario extending the small one with
a `calibrate:` block of three free parameters (one with a stated normal
prior) and a targets file whose observations the model made at known
values, and checks:

- `migflow posterior` writes a file that opens with xarray (h5netcdf) and
  migflow.open_posterior: dimensions, weights summing to 1 in every
  generation, distances within each generation's tolerance, the summary
  matching the weighted moments of the last generation, the predictive
  check's quantiles and `inside` flags matching its draws;
- interrupted by SIGTERM once its first generation is saved: exit 75, no
  POST.h5, a POST.h5.resume; the same command again goes on from it and
  writes a file identical (every dataset and attribute but timings) to the
  uninterrupted run's; a saved run of other settings is refused (exit 1);
- an existing output is refused without --force (exit 1);
- `--summary POST.h5` prints the parameters and the predictive check; a
  run file is refused (exit 1);
- `migflow run --posterior POST.h5 --draws 3` records replicate_parameters
  equal to the particles replicate_particle names, the same for a what-if
  with the same seed; `migflow compare` says the replicates share their
  parameters; bad command lines exit 2;
- `migflow sensitivity --posterior` samples the posterior 5-95 % intervals;
- scripts/plot_posterior.py draws the pair plot and the predictive check.
"""
import os
import signal
import subprocess
import sys
import time

from checks import Checks
import runs

try:
    import numpy as np
    import xarray as xr
    import h5py  # noqa: F401 (runs.read_all)
except ImportError as error:
    sys.exit(f"test_posterior_cli: cannot import {error.name}: run with /usr/bin/python3 "
             "and install python3-xarray, python3-h5netcdf and python3-h5py")

SCENARIO = """\
extends: {small}
targets: targets.yaml
parameters:
  stay_days: {{Beta: 45, Gamma: 30, default: 20}}
expulsions:
  - {{from: mine, to: post, daily_probability: 0.012, retry_share: 0.2}}
calibrate:
  - {{name: stay, set: parameters.stay_days.Beta, min: 10, max: 200, start: 45, search: log}}
  - {{name: expel, set: 'expulsions[from=mine].daily_probability', min: 0.001, max: 0.05, start: 0.012,
     search: log}}
  - {{name: retry, set: parameters.retry_after_interception, min: 0.1, max: 0.9, start: 0.5,
     prior: {{family: normal, mean: 0.5, sd: 0.2}}}}
"""

WHATIF = """\
extends: fit.yaml
events:
  - {date: 2024-02-20, kind: closure, link: [work, coast]}
"""

TARGETS = """\
targets:
  - {{name: passes, quantity: monitor_passes, from: 2024-01-15, to: 2024-03-30, observed: {0}, source: synthetic, tolerance: 0.05}}
  - {{name: expelled, quantity: expulsions, from: 2024-01-15, to: 2024-03-30, observed: {1}, source: synthetic, tolerance: 0.05}}
  - {{name: in_beta, quantity: present, country: Beta, at: 2024-03-30, observed: {2}, source: synthetic, tolerance: 0.05}}
"""

OPTIONS = ["--particles", "40", "--budget", "400", "--predictive", "20", "--seed", "3"]


def posterior(binary, *args, expect=0, threads=2):
    return runs.run([binary, "posterior", *args], expect=expect,
                    env={"OMP_NUM_THREADS": str(threads)})


def observed_values(binary):
    """The targets as the model makes them at the file's values (seed 8)."""
    with open("targets.yaml", "w") as f:
        f.write(TARGETS.format(1, 1, 1))
    runs.run([binary, "calibrate", "fit.yaml", "--evaluate", "--replicates", "1", "--seed", "8",
              "--report-json", "truth.json"], expect=0)
    import json
    report = json.load(open("truth.json"))
    values = {t["name"]: t["mean"] for t in report["targets"]}
    with open("targets.yaml", "w") as f:
        f.write(TARGETS.format(values["passes"], values["expelled"], values["in_beta"]))
    return values


def check_file(checks, path):
    ds = xr.open_dataset(path, engine="h5netcdf")
    try:
        g = ds.sizes["generation"]
        checks.check(ds.sizes["particle"] == 40 and ds.sizes["parameter"] == 3
                     and ds.sizes["target"] == 3 and ds.sizes["draw"] == 20 and g >= 2,
                     "dimensions particle 40, parameter 3, target 3, draw 20, generations >= 2",
                     f"{dict(ds.sizes)}")
        checks.check(list(ds["parameter"].values) == ["stay", "expel", "retry"],
                     "parameter coordinate")
        checks.check(list(ds["prior_family"].values) == ["log-uniform", "log-uniform", "normal"],
                     "prior families", f"{list(ds['prior_family'].values)}")
        w = ds["weights"].values
        checks.check(np.allclose(w.sum(axis=1), 1.0, atol=1e-12), "weights sum to 1 per generation")
        d, tol = ds["distances"].values, ds["tolerance"].values
        checks.check(np.isinf(tol[0]) and all((d[i] <= tol[i]).all() for i in range(1, g)),
                     "distances within each generation's tolerance")
        checks.check(all(tol[i] < tol[i - 1] for i in range(1, g)), "tolerances decrease",
                     f"{tol}")
        x, wl = ds["particles"].values[-1], w[-1]
        mean = (wl[:, None] * x).sum(axis=0)
        checks.check(np.allclose(mean, ds["posterior_mean"].values, rtol=1e-12),
                     "posterior_mean is the weighted mean of the last generation")
        lo, hi = ds["prior_min"].values, ds["prior_max"].values
        checks.check(((x >= lo) & (x <= hi)).all(), "particles within the prior's bounds")
        pred = ds["predictive"].values
        q05 = np.percentile(pred, 5, axis=0)
        q95 = np.percentile(pred, 95, axis=0)
        checks.check(np.allclose(q05, ds["predictive_q05"].values)
                     and np.allclose(q95, ds["predictive_q95"].values),
                     "predictive quantiles are numpy's percentiles of the draws")
        obs = ds["target_observed"].values
        inside = (obs >= q05) & (obs <= q95)
        checks.check((inside == ds["predictive_inside"].values.astype(bool)).all(),
                     "predictive_inside", f"{inside} vs {ds['predictive_inside'].values}")
        checks.check(int(ds.attrs["complete"]) == 1 and int(ds.attrs["migflow_posterior"]) == 1
                     and int(ds.attrs["simulations"]) <= 400, "attributes complete, simulations")
    finally:
        ds.close()


def interrupted_run(binary, output):
    """Starts the posterior, sends SIGTERM once the first generation is
    saved, returns (exit status, stderr)."""
    env = dict(os.environ, OMP_NUM_THREADS="2")
    process = subprocess.Popen([binary, "posterior", "fit.yaml", "-o", output, *OPTIONS],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    deadline = time.monotonic() + 120
    while not os.path.exists(output + ".resume") and process.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=300)
    return process.returncode, err


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    binary, small = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    checks = Checks()
    with checks.in_workdir("posterior") as workdir:
        with open("fit.yaml", "w") as f:
            f.write(SCENARIO.format(small=small))
        with open("whatif.yaml", "w") as f:
            f.write(WHATIF)
        truth = observed_values(binary)
        checks.check(all(v > 0 for v in truth.values()), "the model's targets", f"{truth}")

        posterior(binary, "fit.yaml", "-o", "whole.h5", *OPTIONS)
        check_file(checks, "whole.h5")
        checks.check(not os.path.exists("whole.h5.resume"), "no checkpoint left after success")

        # Interrupted after a generation, then resumed by the same command.
        status, err = interrupted_run(binary, "resumed.h5")
        checks.check(status == 75 and not os.path.exists("resumed.h5")
                     and os.path.exists("resumed.h5.resume"),
                     "SIGTERM: exit 75, no output, a checkpoint", f"{status} {err}")
        checks.check("run the same command again" in err, "the interruption says how to go on", err)
        saved = xr.open_dataset("resumed.h5.resume", engine="h5netcdf")
        checks.check(int(saved.attrs["complete"]) == 0 and saved.sizes["generation"] >= 1,
                     "the checkpoint is marked unfinished", f"{saved.attrs.get('complete')}")
        saved.close()
        other = posterior(binary, "fit.yaml", "-o", "resumed.h5", *OPTIONS[:-1], "4", expect=1)
        checks.check("other settings (seed 3, not 4)" in other.stderr,
                     "a checkpoint of other settings is refused", other.stderr)
        again = posterior(binary, "fit.yaml", "-o", "resumed.h5", *OPTIONS)
        checks.check("resuming from resumed.h5.resume" in again.stderr, "resumes", again.stderr)
        a, b = runs.read_all("whole.h5"), runs.read_all("resumed.h5")
        differ = [k for k in a if k not in b or not runs.same_nan(a[k][0], b[k][0])
                  or set(a[k][1]) != set(b[k][1])
                  or any(not runs.same_nan(a[k][1][n], b[k][1][n]) for n in a[k][1])]
        checks.check(not differ and set(a) == set(b),
                     "resumed file identical to the uninterrupted one", f"{differ}")
        checks.check(not os.path.exists("resumed.h5.resume"), "checkpoint removed when done")

        refused = posterior(binary, "fit.yaml", "-o", "whole.h5", *OPTIONS, expect=1)
        checks.check("exists" in refused.stderr, "existing output refused", refused.stderr)
        summary = posterior(binary, "--summary", "whole.h5")
        checks.check("posterior predictive check" in summary.stdout and "retry" in summary.stdout
                     and "normal" in summary.stdout, "--summary prints the tables")

        # Runs under the posterior, paired across what-ifs.
        runs.run([binary, "run", "fit.yaml", "--posterior", "whole.h5", "--draws", "3",
                  "--seed", "5", "-o", "base.h5", "--quiet"])
        runs.run([binary, "run", "whatif.yaml", "--posterior", "whole.h5", "--draws", "3",
                  "--seed", "5", "-o", "alt.h5", "--quiet"])
        post = xr.open_dataset("whole.h5", engine="h5netcdf")
        base = xr.open_dataset("base.h5", engine="h5netcdf")
        alt = xr.open_dataset("alt.h5", engine="h5netcdf")
        particle = base["replicate_particle"].values.astype(int)
        checks.check(base["replicate_parameters"].dims == ("replicate", "parameter")
                     and np.array_equal(base["replicate_parameters"].values,
                                        post["particles"].values[-1][particle]),
                     "replicate_parameters are the drawn particles")
        checks.check(np.array_equal(base["replicate_parameters"].values,
                                    alt["replicate_parameters"].values),
                     "a what-if with the same seed draws the same parameters")
        # Replicate 0 ran at its drawn expulsion rate: the sum differs from
        # a plain run at the file's value unless the draw equals it.
        checks.check(base.sizes["replicate"] == 3 and base.attrs["posterior"] == "whole.h5",
                     "3 replicates, the posterior named")
        for ds in (post, base, alt):
            ds.close()
        compared = runs.run([binary, "compare", "base.h5", "alt.h5"])
        checks.check("same parameters, drawn from a posterior" in compared.stdout,
                     "compare pairs replicates with the same parameters", compared.stdout)
        runs.run([binary, "run", "fit.yaml", "--replicates", "3", "--seed", "5", "-o", "plain.h5",
                  "--quiet"])
        mixed = runs.run([binary, "compare", "plain.h5", "alt.h5"])
        checks.check("do not share their parameters" in mixed.stdout,
                     "compare warns when only one run drew parameters", mixed.stdout)
        for bad in (["--draws", "3"], ["--posterior", "whole.h5"],
                    ["--posterior", "whole.h5", "--draws", "2", "--replicates", "2"]):
            result = runs.run([binary, "run", "fit.yaml", "-o", "x.h5", *bad], expect=None)
            checks.check(result.returncode == 2 and not os.path.exists("x.h5"),
                         f"run {' '.join(bad)}: exit 2", f"{result.returncode} {result.stderr}")
        wrong = runs.run([binary, "run", "fit.yaml", "--posterior", "base.h5", "--draws", "2",
                          "-o", "x.h5"], expect=None)
        checks.check(wrong.returncode == 1 and "not a migflow posterior" in wrong.stderr
                     and not os.path.exists("x.h5"), "a run file is no posterior (exit 1)",
                     wrong.stderr)
        summary_bad = posterior(binary, "--summary", "base.h5", expect=1)
        checks.check("not a migflow posterior" in summary_bad.stderr, "--summary of a run file")
        small_budget = posterior(binary, "fit.yaml", "--particles", "50", "--budget", "10",
                                 expect=2)
        checks.check("below the 50 particles" in small_budget.stderr, "budget below particles")

        # Sensitivity over the posterior: its 5-95 % intervals as ranges.
        runs.run([binary, "sensitivity", "fit.yaml", "--posterior", "whole.h5", "--base-samples",
                  "8", "--resamples", "0", "-o", "sa.h5", "--quiet"])
        post = xr.open_dataset("whole.h5", engine="h5netcdf")
        sa = xr.open_dataset("sa.h5", engine="h5netcdf")
        design = sa["design"].values
        checks.check(np.array_equal(sa["parameter_min"].values, post["posterior_q05"].values)
                     and np.array_equal(sa["parameter_max"].values, post["posterior_q95"].values)
                     and (design >= post["posterior_q05"].values).all()
                     and (design <= post["posterior_q95"].values).all(),
                     "sensitivity --posterior samples the posterior 5-95 % intervals")
        post.close()
        sa.close()

        # The Python side.
        scripts = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                               "scripts")
        import migflow
        ds = migflow.open_posterior("whole.h5")
        table = migflow.posterior_summary(ds)
        checks.check(list(table.index) == ["stay", "expel", "retry"]
                     and (table["q05"] <= table["q95"]).all(), "migflow.posterior_summary")
        try:
            migflow.open_posterior("resumed.h5.resume")
            checks.check(False, "open_posterior refuses a missing checkpoint")
        except (OSError, ValueError):
            checks.check(True, "open_posterior refuses what is not a finished posterior")
        pairs, check = os.path.join(workdir, "pairs.png"), os.path.join(workdir, "check.png")
        plot = runs.capture("/usr/bin/python3", os.path.join(scripts, "plot_posterior.py"),
                            "whole.h5", "-o", pairs, "--check", check)
        checks.check(plot.returncode == 0 and all(
            os.path.getsize(p) > 10000 and open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
            for p in (pairs, check)), "plot_posterior.py draws both PNGs", plot.stderr)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
