"""The student bundle: everything a student receives, and nothing of the instructor's.

``python3 tasks.py bundle [--out DIR] [--force]`` (or ``python -m course bundle``) writes

``DIR/brain-models/``
    ``notebooks/NN_name.ipynb``  the student release (:func:`course.release.release`: solution
                                 stubs, no hidden test, no output)
    ``helpers/``                 the library the notebooks import (models, figures, visible checks)
    ``data/``                    the shipped data
    ``requirements.txt``         the pinned packages a student needs (no test or grading tool)
    ``pyproject.toml``           makes ``helpers`` installable (``pip install -e .``), with the
                                 repository's dependency ranges (Colab, a JupyterHub)
    ``tasks.py``                 ``python3 tasks.py lab``: create ``.venv``, install, open JupyterLab;
                                 refuses a platform without torch wheels (the repository's check)
    ``README.md``                the student's instructions, with the measured table of platforms
``DIR/brain-models.zip``
    the same folder, zipped for the LMS.

Nothing else is copied: no instructor notebook, no notebook source, no test suite, no grading
tooling (this package), no ``tools/``. Before the zip is written every file is searched for
nbgrader's solution and hidden-test markers; a hit stops the build. An existing bundle is never
overwritten without ``force``.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
import tomllib
import zipfile
from pathlib import Path

from .nbgrader_course import REPO_NOTEBOOKS, REPO_ROOT
from .release import release

__all__ = ["BUNDLE_NAME", "LEAK_MARKERS", "README_PLATFORMS", "TASKS_SHARED", "TEST_ONLY_PACKAGES", "build_bundle",
           "find_markers", "pyproject", "student_requirements", "tasks_script"]

#: Name of the bundle's folder (and of its zip file).
BUNDLE_NAME = "brain-models"
#: The first and last line of the part of ``tasks.py`` that the bundle's ``tasks.py`` shares
#: (which Pythons and machines the pinned environment installs on).
TASKS_SHARED = ("# -- where the pinned environment installs", "# -- end of where the pinned environment installs")
#: The markers around the README's table of platforms (``python tools/platforms.py --readme``).
README_PLATFORMS = ("<!-- platforms: begin", "<!-- platforms: end")
#: Text that must never reach a student.
LEAK_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
#: Pinned packages that only the test suite, the grading, the authoring (jupytext sources,
#: ruff) and the instructor's tools (papermill runs, the handout's MathJax, uv for
#: tools/platforms.py) need. Nothing in ``helpers`` or
#: in the released notebooks imports them (``tests/test_bundle.py`` executes every released
#: notebook in an environment without them). nbclient, nbconvert and nbformat stay: JupyterLab
#: itself runs on them.
TEST_ONLY_PACKAGES = frozenset({"nbgrader", "nbval", "pytest", "pytest-timeout", "pytest-xdist", "playwright",
                                "jupytext", "ruff", "papermill", "jupyter-server-mathjax", "uv"})
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".DS_Store")
_TEXT_SUFFIXES = {".py", ".ipynb", ".md", ".txt", ".toml", ".json", ".cfg", ".yml", ".yaml", ".html", ".csv"}

_PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "brain-models-helpers"
version = "{version}"
description = "Helpers for the exercises on task-driven models of the brain"
requires-python = ">=3.11"
# what the helpers package needs (pip keeps installed versions inside these ranges);
# requirements.txt is the exact, tested set that tasks.py installs
dependencies = [
{dependencies}
]

[tool.setuptools.packages.find]
include = ["helpers*"]
"""

_TASKS = '''\
#!/usr/bin/env python3
"""Set up the environment and open the notebooks -- one command.

    python3 tasks.py lab      # create .venv (first time: a few minutes), install, open JupyterLab
    python3 tasks.py setup    # only create .venv and install

Needs only Python 3.11, 3.12, 3.13 or 3.14 with its standard library, on a machine for which
torch 2.13 has wheels (it says so before installing anything when there is none). The
environment is .venv/ in this folder, installed from requirements.txt plus the helpers package
(pip install -e .); it is installed again only when requirements.txt or pyproject.toml change.
"""
from __future__ import annotations

import hashlib
import os
import platform
import re
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"

{platform_check}


def _fingerprint() -> str:
    h = hashlib.sha256()
    for name in ("requirements.txt", "pyproject.toml"):
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def setup() -> None:
    """Create .venv and install the pinned requirements and the helpers package."""
    if not PY.exists():
        print(f"creating {VENV}")
        venv.create(VENV, with_pip=True)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(ROOT / "requirements.txt")], check=True)
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)
    STAMP.write_text(_fingerprint())


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("lab", "setup"):
        print(__doc__)
        return 2
    problem = unsupported_here()
    if problem:
        print(f"tasks.py: nothing was installed. {problem}", file=sys.stderr)
        return 3
    setup()
    if argv[0] == "setup":
        return 0
    env = dict(os.environ, PATH=str(BIN) + os.pathsep + os.environ.get("PATH", ""), VIRTUAL_ENV=str(VENV))
    cmd = [str(PY), "-m", "jupyter", "lab", str(ROOT / "notebooks"), *argv[1:]]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers run as root
        cmd.append("--allow-root")
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
'''

_README = """\
# Task-driven models of the brain: exercises

Eight Jupyter notebooks that follow the lecture "Task-driven models" exercise by exercise:
engineer and then learn path integration (ring attractors, grid cells in a trained RNN),
compare the two circuits, see how max and sum pooling (HMAX) explain invariant object
recognition and why object identity is linearly decodable from IT, and train a task-driven
network of the ventral stream.

{table}

## Set up (once) and open the notebooks

You need Python 3.11, 3.12, 3.13 or 3.14, nothing else. In a terminal, in this folder:

```bash
python3 tasks.py lab
```

The first time this creates `.venv/` here and installs the pinned packages (a few minutes);
then it opens JupyterLab on `notebooks/`. Run the same command next time.
`python3 tasks.py setup` does the installation only.

Where the packages install ("ok": every one has a wheel for that machine and Python):

{platforms}

On a machine marked otherwise, `tasks.py` says so before it installs anything: use Colab or
your course's JupyterHub (below), or another computer.

The same by hand (on Windows the folder is `.venv\\Scripts\\` instead of `.venv/bin/`):

```bash
python3 -m venv .venv
.venv/bin/python -m pip install -r requirements.txt
.venv/bin/python -m pip install --no-deps -e .
.venv/bin/python -m jupyter lab notebooks
```

## On Colab or a JupyterHub

There, Python and most packages are installed already. `pip install -e .` in this folder adds
the `helpers` package and only the packages that are missing or older than it needs (see
`pyproject.toml`): the installed numpy, matplotlib or ipykernel are kept when they are recent
enough, and so is torch from version 2.13 on (an older torch is replaced: a download of a few GB).
Install it editable (`-e`): `helpers` finds `data/` next to itself.

**Google Colab.** Each notebook runs on its own Colab machine, so each needs the bundle:

1. *File -> Upload notebook*, and pick the notebook from `notebooks/` of this folder
   (unzipped on your computer).
2. In the notebook, open the *Files* pane (the folder icon on the left) and upload
   `brain-models.zip`.
3. Insert a code cell at the very top and run it:

   ```python
   !unzip -q -o brain-models.zip
   %pip install -q -e brain-models
   ```

4. *Runtime -> Restart session* (so that Python sees the new package), then
   *Runtime -> Run all*. After a restart of the Colab machine, run the top cell again.
5. Delete the top cell before you download the notebook (*File -> Download -> .ipynb*) to hand in.

**A JupyterHub.** Upload `brain-models.zip` in the file browser, open a terminal
(*File -> New -> Terminal*) and run:

```bash
unzip -q brain-models.zip && cd brain-models
python3 -m pip install --user -e .
```

Then open the notebooks from `brain-models/notebooks/` in the file browser (restart a kernel
that was already running: *Kernel -> Restart Kernel*). If the hub has no torch, install the CPU
build first, which is much smaller than the default one on Linux:
`python3 -m pip install --user torch --index-url https://download.pytorch.org/whl/cpu`.

The long versions: run a cell `%env FULL=1` above the setup cell, or set `FULL = True` in the
cell tagged `parameters` (the setup cell).

## Working on a notebook

* Run the cells from the top. An exercise is a function whose body reads
  `raise NotImplementedError()`: replace that line with your code.
* The cell below an exercise checks your function and tells you what it expected, what came
  back and a hint. Do not edit or delete these test cells: they are put back as they were
  when the notebook is graded, and the grader runs further tests you do not see.
* While your function is not finished, the cell after the test uses a reference version and
  says so, so the rest of the notebook still runs and draws its figures. Your answer itself
  must be your own code: an exercise that calls or copies that reference is reported to the
  graders.
* "Think!" cells ask for a few sentences: replace `YOUR ANSWER HERE` with your answer.
  They are graded by hand.
* `FULL = False` in the setup cell keeps every notebook to about a minute on a laptop;
  `FULL = True` there (or `FULL=1 python3 tasks.py lab`) runs the long versions.

## Handing in

Upload the notebook files themselves (`notebooks/01_rnn_basics.ipynb`, ...), with their names
unchanged, where your course asks for them. Save before you upload.

The `helpers` package holds the models, figures and checks the notebooks use; `data/` holds
the small files they load (see `data/README.md`).
"""

_TITLES = {
    "01_rnn_basics": "what does a rate RNN do; stability, chaos and the spectral radius",
    "02_bptt": "how gradients flow back in time; why they vanish or explode; gating",
    "03_ring_attractors": "how to *engineer* head-direction path integration with a ring attractor",
    "04_grid_cell_rnn": "how to *learn* path integration: grid cells in a Sorscher-style RNN",
    "05_mexican_hat": "are engineered and learned solutions the same circuit?",
    "06_hmax": "how max and sum pooling give invariance and selectivity",
    "07_v4_vs_it_decoding": "why object identity is linearly decodable from IT but less from V4",
    "08_task_driven_ventral_stream": "does a network trained to categorise build IT-like invariance, and which "
                                     "layer predicts V4 and IT?",
}


def _package_name(line: str) -> str | None:
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    m = re.match(r"[A-Za-z0-9._-]+", line)
    return m.group(0).lower().replace("_", "-") if m else None


def student_requirements(text: str) -> str:
    """The requirements file without the packages only tests and grading need.

    Parameters
    ----------
    text : str
        Contents of the repository's pinned ``requirements.txt``.
    """
    out = ["# Pinned environment of the exercises (Python 3.11 to 3.14); every notebook runs on a CPU."]
    for line in text.splitlines():
        name = _package_name(line)
        if name is None:
            continue
        if name not in TEST_ONLY_PACKAGES:
            out.append(line.strip())
    return "\n".join(out) + "\n"


def find_markers(folder: Path) -> list[str]:
    """``path: marker`` for every leak marker found in a text file below ``folder``."""
    hits = []
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file() or path.suffix not in _TEXT_SUFFIXES:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        hits += [f"{path.relative_to(folder)}: {m}" for m in LEAK_MARKERS if m in text]
    return hits


def _between(text: str, begin: str, end: str, where: str) -> str:
    """The lines of ``text`` from the one holding ``begin`` through the one holding ``end``."""
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise ValueError(f"{where} lacks the part between {begin!r} and {end!r}")
    start = text.rfind("\n", 0, start) + 1
    stop = text.find("\n", stop)
    return text[start:stop + 1 if stop >= 0 else len(text)]


def tasks_script(repo_tasks: str) -> str:
    """The bundle's ``tasks.py``, with the platform check of the repository's ``tasks.py``.

    Parameters
    ----------
    repo_tasks : str
        Contents of the repository's ``tasks.py`` (its part between ``TASKS_SHARED`` is copied).
    """
    return _TASKS.replace("{platform_check}\n", _between(repo_tasks, *TASKS_SHARED, "tasks.py"))


def pyproject(repo_pyproject: str) -> str:
    """The bundle's ``pyproject.toml``: the version and dependency ranges of the repository's."""
    project = tomllib.loads(repo_pyproject)["project"]
    deps = "\n".join(f"    {json.dumps(d)}," for d in project["dependencies"])
    return _PYPROJECT.format(version=project["version"], dependencies=deps)


def _readme(notebooks: list[Path], repo_readme: str) -> str:
    rows = ["| # | notebook | the question it answers |", "|---|----------|-------------------------|"]
    for nb in notebooks:
        rows.append(f"| {nb.stem[:2]} | `{nb.stem}` | {_TITLES.get(nb.stem, '')} |")
    platforms = "\n".join(_between(repo_readme, *README_PLATFORMS, "README.md").splitlines()[1:-1]).strip()
    return _README.format(table="\n".join(rows), platforms=platforms)


def _zip(folder: Path, dest: Path) -> None:
    tmp = dest.with_name(dest.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, Path(folder.name) / path.relative_to(folder))
    tmp.replace(dest)


def build_bundle(out: Path, notebook_dir: Path = REPO_NOTEBOOKS, force: bool = False) -> tuple[Path, Path]:
    """Write the student bundle into ``out``.

    Parameters
    ----------
    out : Path
        Destination folder; receives ``brain-models/`` and ``brain-models.zip``.
    notebook_dir : Path
        The instructor notebooks (with solutions and hidden tests) to release.
    force : bool
        Replace a bundle already in ``out``; without it an existing one is an error.

    Returns
    -------
    (Path, Path)
        The bundle's folder and its zip file.
    """
    out = Path(out)
    folder, archive = out / BUNDLE_NAME, out / f"{BUNDLE_NAME}.zip"
    existing = [p for p in (folder, archive) if p.exists()]
    if existing and not force:
        raise FileExistsError(f"{existing[0]} exists; choose another --out or pass --force to replace it")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".bundle-", dir=out) as tmp:
        stage = Path(tmp) / BUNDLE_NAME
        notebooks = release(stage / "notebooks", notebook_dir)
        shutil.copytree(REPO_ROOT / "helpers", stage / "helpers", ignore=_IGNORE)
        shutil.copytree(REPO_ROOT / "data", stage / "data", ignore=_IGNORE)
        reqs = (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8")
        (stage / "requirements.txt").write_text(student_requirements(reqs), encoding="utf-8")
        (stage / "pyproject.toml").write_text(pyproject((REPO_ROOT / "pyproject.toml").read_text()))
        (stage / "tasks.py").write_text(tasks_script((REPO_ROOT / "tasks.py").read_text()), encoding="utf-8")
        readme = _readme(sorted(notebooks), (REPO_ROOT / "README.md").read_text(encoding="utf-8"))
        (stage / "README.md").write_text(readme, encoding="utf-8")
        leaks = find_markers(stage)
        if leaks:
            raise RuntimeError("the bundle would hold instructor text, not written: " + "; ".join(leaks))
        for p in existing:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        stage.rename(folder)
    _zip(folder, archive)
    return folder, archive
