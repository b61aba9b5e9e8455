#!/usr/bin/python3
"""Bad inputs through the migflow program.

usage: test_bad_input.py MIGFLOW BAD_DIR

Runs `migflow run` on every case listed in BAD_DIR/cases.txt and checks
that it exits with status 1, prints an error that names the file, line,
column and field to blame, and leaves no output file behind. Then checks
that an existing output file is refused and left as it was, and that bad
command lines exit with status 2. The good scenario comes from
$MIGFLOW_TEST_DATA/small/scenario.yaml.

Prints one line per check and a final "N passed, M failed".
"""

import os
import subprocess
import sys
import tempfile

EXIT_INPUT = 1
EXIT_USAGE = 2
TIMEOUT = 60


class Checks:
    """Counts passed and failed checks and prints each one."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def report(self, name, problems):
        if problems:
            self.failed += 1
            print(f"FAIL {name}")
            for problem in problems:
                print(f"     {problem}")
        else:
            self.passed += 1
            print(f"ok   {name}")


def run(command, cwd):
    """Runs a command; returns (exit status, stderr text)."""
    try:
        done = subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {TIMEOUT} s"
    return done.returncode, done.stderr.decode("utf-8", errors="replace")


def describe_status(status):
    if status is None:
        return "no exit status (timeout)"
    if status < 0:
        return f"killed by signal {-status} (a crash)"
    return f"exit status {status}"


def read_cases(bad_dir):
    """Yields (line number, scenario, location, field, message)."""
    path = os.path.join(bad_dir, "cases.txt")
    with open(path, encoding="utf-8") as manifest:
        for number, line in enumerate(manifest, start=1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split("|")
            if len(parts) not in (3, 4):
                raise SystemExit(f"{path}:{number}: expected scenario|location|field[|message]")
            scenario, location, field = (part.strip() for part in parts[:3])
            message = parts[3].strip() if len(parts) == 4 else ""
            yield number, scenario, location, field, message


def check_bad_case(migflow, bad_dir, scenario, location, field, message):
    """Runs one bad scenario; returns a list of problems."""
    problems = []
    path = os.path.join(bad_dir, scenario)
    if not os.path.exists(path):
        return [f"case file {path} does not exist"]
    with tempfile.TemporaryDirectory(prefix="migflow-bad-") as scratch:
        output = os.path.join(scratch, "out.h5")
        status, stderr = run([migflow, "run", path, "-o", output, "--quiet"], scratch)
        if status != EXIT_INPUT:
            problems.append(f"expected exit status {EXIT_INPUT}, got {describe_status(status)}")
        if "error" not in stderr:
            problems.append("stderr does not say 'error'")
        if location not in stderr:
            problems.append(f"stderr lacks the location '{location}'")
        if field and f"'{field}'" not in stderr:
            problems.append(f"stderr lacks the field '{field}'")
        if message and message not in stderr:
            problems.append(f"stderr lacks '{message}'")
        for leftover in (output, output + ".partial"):
            if os.path.exists(leftover):
                problems.append(f"{os.path.basename(leftover)} was left behind")
        if problems:
            problems.append("stderr was: " + (stderr.strip() or "(empty)"))
    return problems


def check_existing_output(migflow, good):
    """A good scenario must not overwrite an existing file without --force."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="migflow-bad-") as scratch:
        output = os.path.join(scratch, "out.h5")
        content = b"precious results; not an HDF5 file\n" + bytes(range(256))
        with open(output, "wb") as existing:
            existing.write(content)
        before = os.stat(output)
        status, stderr = run([migflow, "run", good, "-o", output, "--quiet"], scratch)
        if status != EXIT_INPUT:
            problems.append(f"expected exit status {EXIT_INPUT}, got {describe_status(status)}")
        if "error" not in stderr:
            problems.append("stderr does not say 'error'")
        if "--force" not in stderr:
            problems.append("stderr does not mention --force")
        with open(output, "rb") as existing:
            if existing.read() != content:
                problems.append("the existing file was changed")
        if os.stat(output).st_mtime_ns != before.st_mtime_ns:
            problems.append("the existing file was rewritten")
        if os.path.exists(output + ".partial"):
            problems.append("out.h5.partial was left behind")
        if sorted(os.listdir(scratch)) != ["out.h5"]:
            problems.append(f"stray files: {sorted(os.listdir(scratch))}")
        if problems:
            problems.append("stderr was: " + (stderr.strip() or "(empty)"))
    return problems


def check_command_line(migflow, arguments, expected=EXIT_USAGE):
    """A bad command line exits with status 2 and writes nothing."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="migflow-bad-") as scratch:
        arguments = [a.replace("@OUT@", os.path.join(scratch, "out.h5")) for a in arguments]
        status, stderr = run([migflow] + arguments, scratch)
        if status != expected:
            problems.append(f"expected exit status {expected}, got {describe_status(status)}")
        if "error" not in stderr and "usage" not in stderr:
            problems.append("stderr has neither 'error' nor 'usage'")
        if os.listdir(scratch):
            problems.append(f"files were written: {sorted(os.listdir(scratch))}")
        if problems:
            problems.append("stderr was: " + (stderr.strip() or "(empty)"))
    return problems


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    migflow, bad_dir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    data = os.environ.get("MIGFLOW_TEST_DATA", os.path.join(bad_dir, os.pardir))
    good = os.path.abspath(os.path.join(data, "small", "scenario.yaml"))
    if not os.access(migflow, os.X_OK):
        print(f"test_bad_input.py: {migflow} is not an executable", file=sys.stderr)
        return 2
    checks = Checks()

    for number, scenario, location, field, message in read_cases(bad_dir):
        name = f"bad input {scenario} (cases.txt:{number})"
        checks.report(name, check_bad_case(migflow, bad_dir, scenario, location, field, message))

    checks.report("existing output is kept without --force", check_existing_output(migflow, good))

    bad_command_lines = [
        ("--days abc", ["run", good, "-o", "@OUT@", "--days", "abc"]),
        ("--days 0", ["run", good, "-o", "@OUT@", "--days", "0"]),
        ("--days without a value", ["run", good, "-o", "@OUT@", "--days"]),
        ("--threads 0", ["run", good, "-o", "@OUT@", "--threads", "0"]),
        ("--threads -2", ["run", good, "-o", "@OUT@", "--threads", "-2"]),
        ("--seed -1", ["run", good, "-o", "@OUT@", "--seed", "-1"]),
        ("unknown option", ["run", good, "-o", "@OUT@", "--frobnicate"]),
        ("-o without a file", ["run", good, "-o"]),
        ("no scenario", ["run", "-o", "@OUT@"]),
        ("two scenarios", ["run", good, good, "-o", "@OUT@"]),
        ("no command", []),
        ("unknown command", ["walk", good]),
    ]
    for name, arguments in bad_command_lines:
        checks.report(f"command line: {name}", check_command_line(migflow, arguments))

    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
