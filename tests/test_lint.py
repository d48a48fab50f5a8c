"""ruff (configured in pyproject.toml) finds nothing in helpers, course, tools, tests or the notebook sources."""
from __future__ import annotations

import subprocess
import sys

from tools.import_graph import ROOT

LINTED = ("helpers", "course", "tools", "tests", "notebooks/src", "tasks.py")


def test_ruff_is_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *LINTED],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (
        "ruff found problems (run `.venv/bin/ruff check --fix` for the fixable ones):\n" + proc.stdout + proc.stderr)
