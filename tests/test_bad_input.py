#!/usr/bin/python3
"""Bad inputs through the migflow program.

usage: test_bad_input.py MIGFLOW BAD_DIR

Runs every case listed in BAD_DIR/cases.txt twice, as `migflow run CASE -o
out.h5` and as `migflow check CASE`, and checks that both exit with status 1,
print an error that names the file, line, column and field to blame (the
same error line both times) and leave no file behind. Then checks that an
existing output file is refused and left as it was, and that bad command
lines exit with status 2. The good scenario comes from
$MIGFLOW_TEST_DATA/small/scenario.yaml.

Every invocation runs with a time limit (TIMEOUT seconds) and a memory cap
(about 2 GB of address space; under AddressSanitizer, which reserves far
more address space than it uses, an RSS limit instead). A crash (a signal,
an exit status of 128 or more) or a sanitizer report is a failure whatever
the exit status.

Prints one line per check and a final "N passed, M failed".
"""

import os
import resource
import subprocess
import sys
import tempfile

EXIT_INPUT = 1
EXIT_USAGE = 2
TIMEOUT = 20
MEMORY_LIMIT = 2_000_000_000  # bytes of address space
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:", "ThreadSanitizer", "MemorySanitizer")
# Files of BAD_DIR that cannot start with a comment line.
NO_COMMENT = {"binary.yaml", "binary_no_nul.yaml", "empty.yaml"}


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


def uses_asan(program):
    """Whether program was built with AddressSanitizer."""
    try:
        with open(program, "rb") as binary:
            return b"__asan_init" in binary.read()
    except OSError:
        return False


class Runner:
    """Runs migflow with a time limit and a memory cap."""

    def __init__(self, migflow):
        self.migflow = migflow
        self.asan = uses_asan(migflow)
        self.env = dict(os.environ)
        # Make sanitizer findings fatal and visible whatever meson set.
        asan = self.env.get("ASAN_OPTIONS", "")
        self.env["ASAN_OPTIONS"] = ":".join(
            part for part in (asan, "abort_on_error=1", "halt_on_error=1",
                              "hard_rss_limit_mb=2000", "max_allocation_size_mb=2000",
                              "allocator_may_return_null=1") if part)
        ubsan = self.env.get("UBSAN_OPTIONS", "")
        self.env["UBSAN_OPTIONS"] = ":".join(
            part for part in (ubsan, "halt_on_error=1", "abort_on_error=1",
                              "print_stacktrace=1") if part)

    def _limit_memory(self):
        if not self.asan:
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def run(self, arguments, cwd):
        """Runs migflow with arguments; returns (exit status, stderr text)."""
        try:
            done = subprocess.run([self.migflow] + arguments, cwd=cwd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=TIMEOUT, check=False, env=self.env,
                                  preexec_fn=self._limit_memory)
        except subprocess.TimeoutExpired:
            return None, f"timed out after {TIMEOUT} s"
        return done.returncode, done.stderr.decode("utf-8", errors="replace")


def describe_status(status):
    if status is None:
        return "no exit status (timeout)"
    if status < 0:
        return f"killed by signal {-status} (a crash)"
    if status >= 128:
        return f"exit status {status} (a crash)"
    return f"exit status {status}"


def health_problems(status, stderr):
    """Crashes, hangs and sanitizer reports, whatever the exit status."""
    problems = []
    if status is None or status < 0 or status >= 128:
        problems.append(f"crash or hang: {describe_status(status)}")
    for mark in SANITIZER_MARKS:
        if mark in stderr:
            problems.append(f"sanitizer report ('{mark}')")
            break
    return problems


def error_lines(stderr):
    return [line for line in stderr.splitlines() if "error" in line]


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


def check_stderr(status, stderr, location, field, message):
    problems = health_problems(status, stderr)
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
    return problems


def check_bad_case(runner, bad_dir, scenario, location, field, message):
    """Runs one bad scenario through run and check; returns a list of problems."""
    problems = []
    path = os.path.join(bad_dir, scenario)
    if not os.path.exists(path):
        return [f"case file {path} does not exist"]
    stderrs = {}
    for command in ("run", "check"):
        with tempfile.TemporaryDirectory(prefix="migflow-bad-") as scratch:
            output = os.path.join(scratch, "out.h5")
            arguments = ([command, path, "-o", output, "--quiet"] if command == "run"
                         else [command, path])
            status, stderr = runner.run(arguments, scratch)
            found = check_stderr(status, stderr, location, field, message)
            for leftover in (output, output + ".partial"):
                if os.path.exists(leftover):
                    found.append(f"{os.path.basename(leftover)} was left behind")
            stray = sorted(set(os.listdir(scratch)) - {"out.h5", "out.h5.partial"})
            if stray:
                found.append(f"stray files: {stray}")
            if found:
                found.append("stderr was: " + (stderr.strip()[:2000] or "(empty)"))
                problems += [f"migflow {command}: {problem}" for problem in found]
            stderrs[command] = stderr
    if not problems and error_lines(stderrs["run"]) != error_lines(stderrs["check"]):
        problems.append("run and check report different errors: "
                        f"{error_lines(stderrs['run'])} vs {error_lines(stderrs['check'])}")
    return problems


def check_comments(bad_dir):
    """Every file of a case starts with a comment saying what is wrong."""
    problems = []
    for directory, _, names in os.walk(bad_dir):
        for name in sorted(names):
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, bad_dir)
            if relative in NO_COMMENT or not name.endswith((".yaml", ".csv")):
                continue
            with open(path, "rb") as case_file:
                if not case_file.read(1) == b"#":
                    problems.append(f"{relative} does not start with a comment")
    return problems


def check_existing_output(runner, good):
    """A good scenario must not overwrite an existing file without --force."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="migflow-bad-") as scratch:
        output = os.path.join(scratch, "out.h5")
        content = b"precious results; not an HDF5 file\n" + bytes(range(256))
        with open(output, "wb") as existing:
            existing.write(content)
        before = os.stat(output)
        status, stderr = runner.run(["run", good, "-o", output, "--quiet"], scratch)
        problems += health_problems(status, stderr)
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


def check_command_line(runner, arguments, says=None, expected=EXIT_USAGE):
    """A bad command line exits with status 2 and writes nothing; its first
    line on stderr is `says` when given."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="migflow-bad-") as scratch:
        arguments = [a.replace("@OUT@", os.path.join(scratch, "out.h5")) for a in arguments]
        status, stderr = runner.run(arguments, scratch)
        problems += health_problems(status, stderr)
        if status != expected:
            problems.append(f"expected exit status {expected}, got {describe_status(status)}")
        if "error" not in stderr and "usage" not in stderr:
            problems.append("stderr has neither 'error' nor 'usage'")
        first = stderr.splitlines()[0] if stderr else ""
        if says is not None and first != says:
            problems.append(f"expected the message {says!r}, got {first!r}")
        if says is not None and "usage: migflow" not in stderr:
            problems.append("the usage does not follow the message")
        if os.listdir(scratch):
            problems.append(f"files were written: {sorted(os.listdir(scratch))}")
        if problems:
            problems.append("stderr was: " + (stderr.strip() or "(empty)"))
    return problems


def subcommand_misuses(good):
    """(arguments, message after 'migflow COMMAND: error: ') of every
    subcommand: unknown options, missing and bad values, one argument too
    many, a missing argument."""
    return [
        (["run", good, "--days", "abc"], "option '--days' expects a whole number in 1..60000, got 'abc'"),
        (["run", good, "--replicate", "-1"],
         "option '--replicate' expects a whole number in 0..4294967295, got '-1'"),
        (["run", good, "--seed", "1e3"], "option '--seed' expects a whole number >= 0, got '1e3'"),
        (["run", good, "--posterior", ""], "option '--posterior' needs a value"),
        (["run", good, good], f"unexpected argument '{good}' (one scenario per run)"),
        (["run", "--resume", "x.ckpt", "--days", "3"],
         "--resume FILE continues a run as it was started: only --threads and --quiet may be added"),
        (["run", good, "--draws", "3"], "--posterior POST.h5 and --draws N go together"),
        (["check", good, "--resolved", "-x"], "unknown option '-x'"),
        (["check"], "no scenario file given"),
        (["batch", "b.yaml", "--threads", "+4"],
         "option '--threads' expects a whole number in 1..1024, got '+4'"),
        (["batch", "a.yaml", "b.yaml"], "unexpected argument 'b.yaml' (one batch file)"),
        (["batch", "--quiet"], "no batch file given"),
        (["compare", "a.h5", "b.h5", "c.h5"], "unexpected argument 'c.h5' (two runs)"),
        (["compare", "a.h5", "--country"], "option '--country' needs a value"),
        (["compare", "a.h5"], "give two runs, BASE.h5 and ALT.h5"),
        (["report", "a.h5", "b.h5", "--title"], "option '--title' needs a value"),
        (["report", "a.h5"], "give a baseline and at least one alternative, BASE.h5 ALT.h5 [ALT2.h5 ...]"),
        (["report"] + [f"r{k}.h5" for k in range(9)], "unexpected argument 'r8.h5' (at most 8 runs)"),
        (["indicators", "--bogus"], "unknown option '--bogus'"),
        (["indicators", "extra"], "unexpected argument 'extra'"),
        (["calibrate", good, "--max-evals", "0"],
         "option '--max-evals' expects a whole number in 1..100000, got '0'"),
        (["calibrate", good, "--targets"], "option '--targets' needs a value"),
        (["calibrate", "--evaluate"], "no scenario file given"),
        (["posterior", good, "--quantile", "1.5"], "option '--quantile' expects a number in 0.01..0.99, got '1.5'"),
        (["posterior", good, "--particles", "1"],
         "option '--particles' expects a whole number in 2..1000000, got '1'"),
        (["posterior", good, "--budget", "10", "--particles", "20"],
         "a budget of 10 simulations is below the 20 particles of generation 0"),
        (["posterior", good, "--summary", "p.h5"], "give a scenario or --summary POST.h5, not both"),
        (["sensitivity", good, "-o", "@OUT@", "--base-samples", "100"],
         "option '--base-samples' expects a power of two >= 2 (2, 4, 8, ... 2^30), got '100'"),
        (["sensitivity", good, "-o", "@OUT@", "--resamples", "5"],
         "option '--resamples' expects 0 or a whole number in 10..1000000, got '5'"),
        (["sensitivity", good], "no output file given (-o SA.h5)"),
        (["hindcast", good, "--persistence", good, "--targets", "t.yaml", "--draws", "2"],
         "--posterior POST.h5 and --draws N go together"),
        (["hindcast", good, good], f"unexpected argument '{good}' (one hindcast scenario)"),
        (["hindcast", good, "-q", "--threads", "x"],
         "option '--threads' expects a whole number in 0..10000, got 'x'"),
        (["flee", "dir", "--hasten", "0"], "option '--hasten' expects a whole number in 1..1000000, got '0'"),
        (["flee", "dir", "other"], "unexpected argument 'other' (one instance per run)"),
        (["flee", "--strict"], "no instance directory given"),
        (["validate", "run.h5"], "expected one or more run files and the instance directory"),
        (["validate", "run.h5", "dir", "--store"], "unknown option '--store'"),
    ]


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
    runner = Runner(migflow)
    checks = Checks()

    checks.report("every bad file starts with a comment", check_comments(bad_dir))
    for number, scenario, location, field, message in read_cases(bad_dir):
        name = f"bad input {scenario} (cases.txt:{number})"
        checks.report(name, check_bad_case(runner, bad_dir, scenario, location, field, message))

    checks.report("existing output is kept without --force", check_existing_output(runner, good))

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
        ("check: no scenario", ["check"]),
        ("check: unknown option", ["check", good, "--frobnicate"]),
        ("check: two scenarios", ["check", good, good]),
    ]
    for name, arguments in bad_command_lines:
        checks.report(f"command line: {name}", check_command_line(runner, arguments))

    # Every subcommand words a misuse the same way (src/cli/options.c): the
    # first line names the subcommand, the option and what it expects.
    for arguments, says in subcommand_misuses(good):
        name = " ".join(a if a != good else "SCENARIO" for a in arguments)
        checks.report(f"command line: {name}",
                      check_command_line(runner, arguments, f"migflow {arguments[0]}: error: {says}"))

    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
