#!/usr/bin/python3
"""I/O failures while writing a run: one line naming the path and the
system's reason, exit 3, no crash, no file left behind (neither FILE nor
FILE.partial).

Cases: the disk full (a 128 KiB tmpfs when this test may mount one; always,
a file-size limit, RLIMIT_FSIZE, which makes writes fail the same way with
EFBIG), a read-only directory, a missing directory, an output path that is
a directory, and the output's directory removed during the run.

usage: test_io_faults.py MIGFLOW BASELINE.yaml
"""
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from checks import Checks


def run(args, limit_bytes=None, as_nobody=False):
    def before():
        if limit_bytes is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
        if as_nobody:
            os.setgid(65534)
            os.setuid(65534)
    return subprocess.run(args, capture_output=True, text=True, preexec_fn=before, timeout=600)


def readable_by_others(path):
    """Whether another user can reach and read path (every directory on the
    way searchable by others, the file readable by others)."""
    path = os.path.realpath(path)
    if not os.stat(path).st_mode & 0o004:
        return False
    directory = os.path.dirname(path)
    while True:
        if not os.stat(directory).st_mode & 0o001:
            return False
        if directory == "/":
            return True
        directory = os.path.dirname(directory)


def expect_failure(c, result, path, reason, what):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    c.check(result.returncode == 3, f"{what}: exit 3", f"exit {result.returncode}: {result.stderr}")
    c.check(len(lines) == 1 and path in lines[0] and reason in lines[0],
            f"{what}: one line with the path and '{reason}'", result.stderr)
    c.check(not os.path.exists(path) and not os.path.exists(path + ".partial"),
            f"{what}: no file left behind", str(os.listdir(os.path.dirname(path) or "."))
            if os.path.isdir(os.path.dirname(path) or ".") else "")


def main():
    migflow, baseline = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    quick = [baseline, "--agent-scale", "20", "--days", "400", "--quiet", "--threads", "1"]
    c = Checks()
    with c.in_workdir("io-faults") as workdir:
        # The disk full, as a file-size limit: writes fail with EFBIG.
        path = os.path.join(workdir, "limited.h5")
        result = run([migflow, "run", *quick, "-o", path], limit_bytes=256 * 1024)
        expect_failure(c, result, path, "File too large", "a full disk (file-size limit)")

        # The disk full, on a 128 KiB tmpfs (the compressed file of the quick
        # run is about 380 KB), where the test may mount one.
        tiny = os.path.join(workdir, "tiny")
        os.mkdir(tiny)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", tiny],
                                 capture_output=True).returncode == 0
        if mounted:
            try:
                path = os.path.join(tiny, "x.h5")
                result = run([migflow, "run", *quick, "-o", path])
                expect_failure(c, result, path, "No space left on device", "a full disk (128 KiB tmpfs)")
            finally:
                subprocess.run(["umount", tiny])
        else:
            print("skip - no tmpfs can be mounted here; the file-size limit stands for it")

        # A read-only directory: a read-only tmpfs where one can be mounted
        # (root may write anywhere else), else a directory without write
        # permission, run as nobody when this runs as root.
        readonly = os.path.join(workdir, "readonly")
        os.mkdir(readonly)
        ro_mounted = os.geteuid() == 0 and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", readonly],
            capture_output=True).returncode == 0
        path = os.path.join(readonly, "x.h5")
        if ro_mounted:
            try:
                result = run([migflow, "run", *quick, "-o", path])
                expect_failure(c, result, path, "Read-only file system", "a read-only directory")
            finally:
                subprocess.run(["umount", readonly])
        elif os.geteuid() != 0 or readable_by_others(migflow) and readable_by_others(baseline):
            os.chmod(readonly, 0o555)
            os.chmod(workdir, 0o755)
            result = run([migflow, "run", *quick, "-o", path], as_nobody=os.geteuid() == 0)
            expect_failure(c, result, path, "Permission denied", "a read-only directory")
            os.chmod(readonly, 0o755)
        else:
            print("skip - running as root, no read-only tmpfs, and nobody cannot read the program")

        # A missing directory.
        path = os.path.join(workdir, "no-such-dir", "x.h5")
        result = run([migflow, "run", *quick, "-o", path])
        expect_failure(c, result, path, "No such file or directory", "a missing directory")

        # An output path that is a directory (even with --force).
        path = os.path.join(workdir, "a-directory.h5")
        os.mkdir(path)
        result = run([migflow, "run", *quick, "-o", path, "--force"])
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        c.check(result.returncode == 3 and len(lines) == 1 and "is a directory" in lines[0],
                "an output path that is a directory: exit 3, one line", result.stderr)
        c.check(os.path.isdir(path) and not os.listdir(path) and
                not os.path.exists(path + ".partial"), "the directory is left as it was")

        # The output's directory removed during the run.
        gone = os.path.join(workdir, "gone")
        os.mkdir(gone)
        path = os.path.join(gone, "x.h5")
        process = subprocess.Popen([migflow, "run", baseline, "--agent-scale", "2", "--quiet",
                                    "--threads", "1", "-o", path], stderr=subprocess.PIPE, text=True)
        for _ in range(600):  # wait until the run has its partial file open
            if os.path.exists(path + ".partial"):
                break
            time.sleep(0.05)
        time.sleep(1)  # and is writing days
        shutil.rmtree(gone)
        _, stderr = process.communicate(timeout=600)
        lines = [line for line in stderr.splitlines() if line.strip()]
        c.check(process.returncode == 3 and len(lines) == 1 and "x.h5" in lines[0] and
                "No such file or directory" in lines[0],
                "the directory removed during the run: exit 3, one line", stderr)
        c.check(not os.path.exists(gone), "nothing recreated")
    sys.exit(c.finish())


if __name__ == "__main__":
    main()
