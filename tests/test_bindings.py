"""migflow.run and migflow.check from Python (python/migflow/bindings.py over
libmigflow's shared library), under pytest:

- the small world through migflow.run is the CLI's file for the same seed,
  days and threads: every variable (data, dimensions, dtype, attributes)
  and every root attribute but the timing ones, one run and with replicates;
- a scenario as YAML text (its files relative to base_dir) runs as its file;
- parameters={...} changes the run as the same value in the scenario's
  `parameters:` block does (migflow run has no --set: a scenario that
  extends the small world and sets it is the CLI's way);
- every bad input of tests/data/bad/cases.txt raises ScenarioError from
  check and run, with the file:line:column and field the CLI prints;
- two threads calling run at once get what serial calls get;
- progress is called every day; returning False cancels; an exception in
  it stops the run and is raised; Ctrl-C (SIGINT) stops it too.

Environment (tests/meson.build): PYTHONPATH (python/), MIGFLOW_LIBRARY,
MIGFLOW_BINARY (the CLI) and MIGFLOW_TEST_DATA (tests/data).
"""
import os
import signal
import subprocess
import threading
import time

import numpy as np
import pytest

import migflow

DATA = os.environ.get("MIGFLOW_TEST_DATA",
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
SMALL = os.path.join(DATA, "small", "scenario.yaml")
BINARY = os.environ.get("MIGFLOW_BINARY", "")
# Root attributes that differ between two runs of the same thing.
TIMING = {"history", "created", "wall_seconds"}


def cli_run(tmp_path, scenario, name, *options):
    """The CLI's file for scenario, opened as migflow.open_run opens it."""
    if not os.access(BINARY, os.X_OK):
        pytest.fail(f"MIGFLOW_BINARY is not the migflow program: {BINARY!r}")
    out = tmp_path / f"{name}.h5"
    subprocess.run([BINARY, "run", os.fspath(scenario), "-o", os.fspath(out), "--quiet",
                    *map(str, options)], check=True, env=dict(os.environ, OMP_NUM_THREADS="2"))
    ds = migflow.open_run(out)
    ds.attrs.pop("migflow_path", None)
    return ds


def same_values(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind == "f":
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


def same_attrs(a, b):
    return a.keys() == b.keys() and all(same_values(a[k], b[k]) for k in a)


def assert_same(got, want, data_only=False):
    """Every variable and coordinate equal (values, dims, dtype and, unless
    data_only, attributes), and the root attributes but the timing ones."""
    assert sorted(got.variables) == sorted(want.variables)
    for name in want.variables:
        g, w = got[name].variable, want[name].variable
        assert g.dims == w.dims, name
        assert same_values(g.values, w.values), f"{name} differs"
        if not data_only:
            assert same_attrs(g.attrs, w.attrs), f"attributes of {name} differ"
    if not data_only:
        keep = lambda attrs: {k: v for k, v in attrs.items() if k not in TIMING}  # noqa: E731
        assert same_attrs(keep(got.attrs), keep(want.attrs))


def test_run_is_the_cli_file(tmp_path):
    got = migflow.run(SMALL, days=60, seed=7, threads=2)
    assert got.sizes["time"] == 60
    assert_same(got, cli_run(tmp_path, SMALL, "one", "--days", 60, "--seed", 7,
                             "--threads", 2))


def test_replicates_are_the_cli_file(tmp_path):
    got = migflow.run(SMALL, days=40, seed=3, replicates=3, threads=2)
    assert got.sizes["replicate"] == 3 and "summary_occupancy" in got.variables
    assert_same(got, cli_run(tmp_path, SMALL, "ensemble", "--days", 40, "--seed", 3,
                             "--replicates", 3, "--threads", 2))


def test_one_replicate_and_agent_scale(tmp_path):
    got = migflow.run(SMALL, days=30, replicate=2, agent_scale=3, threads=2)
    assert_same(got, cli_run(tmp_path, SMALL, "rep", "--days", 30, "--replicate", 2,
                             "--agent-scale", 3, "--threads", 2))


def test_yaml_text_runs_as_its_file():
    with open(SMALL, encoding="utf-8") as f:
        text = f.read()
    small_dir = os.path.dirname(SMALL)
    from_text = migflow.run(text, days=30, threads=2, base_dir=small_dir)
    from_file = migflow.run(SMALL, days=30, threads=2)
    assert_same(from_text, from_file, data_only=True)
    extends = "extends: scenario.yaml\nseed: 11\n"
    assert_same(migflow.run(extends, days=30, threads=2, base_dir=small_dir),
                migflow.run(SMALL, days=30, seed=11, threads=2), data_only=True)
    with pytest.raises(migflow.ScenarioError) as raised:
        migflow.check("extends: no-such-file.yaml\nseed: 1\n", base_dir=small_dir)
    assert raised.value.line == 1 and raised.value.field == "extends"


def test_parameters_change_the_run_as_the_scenario_block(tmp_path):
    changed = tmp_path / "changed.yaml"
    changed.write_text(f"extends: {SMALL}\nparameters:\n  displacement_rate: 0.004\n"
                       "  retry_after_interception: 0.9\n")
    parameters = {"displacement_rate": 0.004, "retry_after_interception": 0.9}
    got = migflow.run(SMALL, days=60, seed=5, threads=2, parameters=parameters)
    want = cli_run(tmp_path, changed, "changed", "--days", 60, "--seed", 5, "--threads", 2)
    assert_same(got, want, data_only=True)
    base = migflow.run(SMALL, days=60, seed=5, threads=2)
    assert not same_values(base["occupancy"].values, got["occupancy"].values)
    with pytest.raises(migflow.ScenarioError, match="no_such_parameter"):
        migflow.run(SMALL, days=5, parameters={"no_such_parameter": 1})


def bad_cases():
    cases = []
    with open(os.path.join(DATA, "bad", "cases.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                scenario, location, field, *_ = line.split("|")
                cases.append((scenario, location, field))
    return cases


@pytest.mark.parametrize("scenario,location,field", bad_cases())
def test_bad_input_raises_with_its_position(scenario, location, field):
    path = os.path.join(DATA, "bad", scenario)
    for call in (lambda: migflow.check(path), lambda: migflow.run(path, days=2)):
        with pytest.raises(migflow.ScenarioError) as raised:
            call()
        e = raised.value
        assert location in str(e), f"{location} not in {e}"
        where = location.rsplit(":", 2) if location.count(":") >= 2 else location.split(":")
        assert e.file.endswith(where[0])
        if len(where) > 1 and where[1]:
            assert e.line == int(where[1])
        if len(where) > 2 and where[2]:
            assert e.column == int(where[2])
        if field:
            assert e.field == field
        assert e.message and e.message in str(e)


@pytest.mark.parametrize("omp_threads", [1, 2])
def test_two_threads_at_once_as_serial(omp_threads):
    seeds = (21, 22)
    serial = [migflow.run(SMALL, days=90, seed=s, threads=omp_threads) for s in seeds]
    results, errors = [None, None], []

    def work(i):
        try:
            results[i] = migflow.run(SMALL, days=90, seed=seeds[i], threads=omp_threads)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    workers = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    for got, want in zip(results, serial):
        assert_same(got, want)
    assert not same_values(serial[0]["occupancy"].values, serial[1]["occupancy"].values)


def test_progress_and_cancel():
    seen = []
    migflow.run(SMALL, days=20, replicates=2, threads=1,
                progress=lambda run, day, days: seen.append((run, day, days)))
    assert seen == [(r, d, 20) for r in range(2) for d in range(1, 21)]

    with pytest.raises(migflow.Cancelled):
        migflow.run(SMALL, days=20, threads=1, progress=lambda run, day, days: day < 5)

    def boom(run, day, days):
        if day == 3:
            raise RuntimeError("stop here")
    with pytest.raises(RuntimeError, match="stop here"):
        migflow.run(SMALL, days=20, threads=1, progress=boom)


def test_bad_arguments():
    with pytest.raises(ValueError):
        migflow.run(SMALL, days=0)
    with pytest.raises(ValueError):
        migflow.run(SMALL, replicates=2, replicate=1)
    with pytest.raises(migflow.MigflowError) as raised:
        migflow.run(os.path.join(DATA, "no-such-scenario.yaml"))
    assert raised.value.file.endswith("no-such-scenario.yaml")


def test_ctrl_c_stops_the_run():
    # The whole run takes about 20 s; SIGINT after 0.3 s must stop it.
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        migflow.run(SMALL, days=3000, threads=1)
    timer.join()
    assert time.monotonic() - started < 10
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
