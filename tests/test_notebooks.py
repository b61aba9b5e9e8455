"""Executes scripts/notebooks/from_python.ipynb headless (nbclient): a year
of the baseline run from Python (migflow.run), a parameter changed, the two
compared in a table and a plot. It must run without error, show its table
and figure, and take under a minute.

Environment (tests/meson.build): PYTHONPATH (python/), MIGFLOW_LIBRARY.
Jupyter's and IPython's files go to pytest's temporary directory.
"""
import os
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def quiet_jupyter(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "jupyter-runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    monkeypatch.setenv("MIGFLOW_ROOT", ROOT)
    return tmp_path


def test_from_python_notebook(quiet_jupyter):
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient
    path = os.path.join(ROOT, "scripts", "notebooks", "from_python.ipynb")
    nb = nbformat.read(path, as_version=4)
    started = time.monotonic()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": os.path.dirname(path)}}).execute()
    took = time.monotonic() - started
    nbformat.write(nb, os.fspath(quiet_jupyter / "from_python.executed.ipynb"))
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 1
    assert sum("text/html" in o.get("data", {}) for o in outputs) >= 1
    text = "".join(o.get("text", "") for o in outputs)
    assert "field 'parameters.stay_dayz'" in text
    assert took < 60, f"the notebook took {took:.0f} s"
