#!/usr/bin/python3
"""FLEE instances as others prepare them (tests/data/flee_lenient/): what
FLEE itself runs, migflow runs, with a warning naming file:line:column; the
warning is stored in the output's import_warning table; the ARD is the one
worked out by hand below; with --strict each is refused at that position and
nothing is written.

All five are tests/data/flee_toy with one change. The toy, worked out in
tests/test_flee.c: camp data B = 100, 200, 300, 400, 500 and C = 0, 50, 100,
150, 200 on days 0..4 (B corrected for level-1 registrations); 100 agents
start in B, 150 are spawned in the conflict zone A on each of days 1..4 and
arrive in B the day after (A-B is 300 km at 200 km/day); nobody reaches C.
So sim B = 100, 100, 250, 400, 550 and

    ARD(t)  = (|simB - B| + C) / (B + C) = 0, 150/250, 150/400, 150/550, 250/700
    ARD'(t) (sim rescaled to the data total) = 0, 100/250, 200/400, 300/550, 400/700

1. unknown_conflict_column: conflicts.csv's column 'Isale' names no location.
   FLEE reads it and never matches it: no effect, the toy's figures:
   ARD = (0 + 0.6 + 0.375 + 0.272727 + 0.357143) / 5 = 0.3209740,
   ARD' = (0 + 0.4 + 0.5 + 0.545455 + 0.571429) / 5 = 0.4033766.
2. empty_conflict_header: the header ends in an empty cell (and two rows in an
   empty value): FLEE skips it; the toy's figures again.
3. short_conflicts: 3 day rows for a Length of 5: the run covers days 0..2,
   ARD = (0 + 0.6 + 0.375) / 3 = 0.325, ARD' = (0 + 0.4 + 0.5) / 3 = 0.3;
   with --days 2: ARD = 0.6 / 2 = 0.3, ARD' = 0.4 / 2 = 0.2; --days 4 is
   refused (the table has 3 days).
4. unknown_camp: data_layout.csv's row Bossobolo (toy-x.csv: 0 on 2020-01-01,
   400 on 2020-01-05, so 0, 100, 200, 300, 400) names no location. As in
   FLEE, its increases still drive spawning (sum_from_camps: 150 + 100 = 250
   a day on days 1..4) and it is not scored. sim B = 100, 100, 350, 600, 850:
   ARD = (0 + 150/250 + 150/400 + 350/550 + 550/700) / 5
       = (0 + 0.6 + 0.375 + 0.636364 + 0.785714) / 5 = 0.4794156;
   rescaled, sim B is scaled to B + C whatever it is, so ARD' = 0.4033766.
5. dates_out_of_order: toy-c.csv has 2020-01-03,100 then 2020-01-02,500 (back
   in time) and 2020-01-05 twice (200, then 250). The two later rows are
   dropped, leaving 0, 100, 200 on days 0, 2, 4: C = 0, 50, 100, 150, 200, the
   toy's, and the toy's figures. (FLEE, reading rows in place, would
   interpolate C = 0, 50, 400, 300, 200: from the dropped point on.)

usage: test_flee_lenient.py MIGFLOW DATA_DIR
"""
import os
import sys

import h5py

from checks import Checks
from runs import capture, text

TOY_ARD = (0 + 0.6 + 0.375 + 150 / 550 + 250 / 700) / 5
TOY_RESCALED = (0 + 0.4 + 0.5 + 300 / 550 + 400 / 700) / 5

# folder: (file, line, column, words of the warning, days, ARD, ARD rescaled)
CASES = {
    "unknown_conflict_column": [("input_csv/conflicts.csv", 1, 8, "column 'Isale' ignored")],
    "empty_conflict_header": [("input_csv/conflicts.csv", 1, 8, "empty location name")],
    "short_conflicts": [("input_csv/conflicts.csv", 4, 1, "3 days of data, fewer than the 5")],
    "unknown_camp": [("source_data/data_layout.csv", 4, 1, "no location named 'Bossobolo'")],
    "dates_out_of_order": [("source_data/toy-c.csv", 4, 1, "2020-01-02 is before"),
                           ("source_data/toy-c.csv", 6, 1, "2020-01-05 is the same as")],
}
FIGURES = {
    "unknown_conflict_column": (5, TOY_ARD, TOY_RESCALED),
    "empty_conflict_header": (5, TOY_ARD, TOY_RESCALED),
    "short_conflicts": (3, (0 + 0.6 + 0.375) / 3, (0 + 0.4 + 0.5) / 3),
    "unknown_camp": (5, (0 + 0.6 + 0.375 + 350 / 550 + 550 / 700) / 5, TOY_RESCALED),
    "dates_out_of_order": (5, TOY_ARD, TOY_RESCALED),
}


def main():
    migflow, data = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    c = Checks()
    with c.in_workdir("flee-lenient"):
        for name, warnings in CASES.items():
            instance = os.path.join(data, "flee_lenient", name)
            out = f"{name}.h5"
            result = capture(migflow, "flee", instance, "-o", out)
            c.check(result.returncode == 0, f"{name}: runs", result.stderr)
            for file, line, column, words in warnings:
                where = f"{instance}/{file}:{line}:{column}:"
                printed = [w for w in result.stderr.splitlines() if where in w]
                c.check(len(printed) == 1 and "warning" in printed[0] and words in printed[0],
                        f"{name}: warning at {file}:{line}:{column} ({words})", result.stderr)
            c.check(f"{len(warnings)} import warning" in result.stdout,
                    f"{name}: the summary counts {len(warnings)} import warning(s)", result.stdout)
            days, ard, rescaled = FIGURES[name]
            with h5py.File(out, "r") as f:
                kinds = [text(k) for k in f["import_warning_kind"][:]]
                lines = list(f["import_warning_line"][:])
                columns = list(f["import_warning_column"][:])
                files = [text(x) for x in f["import_warning_file"][:]]
                stored = [(files[i], lines[i], columns[i]) for i in range(len(kinds))
                          if kinds[i] == "lenient"]
                want = [(f"{instance}/{w[0]}", w[1], w[2]) for w in warnings]
                c.check(stored == want, f"{name}: import_warning table holds the warnings",
                        f"{stored} != {want}")
                c.check(f["time"].shape == (days,), f"{name}: {days} days written",
                        str(f["time"].shape))
            result = capture(migflow, "validate", out, instance)
            c.check(result.returncode == 0, f"{name}: validate", result.stderr)
            with h5py.File(out, "r") as f:
                got, got_rescaled = float(f.attrs["ard_mean"]), float(f.attrs["ard_rescaled_mean"])
                camps = text(f.attrs["ard_camps"])
            c.check(abs(got - ard) < 1e-12 and abs(got_rescaled - rescaled) < 1e-12,
                    f"{name}: ARD {got:.7f} rescaled {got_rescaled:.7f} as worked out "
                    f"({ard:.7f}, {rescaled:.7f})")
            c.check(camps == "B, C" and "camps scored (2 of" in result.stdout,
                    f"{name}: validate scores camps B and C", result.stdout + camps)
            strict_out = f"{name}-strict.h5"
            result = capture(migflow, "flee", instance, "--strict", "-o", strict_out)
            file, line, column, words = warnings[0]
            c.check(result.returncode == 1 and
                    f"error: {instance}/{file}:{line}:{column}:" in result.stderr and
                    words in result.stderr,
                    f"{name}: --strict refuses it at {file}:{line}:{column}", result.stderr)
            c.check(not os.path.exists(strict_out) and not os.path.exists(strict_out + ".partial"),
                    f"{name}: --strict writes nothing")

        # Bossobolo is named as not scored.
        instance = os.path.join(data, "flee_lenient", "unknown_camp")
        result = capture(migflow, "validate", "unknown_camp.h5", instance, "--no-store")
        c.check("not scored (no camp of that name in locations.csv): Bossobolo" in result.stdout,
                "unknown_camp: validate says Bossobolo is not scored", result.stdout)

        # --days within the data is honoured, beyond it refused.
        instance = os.path.join(data, "flee_lenient", "short_conflicts")
        result = capture(migflow, "flee", instance, "--days", "2", "-o", "two.h5", "--quiet")
        c.check(result.returncode == 0, "short_conflicts --days 2 runs", result.stderr)
        capture(migflow, "validate", "two.h5", instance, "--quiet")
        with h5py.File("two.h5", "r") as f:
            c.check(f["time"].shape == (2,) and abs(float(f.attrs["ard_mean"]) - 0.3) < 1e-12 and
                    abs(float(f.attrs["ard_rescaled_mean"]) - 0.2) < 1e-12,
                    "short_conflicts --days 2: 2 days, ARD 0.3, rescaled 0.2")
        result = capture(migflow, "flee", instance, "--days", "4", "-o", "four.h5")
        c.check(result.returncode == 1 and "conflicts.csv has data for 3 days" in result.stderr and
                not os.path.exists("four.h5"),
                "short_conflicts --days 4 refused: the table has 3 days", result.stderr)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
