"""Running models from Python: migflow.run and migflow.check over the shared
library libmigflow (ctypes, no compiler needed; include/migflow/embed.h).

A scenario is a path (str or os.PathLike) or YAML text (a str holding a
newline), whose ``extends:``, network and targets files are then relative to
``base_dir`` (default: the current directory). run() goes through the
library's ensemble entry point and its HDF5 writer, exactly as ``migflow
run`` does, into a file in a private temporary directory that is read into
memory and deleted: the Dataset is the one ``migflow.open_run`` gives of the
CLI's file for the same inputs. The GIL is released while the model runs,
so several threads may run models at once.

The library is looked up, in order: the path in the environment variable
MIGFLOW_LIBRARY; where ``meson install`` put it (migflow/_config.py); the
build directories of the checkout the package sits in (``build*/src``,
the newest, leaving out sanitizer builds); the system's library path
(libmigflow.so.0).
"""
import ctypes
import glob
import json
import os
import signal
import tempfile
import threading

from .io import open_run

__all__ = ["run", "check", "library_path", "MigflowError", "ScenarioError", "Cancelled"]

# enum mf_status (include/migflow/error.h)
_OK, _INPUT, _IO, _NOMEM, _EXISTS, _CANCELLED, _INTERNAL = range(7)


class MigflowError(RuntimeError):
    """A failure the library reported. Attributes: code (enum mf_status),
    status (its name), file, line, column, field (empty or 0 when unknown)
    and message (the library's text, without the position)."""

    def __init__(self, text, code=_INTERNAL, status="", file="", line=0, column=0, field="",
                 message=""):
        super().__init__(text)
        self.code, self.status = code, status
        self.file, self.line, self.column, self.field = file, line, column, field
        self.message = message or text


class ScenarioError(MigflowError, ValueError):
    """Bad input (scenario, network, targets, parameters): str() is the
    CLI's ``file:line:column: 'field': message``."""


class Cancelled(MigflowError):
    """The run was stopped by its progress callback (returned False)."""


class _Error(ctypes.Structure):  # struct mf_error
    _fields_ = [("code", ctypes.c_int), ("file", ctypes.c_char * 4096),
                ("line", ctypes.c_int), ("column", ctypes.c_int),
                ("field", ctypes.c_char * 64), ("message", ctypes.c_char * 512)]


_PROGRESS_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                             ctypes.c_int64)
_CANCELLED_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)


class _Options(ctypes.Structure):  # struct mf_embed_options
    _fields_ = [("scenario", ctypes.c_char_p), ("text", ctypes.c_int),
                ("base_dir", ctypes.c_char_p), ("has_seed", ctypes.c_int),
                ("seed", ctypes.c_uint64), ("days", ctypes.c_int),
                ("replicates", ctypes.c_int), ("replicate", ctypes.c_uint32),
                ("threads", ctypes.c_int), ("agent_scale", ctypes.c_int),
                ("parameter_names", ctypes.POINTER(ctypes.c_char_p)),
                ("parameter_values", ctypes.POINTER(ctypes.c_double)),
                ("n_parameters", ctypes.c_int), ("progress", _PROGRESS_FN),
                ("cancelled", _CANCELLED_FN), ("user", ctypes.c_void_p)]


_lock = threading.Lock()
_lib = None


def _sanitized(build_dir):
    """Whether a meson build directory builds with sanitizers: python3 does
    not carry their runtime, and loading such a library would abort."""
    try:
        with open(os.path.join(build_dir, "meson-info", "intro-buildoptions.json"),
                  encoding="utf-8") as f:
            options = json.load(f)
    except (OSError, ValueError):
        return False
    return any(o.get("name") == "b_sanitize" and o.get("value") not in ("none", "", None)
               for o in options)


def _candidates():
    env = os.environ.get("MIGFLOW_LIBRARY")
    if env:
        return [env]
    found = []
    try:
        from . import _config  # written by meson install
        found.append(_config.LIBRARY)
    except ImportError:
        pass
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    built = [p for p in glob.glob(os.path.join(root, "build*", "src", "libmigflow.so"))
             if not _sanitized(os.path.dirname(os.path.dirname(p)))]
    found += sorted(built, key=os.path.getmtime, reverse=True)
    found.append("libmigflow.so.0")
    return found


def _load():
    global _lib
    with _lock:
        if _lib is not None:
            return _lib
        tried = []
        for path in _candidates():
            try:
                lib = ctypes.CDLL(path)
            except OSError as e:
                tried.append(f"{path}: {e}")
                continue
            lib.mf_embed_error_size.restype = ctypes.c_size_t
            lib.mf_embed_options_size.restype = ctypes.c_size_t
            if (lib.mf_embed_error_size() != ctypes.sizeof(_Error) or
                    lib.mf_embed_options_size() != ctypes.sizeof(_Options)):
                raise ImportError(f"{path} does not match this migflow package "
                                  "(struct sizes differ): rebuild or reinstall both")
            for name in ("mf_embed_run", "mf_embed_check"):
                getattr(lib, name).restype = ctypes.c_int
            lib.mf_embed_run.argtypes = [ctypes.POINTER(_Options), ctypes.c_char_p,
                                         ctypes.POINTER(_Error)]
            lib.mf_embed_check.argtypes = [ctypes.POINTER(_Options), ctypes.POINTER(_Error)]
            lib.mf_error_format.restype = ctypes.c_char_p
            lib.mf_error_format.argtypes = [ctypes.POINTER(_Error), ctypes.c_char_p,
                                            ctypes.c_size_t]
            lib.mf_status_name.restype = ctypes.c_char_p
            lib.mf_status_name.argtypes = [ctypes.c_int]
            lib._migflow_path = path
            _lib = lib
            return lib
        raise ImportError("cannot load libmigflow (build it with meson, set MIGFLOW_LIBRARY "
                          "to build/src/libmigflow.so, or meson install it); tried:\n  "
                          + "\n  ".join(tried))


def library_path():
    """The shared library in use (loading it if needed)."""
    return _load()._migflow_path


def _raise(lib, status, err):
    text = ctypes.create_string_buffer(8192)
    lib.mf_error_format(ctypes.byref(err), text, len(text))
    kind = {_INPUT: ScenarioError, _CANCELLED: Cancelled}.get(status, MigflowError)
    decode = (lambda b: b.decode("utf-8", "replace"))
    raise kind(decode(text.value), code=status, status=decode(lib.mf_status_name(status)),
               file=decode(err.file), line=err.line, column=err.column,
               field=decode(err.field), message=decode(err.message))


def _whole(name, value, low):
    if value is None:
        return 0
    if isinstance(value, bool) or int(value) != value or value < low:
        raise ValueError(f"{name}: expected a whole number >= {low}, got {value!r}")
    return int(value)


def _options(scenario, base_dir, keep):
    """The options naming the scenario; keep holds what they point at."""
    text = isinstance(scenario, str) and "\n" in scenario
    if not text:
        scenario = os.fspath(scenario)
    keep.append(scenario.encode("utf-8"))
    opts = _Options(scenario=keep[-1], text=int(text))
    if base_dir is not None:
        keep.append(os.fspath(base_dir).encode("utf-8"))
        opts.base_dir = keep[-1]
    return opts


def check(scenario, base_dir=None):
    """Validates a scenario (path or YAML text) as `migflow check` does;
    raises ScenarioError (file, line, column, field, message) when bad."""
    lib = _load()
    keep = []
    opts = _options(scenario, base_dir, keep)
    err = _Error()
    status = lib.mf_embed_check(ctypes.byref(opts), ctypes.byref(err))
    if status != _OK:
        _raise(lib, status, err)


def run(scenario, days=None, seed=None, replicates=None, parameters=None, threads=None,
        progress=None, *, replicate=None, agent_scale=None, base_dir=None):
    """Simulates a scenario and returns its output as an xarray.Dataset in
    memory: what `migflow run SCENARIO --seed SEED --days DAYS --replicates N
    --threads T --agent-scale A` writes, opened with open_run.

    scenario: a path or YAML text (see the module). days, seed: the
    scenario's unless given. replicates=N runs replicates 0..N-1 (a leading
    replicate dimension and summary_* statistics); replicate=K one replicate
    alone. parameters: {name: value} model parameters set in every run (the
    names of a scenario's ``parameters:`` block, e.g. ``stay_days.Libya``, or
    ``flee.<key>`` for rules flee). threads: OpenMP threads (default: the
    rule set's). progress(run, day, days): called after every simulated day
    (run 0..runs-1, day 1..days); returning False stops the run (Cancelled),
    and an exception it raises stops the run and is raised here.
    Ctrl-C (SIGINT, in the main thread) stops the run and raises
    KeyboardInterrupt. Raises ScenarioError for bad input, MigflowError for
    other failures."""
    lib = _load()
    keep = []
    opts = _options(scenario, base_dir, keep)
    opts.days = _whole("days", days, 1)
    opts.replicates = _whole("replicates", replicates, 1)
    opts.threads = _whole("threads", threads, 1)
    opts.agent_scale = _whole("agent_scale", agent_scale, 1)
    if seed is not None:
        opts.has_seed, opts.seed = 1, _whole("seed", seed, 0)
    if replicate is not None:
        if replicates is not None:
            raise ValueError("give replicate=K (one replicate) or replicates=N, not both")
        opts.replicate = _whole("replicate", replicate, 0)
    items = list((parameters or {}).items())
    if items:
        names = (ctypes.c_char_p * len(items))(*[str(k).encode("utf-8") for k, _ in items])
        values = (ctypes.c_double * len(items))(*[float(v) for _, v in items])
        keep += [names, values]
        opts.parameter_names, opts.parameter_values = names, values
        opts.n_parameters = len(items)

    state = {"stop": False, "error": None}

    def on_progress(_user, run_index, day, days_total, _alive):
        if state["stop"]:
            return
        try:
            if progress(run_index, day, days_total) is False:
                state["stop"] = True
        except BaseException as e:  # noqa: BLE001 - raised again after the run
            state["stop"], state["error"] = True, e

    def on_cancelled(_user):
        return int(state["stop"])

    # Ctrl-C (SIGINT) in the main thread: Python runs its handler in the
    # next callback, which then cancels the run; KeyboardInterrupt after it.
    def on_interrupt(_signum, _frame):
        state["stop"], state["error"] = True, KeyboardInterrupt()

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, on_interrupt)
    if progress is not None:
        opts.progress = _PROGRESS_FN(on_progress)
    if progress is not None or previous is not None:
        opts.cancelled = _CANCELLED_FN(on_cancelled)
    err = _Error()
    try:
        with tempfile.TemporaryDirectory(prefix="migflow-run-") as work:
            path = os.path.join(work, "run.h5")
            status = lib.mf_embed_run(ctypes.byref(opts), path.encode("utf-8"),
                                      ctypes.byref(err))
            if state["error"] is not None:
                raise state["error"]
            if status != _OK:
                _raise(lib, status, err)
            ds = open_run(path, load=True)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    ds.attrs.pop("migflow_path", None)
    return ds
