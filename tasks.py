#!/usr/bin/env python3
"""Set up the environment and open the notebooks, or run the tests -- one command each.

    python3 tasks.py lab      # create .venv (first time), install, open JupyterLab on notebooks/
    python3 tasks.py test     # create .venv (first time), install, run the fast tier (unit tests)
    python3 tasks.py test --full    # every tier: notebooks, grading, bundle, browser (what CI runs)
    python3 tasks.py handout [--release]   # the executed notebooks as a static HTML site
    python3 tasks.py bundle [--out DIR] [--force]   # what students receive: DIR/brain-models/ and .zip

Needs only Python 3.11 with its standard library. The environment is .venv/ in this folder,
installed from requirements.txt plus this package (pip install -e .); it is reinstalled
only when requirements.txt or pyproject.toml change.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def _fingerprint() -> str:
    h = hashlib.sha256()
    for name in ("requirements.txt", "pyproject.toml"):
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def setup() -> None:
    """Create .venv and install the pinned requirements and the helpers package."""
    if sys.version_info[:2] != (3, 11):
        print(f"warning: the pins are tested on Python 3.11, this is {sys.version.split()[0]}")
    if not PY.exists():
        print(f"creating {VENV}")
        venv.create(VENV, with_pip=True)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check"]
    subprocess.run([*pip, "-q", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-r", str(ROOT / "requirements.txt")], check=True)
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)
    STAMP.write_text(_fingerprint())


def test_args(args: list[str]) -> list[str]:
    """pytest's arguments for ``tasks.py test [--full] [ARGS]``: the fast tier (``-m unit``: no
    whole-notebook execution) unless ``--full`` or a ``-m`` of the caller's own chooses the tiers.
    (``--quick``, the fast tier's old name, is accepted.)"""
    full = "--full" in args
    args = [a for a in args if a not in ("--full", "--quick")]
    if full or "-m" in args or any(a.startswith("-m=") for a in args):
        return args
    return ["-m", "unit", *args]


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("lab", "test", "setup", "handout", "bundle"):
        print(__doc__)
        return 2
    setup()
    env = dict(os.environ, PYTHONHASHSEED="0")
    # as if the venv were activated: nbgrader calls console scripts of the venv (alembic)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = str(VENV)
    if argv[0] == "lab":
        cmd = [str(PY), "-m", "jupyter", "lab", str(ROOT / "notebooks"), *argv[1:]]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI machines run as root
            cmd.append("--allow-root")
    elif argv[0] == "test":
        cmd = [str(PY), "-m", "pytest", *test_args(argv[1:])]
    elif argv[0] == "handout":
        cmd = [str(PY), str(ROOT / "tools" / "handout.py"), *argv[1:]]
    elif argv[0] == "bundle":  # the student bundle (course/bundle.py); default --out bundle/
        cmd = [str(PY), "-m", "course", "bundle", *argv[1:]]
    else:
        return 0
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
