"""A pass/fail tally shared by the Python tests: each check prints one line,
and finish() prints the closing "N passed, M failed" line meson and CI read."""


import os
import shutil
import tempfile
from contextlib import contextmanager


# The time series of a run and their dimensions (README, output layout).
RUN_VARIABLES = {
    "occupancy": ("time", "place", "intent"),
    "in_transit": ("time", "link"),
    "link_flow": ("time", "link"),
    "spawned": ("time", "place"),
    "arrivals": ("time", "place"),
    "deaths": ("time", "link"),
    "monitor_passes": ("time", "monitoring_point", "direction"),
    "interceptions": ("time",),
    "expulsions": ("time",),
    "returns": ("time",),
    "destination_arrivals": ("time",),
}


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, condition, what, detail=""):
        if condition:
            self.passed += 1
            print(f"ok - {what}")
        else:
            self.failed += 1
            print(f"FAIL - {what}" + (f": {detail}" if detail else ""))
        return bool(condition)

    @contextmanager
    def in_workdir(self, name):
        """Runs the body in a fresh directory (yielded). An exception counts
        as one failed check; the directory is kept, and named, when anything
        failed, and removed otherwise."""
        workdir = tempfile.mkdtemp(prefix=f"migflow-test-{name}-")
        os.chdir(workdir)
        try:
            yield workdir
        except Exception as error:  # report, count and keep the files
            self.check(False, "test ran to the end", f"{type(error).__name__}: {error}")
        finally:
            os.chdir("/")
            if self.failed:
                print(f"files kept in {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0
