"""A throw-away nbgrader course directory around the collection's source notebooks.

nbgrader wants ``source/<assignment>/<notebook>.ipynb`` and a gradebook. Each notebook of
the collection is its own assignment (assignment id = notebook stem), so a class's
submissions can be laid out simply as ``SUBMISSIONS/<student>/<notebook>.ipynb``.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

__all__ = ["REPO_NOTEBOOKS", "source_notebooks", "write_config", "prepare_course", "kernel_env"]

REPO_NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

#: Seconds one cell may run while grading before nbgrader interrupts it.
CELL_TIMEOUT_S = 120

_CONFIG = """\
c = get_config()  # noqa: F821 -- nbgrader's config loader provides it
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "brain-models"
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.Execute.timeout = {timeout}
c.Execute.interrupt_on_timeout = True
"""


def source_notebooks(notebook_dir: Path = REPO_NOTEBOOKS) -> list[Path]:
    """The collection's source notebooks present in ``notebook_dir`` (``NN_name.ipynb``)."""
    notebook_dir = Path(notebook_dir)
    if not notebook_dir.is_dir():
        raise FileNotFoundError(
            f"notebook_dir {notebook_dir} does not exist: pass the collection's notebooks/ folder"
        )
    return sorted(notebook_dir.glob("[0-9][0-9]_*.ipynb"))


def kernel_env() -> dict[str, str]:
    """Environment for kernels run by nbgrader: no GUI backend, one thread each."""
    env = dict(os.environ)
    env.update(MPLBACKEND="Agg", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONHASHSEED="0")
    return env


def write_config(root: Path, timeout: int = CELL_TIMEOUT_S) -> None:
    """Write ``root/nbgrader_config.py`` for a course rooted at ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(_CONFIG.format(root=str(root), timeout=int(timeout)))


def run_nbgrader(root: Path, args: list[str], timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` with ``root`` as course directory; return the completed process."""
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=root,
        env=kernel_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def prepare_course(root: Path, notebooks: list[Path]) -> list[str]:
    """Lay out a course at ``root`` and generate one assignment per notebook.

    Parameters
    ----------
    root : Path
        An empty or missing folder.
    notebooks : list of Path
        Source notebooks (with nbgrader metadata).

    Returns
    -------
    list of str
        The assignment ids, one per notebook (its stem).
    """
    write_config(root)
    ids = []
    for nb_path in notebooks:
        nbformat.validate(nbformat.read(nb_path, as_version=4))
        aid = nb_path.stem
        dest = root / "source" / aid
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(nb_path, dest / nb_path.name)
        proc = run_nbgrader(root, ["generate_assignment", aid, "--force"])
        if proc.returncode != 0:
            raise RuntimeError(
                f"nbgrader generate_assignment failed for {nb_path.name}:\n{proc.stdout}\n{proc.stderr}"
            )
        ids.append(aid)
    return ids
