#!/usr/bin/python3
"""Checkpoints, resuming and branching on the command line (README,
"Checkpoints and branches"):

- kill -9 on several days (two replicates, 1 and 2 threads), then
  `migflow run --resume` from the last checkpoint: every dataset and
  attribute of the output equals the uninterrupted run's;
- SIGTERM: a checkpoint, exit 75, no output file, and a resume equal to the
  uninterrupted run;
- `--from-state`: a what-if started from its parent's state on day 35 (in
  the middle of a security ramp) equals the what-if run from day 0, and so
  do niger-collapse and mali-collapse from the baseline's state of
  2025-01-01; a story that sets parameters from day 0 (named), one
  whose events differ before that day, replicates, and a file that is not a
  checkpoint are refused;
- batches: a member stopped by SIGTERM resumes from its checkpoint, and
  members branched from a state (`from_state:`) equal the batch run from
  day 0;
- refusals: a scenario changed since the checkpoint, an output that exists,
  bad command lines, a checkpoint that cannot be written, damaged
  checkpoints (agents nowhere in the world, a truncated file).

usage: test_checkpoint_cli.py MIGFLOW SMALL_SCENARIO.yaml
"""
import os
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

import runs
from checks import Checks

DAYS = 1000


def differences(reference, other, skip=()):
    """What differs between two files, timing attributes and those in skip
    aside (NaN equal to NaN)."""
    skip = runs.TIMING_ATTRS | set(skip)
    return runs.differences(runs.read_all(reference, skip), runs.read_all(other, skip),
                            runs.same_nan)


def saved_position(path):
    """(run, day) of a checkpoint, or None while there is none."""
    try:
        with h5py.File(path, "r") as f:
            head = f["ensemble.head"][()]
        return int(head[0]), int(head[6])
    except (OSError, KeyError):
        return None


def kill_after(command, checkpoint, target, env):
    """Starts command and kills it (SIGKILL) once its checkpoint has reached
    (run, day) target; returns the position killed after, or None when the
    run ended first."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=env)
    position = None
    while process.poll() is None:
        position = saved_position(checkpoint)
        if position is not None and position >= target:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return saved_position(checkpoint)
        time.sleep(0.01)
    return None


def main(argv):
    migflow, small = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    checks = Checks()
    env = dict(os.environ, OMP_WAIT_POLICY="passive")
    base = [migflow, "run", "scenario.yaml", "--days", str(DAYS), "--replicates", "2",
            "--quiet"]
    with checks.in_workdir("checkpoint"):
        for name in os.listdir(os.path.dirname(small)):
            shutil.copy(os.path.join(os.path.dirname(small), name), name)
        runs.run(base + ["-o", "full.h5", "--threads", "2"])

        # kill -9 after a checkpoint, on several days of either replicate.
        for threads, resume_threads, target in ((1, 2, (0, 130)), (2, 1, (0, 610)),
                                                (2, 2, (1, 240))):
            for stale in ("killed.h5", "ck.h5"):
                if os.path.exists(stale):
                    os.remove(stale)
            command = base + ["-o", "killed.h5", "--threads", str(threads),
                              "--checkpoint", "ck.h5", "--checkpoint-every", "10"]
            position = kill_after(command, "ck.h5", target, env)
            label = f"kill -9 after run {target[0]} day {target[1]} ({threads} threads)"
            if not checks.check(position is not None, f"{label}: killed before the end"):
                continue
            checks.check(not os.path.exists("killed.h5"),
                         f"{label}: no output file (killed at run {position[0]} day {position[1]})")
            resumed = runs.run([migflow, "run", "--resume", "ck.h5", "--threads",
                                str(resume_threads)], expect=None)
            checks.check(resumed.returncode == 0, f"{label}: --resume exits 0",
                         resumed.stderr.strip())
            if resumed.returncode == 0:
                differ = differences("full.h5", "killed.h5")
                checks.check(not differ, f"{label}: resumed on {resume_threads} threads from"
                             f" run {position[0]} day {position[1]}, every dataset identical",
                             ", ".join(differ[:8]))

        # SIGTERM: a checkpoint, exit 75, nothing half written.
        for stale in ("termed.h5", "term.h5"):
            if os.path.exists(stale):
                os.remove(stale)
        process = subprocess.Popen(base + ["-o", "termed.h5", "--threads", "2",
                                           "--checkpoint", "term.h5"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=env)
        while process.poll() is None and not os.path.exists("termed.h5.partial"):
            time.sleep(0.01)
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate()
        checks.check(process.returncode == 75, "SIGTERM: exit 75",
                     f"exit {process.returncode}: {stderr.strip()}")
        checks.check("checkpoint written to term.h5" in stderr and len(stderr.splitlines()) == 1,
                     "SIGTERM: one line naming the checkpoint", stderr.strip())
        checks.check(not os.path.exists("termed.h5") and not os.path.exists("termed.h5.partial"),
                     "SIGTERM: no output file, no partial file")
        position = saved_position("term.h5")
        checks.check(position is not None and position > (0, 0),
                     f"SIGTERM: the checkpoint holds run {position} of the days done")
        runs.run([migflow, "run", "--resume", "term.h5"])
        differ = differences("full.h5", "termed.h5")
        checks.check(not differ, "SIGTERM: the resumed run is identical", ", ".join(differ[:8]))

        # Branching from a state in the middle of a security ramp.
        with open("alt.yaml", "w") as f:
            f.write("extends: scenario.yaml\nname: small-alt\nevents:\n"
                    "  - date: 2024-03-05\n    kind: security\n    where: post\n"
                    "    level: 0.2\n    ramp_days: 5\n")
        with open("early.yaml", "w") as f:
            f.write("extends: scenario.yaml\nname: small-early\nevents:\n"
                    "  - date: 2024-01-20\n    kind: closure\n    link: [work, coast]\n")
        runs.run([migflow, "run", "scenario.yaml", "-o", "parent.h5", "--quiet",
                  "--checkpoint", "state.h5", "--checkpoint-at", "2024-02-05"])
        checks.check(saved_position("state.h5") == (0, 35), "--checkpoint-at a date: the state of"
                     " day 35", str(saved_position("state.h5")))
        runs.run([migflow, "run", "alt.yaml", "-o", "alt.h5", "--quiet", "--threads", "2"])
        runs.run([migflow, "run", "alt.yaml", "-o", "branch.h5", "--quiet",
                  "--from-state", "state.h5"])
        differ = differences("alt.h5", "branch.h5")
        checks.check(not differ, "branch from day 35: identical to the what-if run from day 0",
                     ", ".join(differ[:8]))
        early = runs.run([migflow, "run", "early.yaml", "-o", "e.h5", "--quiet",
                          "--from-state", "state.h5"], expect=1)
        checks.check("other events than scenario.yaml before day 35 (2024-02-05)" in early.stderr
                     and not os.path.exists("e.h5"),
                     "branch refused when the events differ before the state's day",
                     early.stderr.strip())
        refused = runs.run([migflow, "run", "alt.yaml", "-o", "e.h5", "--from-state", "state.h5",
                            "--replicates", "2"], expect=2)
        checks.check("branches one run" in refused.stderr, "branch refused with replicates")
        refused = runs.run([migflow, "run", "alt.yaml", "-o", "e.h5", "--from-state", "alt.h5"],
                           expect=1)
        checks.check("alt.h5: not a migflow checkpoint" in refused.stderr,
                     "a run file is not a state", refused.stderr.strip())

        # A batch member stopped by SIGTERM resumes from its checkpoint.
        with open("batch.yaml", "w") as f:
            f.write(f"scenarios: [scenario.yaml, alt.yaml]\ndays: {DAYS}\ncheckpoint_every: 50\n")
        runs.run([migflow, "batch", "batch.yaml", "-o", "batch-full.h5", "--quiet"])
        process = subprocess.Popen([migflow, "batch", "batch.yaml", "-o", "batch.h5", "--quiet"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=env)
        state = "batch.h5.work/scenario.h5.state"
        while process.poll() is None and saved_position(state) is None:
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate()
        position = saved_position(state)
        checks.check(process.returncode == 75 and position is not None,
                     f"batch SIGTERM: exit 75, the member's checkpoint kept (day {position})",
                     f"exit {process.returncode}: {stderr.strip()}")
        resumed = runs.run([migflow, "batch", "batch.yaml", "-o", "batch.h5"])
        checks.check("scenario:" in resumed.stdout and not os.path.exists("batch.h5.work"),
                     "batch resumed: the member finished from its checkpoint, work removed",
                     resumed.stdout)
        differ = differences("batch-full.h5", "batch.h5")
        checks.check(not differ, "batch resumed from a member's checkpoint: identical",
                     ", ".join(differ[:8]))

        # Every member of a batch branched from one state.
        with open("branches.yaml", "w") as f:
            f.write("scenarios: [alt.yaml, scenario.yaml]\n")
        with open("branched.yaml", "w") as f:
            f.write("scenarios: [alt.yaml, scenario.yaml]\nfrom_state: state.h5\n")
        runs.run([migflow, "batch", "branches.yaml", "-o", "branches.h5", "--quiet"])
        runs.run([migflow, "batch", "branched.yaml", "-o", "branched.h5", "--quiet"])
        # The batch files' names and texts differ; nothing else may.
        differ = differences("branches.h5", "branched.h5", {"batch_name", "batch_path", "batch"})
        checks.check(not differ, "batch branched from a state: identical to the batch from day 0",
                     ", ".join(differ[:8]))
        with open("branched-bad.yaml", "w") as f:
            f.write("scenarios: [early.yaml]\nfrom_state: state.h5\n")
        refused = runs.run([migflow, "batch", "branched-bad.yaml", "-o", "bad-batch.h5"],
                           expect=3)
        checks.check("other events than scenario.yaml before day 35" in refused.stderr,
                     "batch: a member that differs before the state's day fails, named",
                     refused.stderr.strip())

        # The library's what-ifs branch from the baseline's state of 2025-01-01 (agent scale
        # 50 to keep it short): identical to the what-if from day 0; a story that sets
        # parameters from day 0 is refused, naming them.
        library = os.environ.get("MIGFLOW_SCENARIOS",
                                 os.path.join(os.path.dirname(small), "../../../scenarios"))
        scale = ["--agent-scale", "50", "--quiet"]
        runs.run([migflow, "run", os.path.join(library, "baseline.yaml"), "-o", "base50.h5",
                  "--checkpoint", "end-2024.h5", "--checkpoint-at", "2025-01-01"] + scale)
        for what_if in ("niger-collapse", "mali-collapse"):
            path = os.path.join(library, what_if + ".yaml")
            runs.run([migflow, "run", path, "-o", what_if + "-full.h5"] + scale)
            runs.run([migflow, "run", path, "-o", what_if + "-branch.h5",
                      "--from-state", "end-2024.h5"] + scale)
            differ = differences(what_if + "-full.h5", what_if + "-branch.h5")
            checks.check(not differ, f"{what_if} branched from the baseline's end of 2024:"
                         " identical to its run from day 0", ", ".join(differ[:8]))
        refused = runs.run([migflow, "run", os.path.join(library, "niger-state-retreat.yaml"),
                            "-o", "e.h5", "--from-state", "end-2024.h5"] + scale, expect=1)
        checks.check("sets other parameters than" in refused.stderr and
                     "state_retreat" in refused.stderr and "2025-01-01" in refused.stderr,
                     "a story with its own parameters from day 0 is refused, naming them",
                     refused.stderr.strip())

        # Refusals on resuming.
        refused = runs.run([migflow, "run", "--resume", "term.h5"], expect=1)
        checks.check("termed.h5 exists" in refused.stderr, "resume refused: the output exists",
                     refused.stderr.strip())
        os.remove("termed.h5")
        with open("scenario.yaml", "a") as f:
            f.write("# edited after the checkpoint\n")
        refused = runs.run([migflow, "run", "--resume", "term.h5"], expect=1)
        checks.check("changed since the checkpoint" in refused.stderr,
                     "resume refused: the scenario changed", refused.stderr.strip())
        refused = runs.run([migflow, "run", "--resume", "term.h5", "scenario.yaml"], expect=2)
        checks.check("only --threads and --quiet" in refused.stderr,
                     "resume refuses other arguments")

        # Damaged checkpoints: refused with a message, never a crash.
        shutil.copy("state.h5", "bad-agents.h5")
        with h5py.File("bad-agents.h5", "r+") as f:
            column = f["agents.0"]           # where each agent is
            column[:8] = np.full(8, 0xff, dtype=np.uint8)
        with open("state.h5", "rb") as f:
            head = f.read(4096)
        with open("truncated.h5", "wb") as f:
            f.write(head)
        shutil.copy("state.h5", "bad-world.h5")
        with h5py.File("bad-world.h5", "r+") as f:
            security = f["world.security"]
            security[0] = np.nan
        for state, words in (("bad-agents.h5", "a damaged checkpoint (agent 0 is nowhere"),
                             ("bad-world.h5", "a damaged checkpoint (a level, probability"),
                             ("truncated.h5", "not a migflow checkpoint")):
            refused = runs.run([migflow, "run", "alt.yaml", "-o", "e.h5", "--quiet",
                                "--from-state", state], expect=None)
            checks.check(refused.returncode == 1 and words in refused.stderr
                         and not os.path.exists("e.h5"),
                         f"{state}: refused, exit 1, '{words}'",
                         f"exit {refused.returncode}: {refused.stderr.strip()}")

        # Bad command lines and a checkpoint that cannot be written.
        for args, code, words in (
                (["--checkpoint-every", "5"], 2, "need --checkpoint FILE"),
                (["--checkpoint", "c.h5", "--checkpoint-every", "0"], 2, "in 1..60000"),
                (["--checkpoint", "c.h5", "--checkpoint-at", "2030-01-01"], 1,
                 "outside the run's days"),
                (["--checkpoint", "c.h5", "--checkpoint-at", "soon"], 1,
                 "neither a day"),
                (["--checkpoint", "missing/c.h5", "--checkpoint-every", "10"], 3,
                 "cannot write missing/c.h5")):
            result = runs.run([migflow, "run", "alt.yaml", "-o", "bad.h5", "--quiet"] + args,
                              expect=None)
            checks.check(result.returncode == code and words in result.stderr
                         and not os.path.exists("bad.h5"),
                         f"{' '.join(args)}: exit {code}, '{words}'",
                         f"exit {result.returncode}: {result.stderr.strip()[:300]}")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
