#!/usr/bin/python3
"""A FLEE instance as an ordinary world: a scenario with `flee: DIR` (rules
flee) through every front end, on mali2012 (FabFlee's instance, the one
FLEE's own paper validates).

1. migflow run x.yaml --replicates 5 (agent scale 1) gives one file whose
   mean ARD (migflow validate) is within 0.005 of FLEE's 0.357, and whose
   data are those of `migflow flee DIR --hasten 1 --replicates 5`.
2. A closure what-if: a scenario extends it with a closure event on the
   Mopti - Bobo-Dioulasso route; no one takes the closed links while they
   are closed, people do before; migflow compare pairs the two runs.
3. migflow batch sweeps flee.camp_movechance over two values: two members,
   each recording its value, whose camp populations differ; validate scores
   the members (BATCH.h5#MEMBER, --no-store).
4. migflow calibrate fits flee.camp_movechance to the UNHCR data: it prints
   the ARD before and after, and after is not worse.
5. Bad input: rules flee without an instance, a Sahel block in a FLEE
   world, a Sahel parameter, an event kind that does not act on it, a
   start that is not the instance's: each refused at file:line:column.

usage: test_flee_scenario.py MIGFLOW INSTANCE_DIR
"""
import os
import re
import sys

import h5py
import numpy as np

from checks import Checks
import runs
from runs import capture, text

FLEE_ARD = 0.357
TOLERANCE = 0.005
REPLICATES = 5


def write(path, body):
    with open(path, "w") as f:
        f.write(body)


def main():
    migflow, instance = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    c = Checks()
    with c.in_workdir("flee-scenario"):
        write("mali.yaml", f"""name: mali2012
flee: {instance}     # FabFlee's mali2012 (PROVENANCE.md there)
seed: 1
agent_scale: 1       # FLEE's hasten 1: one agent per refugee
""")
        # 1. run with replicates, validate, same data as migflow flee.
        result = capture(migflow, "run", "mali.yaml", "--replicates", str(REPLICATES), "-o",
                         "run.h5", "--quiet")
        c.check(result.returncode == 0 and os.path.exists("run.h5"),
                f"migflow run of a flee: scenario, {REPLICATES} replicates", result.stderr)
        result = capture(migflow, "validate", "run.h5", instance)
        mean = re.search(r"mean of %d replicates: ARD ([0-9.]+)" % REPLICATES, result.stdout)
        c.check(result.returncode == 0 and mean and abs(float(mean.group(1)) - FLEE_ARD) <= TOLERANCE,
                f"mean ARD within {TOLERANCE} of FLEE's {FLEE_ARD}",
                mean.group(0) if mean else result.stdout + result.stderr)
        result = capture(migflow, "flee", instance, "--hasten", "1", "--replicates",
                         str(REPLICATES), "-o", "flee.h5", "--quiet")
        c.check(result.returncode == 0, "migflow flee of the same instance", result.stderr)
        names = ["occupancy", "in_transit", "link_flow", "arrivals", "spawned", "returns"]
        with h5py.File("run.h5", "r") as a, h5py.File("flee.h5", "r") as b:
            differ = [n for n in names if not np.array_equal(a[n][()], b[n][()])]
            c.check(not differ, "run x.yaml and flee DIR give the same data (" + ", ".join(names) + ")",
                    str(differ))
            c.check(text(a.attrs["scenario_path"]).endswith("mali.yaml") if "scenario_path" in a.attrs
                    else True, "the run records its scenario file")
            places = [text(p) for p in a["place"][:]]
            links_from = [text(v) for v in a["link_from"][:]]
            links_to = [text(v) for v in a["link_to"][:]]

        # 2. A closure what-if on the Mopti - Bobo-Dioulasso route, 2012-05-01 to 2012-08-01.
        write("closed.yaml", """extends: mali.yaml
name: mali2012-closed
events:
  - {date: 2012-05-01, kind: closure, link: [Mopti, Bobo-Dioulasso]}  # parameter: a what-if
  - {date: 2012-05-01, kind: closure, link: [Bobo-Dioulasso, Mopti]}
  - {date: 2012-08-01, kind: reopen, link: [Mopti, Bobo-Dioulasso]}
  - {date: 2012-08-01, kind: reopen, link: [Bobo-Dioulasso, Mopti]}
""")
        result = capture(migflow, "run", "closed.yaml", "--replicates", "2", "-o", "closed.h5",
                         "--quiet")
        c.check(result.returncode == 0, "the closure what-if runs", result.stderr)
        closed = [l for l in range(len(links_from))
                  if {links_from[l], links_to[l]} == {"Mopti", "Bobo-Dioulasso"}]
        with h5py.File("closed.h5", "r") as alt, h5py.File("run.h5", "r") as base:
            flow = alt["link_flow"][()]            # (replicate, time, link)
            base_flow = base["link_flow"][()]
            shut = slice(62, 154)                  # 2012-05-01 .. 2012-07-31, days from 2012-02-29
            c.check(len(closed) == 2 and flow[:, shut][:, :, closed].sum() == 0,
                    "no one enters the closed links while closed",
                    f"links {closed}: {flow[:, shut][:, :, closed].sum()}")
            c.check(base_flow[:, shut][:, :, closed].sum() > 0,
                    "the base run uses them over the same days",
                    f"{base_flow[:, shut][:, :, closed].sum()}")
        result = capture(migflow, "compare", "run.h5", "closed.h5")
        c.check(result.returncode == 0 and "displaced present" in result.stdout,
                "compare pairs the base and the what-if", result.stdout + result.stderr)

        # 3. A batch sweeping a FLEE rule parameter.
        write("sweep.yaml", """name: sweep
scenarios:
  - mali.yaml
replicates: 1
days: 120
sweep:
  grid:
    flee.camp_movechance: [0.001, 0.05]   # parameter range: FLEE's default 0.001, and more leaving
""")
        result = capture(migflow, "batch", "sweep.yaml", "-o", "sweep.h5", "--quiet")
        c.check(result.returncode == 0, "a batch sweeps flee.camp_movechance", result.stderr)
        if result.returncode == 0:
            with h5py.File("sweep.h5", "r") as f:
                members = sorted(f["members"].keys())
                c.check(members == ["mali_p0", "mali_p1"], "two members", str(members))
                swept = [float(v) for v in f["parameter_flee.camp_movechance"][:]] \
                    if "parameter_flee.camp_movechance" in f else []
                c.check(swept == [0.001, 0.05], "each member records its value", str(list(f.keys())))
                fassala = places.index("Fassala-Mbera")
                low = f["members/mali_p0/occupancy"][-1, fassala].sum()
                high = f["members/mali_p1/occupancy"][-1, fassala].sum()
                c.check(high < low, "camps hold fewer people when more leave them",
                        f"Fassala-Mbera {low} at 0.001, {high} at 0.05")
            result = capture(migflow, "validate", "sweep.h5#mali_p0", "sweep.h5#mali_p1", instance,
                             "--no-store")
            scored = re.findall(r"sweep.h5#mali_p(\d) replicate 0: ARD ([0-9.]+)", result.stdout)
            c.check(result.returncode == 0 and [k for k, _ in scored] == ["0", "1"],
                    "validate scores batch members (BATCH.h5#MEMBER)", result.stdout + result.stderr)
            result = capture(migflow, "validate", "sweep.h5#mali_p0", instance)
            c.check(result.returncode == 1 and "--no-store" in result.stderr,
                    "storing the ARD in a batch member is refused, naming --no-store", result.stderr)

        # 4. calibrate one FLEE rule parameter to the UNHCR data.
        write("fit.yaml", f"""name: mali2012-fit
flee: {instance}
seed: 1
agent_scale: 10      # coarse, for a quick fit
parameters:
  flee:
    camp_movechance: 0.02   # parameter: a start away from FLEE's 0.001
calibrate:
  - name: camp_movechance
    set: parameters.flee.camp_movechance
    min: 0.0001
    max: 0.1
    start: 0.02
    search: log
""")
        result = capture(migflow, "calibrate", "fit.yaml", "--replicates", "3", "--max-evals", "25",
                         "-o", "fitted.yaml")
        found = re.search(r"ARD before ([0-9.]+), after ([0-9.]+)", result.stdout)
        c.check(result.returncode == 0 and found and float(found.group(2)) <= float(found.group(1)),
                "calibrate reports the ARD before and after, after not worse",
                (found.group(0) if found else "") + result.stdout[-400:] + result.stderr[-400:])
        c.check(os.path.exists("fitted.yaml") and
                capture(migflow, "check", "fitted.yaml").returncode == 0,
                "the fitted scenario is written and valid")

        # 5. Bad input, each at its position.
        cases = {
            "no_instance.yaml": ("name: x\nrules: flee\n", "no_instance.yaml:2:8: 'rules'"),
            "sahel_block.yaml": (f"name: x\nflee: {instance}\nsources: []\n",
                                 "sahel_block.yaml:3:1"),
            "sahel_param.yaml": (f"name: x\nflee: {instance}\nparameters:\n  safe_security: 0.5\n",
                                 "sahel_param.yaml:4:3: 'parameters.safe_security'"),
            "bad_event.yaml": (f"name: x\nflee: {instance}\nevents:\n"
                               "  - {date: 2012-05-01, kind: security, where: Mopti, level: 0.2}\n",
                               "bad_event.yaml:4:3: 'events'"),
            "bad_start.yaml": (f"name: x\nflee: {instance}\nstart: 2012-03-01\n",
                               "bad_start.yaml:3:8: 'start'"),
        }
        for name, (body, where) in cases.items():
            write(name, body)
            result = capture(migflow, "check", name)
            c.check(result.returncode == 1 and where in result.stderr,
                    f"{name}: refused at {where}", result.stderr)
        result = capture(migflow, "run", "mali.yaml", "--agent-scale", "10", "-o", "x.h5")
        c.check(result.returncode == 1 and "--agent-scale" in result.stderr and
                not os.path.exists("x.h5"), "--agent-scale cannot change a FLEE world", result.stderr)
    sys.exit(c.finish())


if __name__ == "__main__":
    main()
