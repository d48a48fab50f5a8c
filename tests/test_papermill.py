"""papermill runs a notebook with parameters, and ``FULL=1`` does the same from the environment.

No whole notebook runs here: papermill prepares the real notebook (its values injected after the
cell tagged ``parameters``, nothing executed), and a kernel then runs only its set-up, the code
cells before section 1, which is where the parameters take effect.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from helpers import sheet

from .conftest import NOTEBOOKS

#: Its sheet size is chosen from FULL in the cell after the setup cell.
STEM = "05_mexican_hat"
PROBE = 'import json; print(json.dumps({"FULL": FULL, "N": N}))'


def _set_up(nb: nbformat.NotebookNode, folder: Path) -> dict:
    """Run the code cells of ``nb`` before its first section in a fresh kernel; FULL and N after them."""
    first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("## 1 "))
    short = nbformat.from_dict(nb)
    short.cells = [c for c in nb.cells[:first] if c.cell_type == "code"] + [nbformat.v4.new_code_cell(PROBE)]
    NotebookClient(short, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    return json.loads(short.cells[-1].outputs[-1]["text"])


def test_papermill_p_full_true_takes_effect(tmp_path, monkeypatch):
    monkeypatch.delenv("FULL", raising=False)
    out = tmp_path / "prepared.ipynb"
    run = subprocess.run([sys.executable, "-m", "papermill", "--prepare-only", str(NOTEBOOKS / f"{STEM}.ipynb"),
                          str(out), "-p", "FULL", "True"], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert run.returncode == 0, run.stderr[-3000:]
    nb = nbformat.read(out, as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    setup = next(i for i, t in enumerate(tags) if "parameters" in t)
    assert "injected-parameters" in tags[setup + 1], "papermill injects right after the setup cell"
    assert "FULL = True" in nb.cells[setup + 1].source
    assert _set_up(nb, NOTEBOOKS) == {"FULL": True, "N": sheet.N_PAPER}


@pytest.mark.parametrize("value,full,n", [("1", True, sheet.N_PAPER), ("0", False, sheet.N_DEFAULT)])
def test_full_environment_variable_takes_effect(monkeypatch, value, full, n):
    monkeypatch.setenv("FULL", value)
    nb = nbformat.read(NOTEBOOKS / f"{STEM}.ipynb", as_version=4)
    assert _set_up(nb, NOTEBOOKS) == {"FULL": full, "N": n}
