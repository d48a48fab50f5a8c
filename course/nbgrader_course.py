"""A throw-away nbgrader course directory around the collection's source notebooks.

nbgrader wants ``source/<assignment>/<notebook>.ipynb`` and a gradebook. Each notebook of
the collection is its own assignment (assignment id = notebook stem), so a class's
submissions can be laid out simply as ``SUBMISSIONS/<student>/<notebook>.ipynb``.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import nbformat

__all__ = [
    "REPO_ROOT", "REPO_NOTEBOOKS", "KERNEL_NAME", "source_notebooks", "write_config",
    "write_kernelspec", "prepare_course", "kernel_env", "run_nbgrader",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
REPO_NOTEBOOKS = REPO_ROOT / "notebooks"

#: Seconds one cell may run while grading before it is interrupted. Cells of the source
#: notebooks take up to ~15 s on an idle core; the margin covers a loaded machine.
CELL_TIMEOUT_S = 45
#: Seconds an interrupted cell gets to stop before its kernel is killed.
KILL_GRACE_S = 10
#: Wall-clock seconds one notebook's execution may take while grading.
NOTEBOOK_BUDGET_S = 600
#: Name of the grading kernel (``course.sandbox``).
KERNEL_NAME = "course-grading-sandbox"

_CONFIG = """\
c = get_config()  # noqa: F821 -- nbgrader's config loader provides it
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "brain-models"
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.Execute.timeout = {timeout}
c.Execute.interrupt_on_timeout = True
"""

_GRADING_CONFIG = """
from course.nbgrader_plugins import GuardedExecute  # noqa: E402
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades)

c.Autograde.autograde_preprocessors = [
    GuardedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata,
]
c.GuardedExecute.kernel_name = {kernel!r}
c.GuardedExecute.cell_timeout = {timeout}
c.GuardedExecute.notebook_timeout = {budget}
c.GuardedExecute.kill_grace = {grace}
c.GuardedExecute.startup_timeout = 120
c.OverwriteCells.add_missing_cells = True
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
    """Environment for kernels run by nbgrader: one thread each (figures drawn inline, as students see them)."""
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               PYTHONHASHSEED="0")
    # nbgrader calls console scripts of this environment (alembic): find them without activation
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def write_config(
    root: Path,
    timeout: int = CELL_TIMEOUT_S,
    grading: bool = False,
    notebook_budget: float = NOTEBOOK_BUDGET_S,
) -> None:
    """Write ``root/nbgrader_config.py`` for a course rooted at ``root``.

    ``grading=True`` adds the grading set-up: :class:`~course.nbgrader_plugins.GuardedExecute`
    with a per-cell ``timeout`` and a per-notebook ``notebook_budget`` (seconds), the grading
    kernel, and restoration of deleted graded cells.
    """
    root.mkdir(parents=True, exist_ok=True)
    text = _CONFIG.format(root=str(root), timeout=int(timeout))
    if grading:
        text += _GRADING_CONFIG.format(kernel=KERNEL_NAME, timeout=int(timeout), budget=float(notebook_budget),
                                       grace=KILL_GRACE_S)
    (root / "nbgrader_config.py").write_text(text)


def write_kernelspec(jupyter_path: Path) -> Path:
    """Install the grading kernel's spec under ``jupyter_path/kernels``; return its folder."""
    spec_dir = Path(jupyter_path) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-S", str(Path(__file__).with_name("kernel_client.py")),
                 "-f", "{connection_file}", "--HistoryManager.enabled=False"],
        "display_name": "Python 3 (grading sandbox)",
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {"debugger": False},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return spec_dir


def run_nbgrader(
    root: Path, args: list[str], timeout: float | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` with ``root`` as course directory; return the completed process.

    ``env`` adds variables to :func:`kernel_env`. On timeout the whole process group is
    killed and :class:`subprocess.TimeoutExpired` is raised.
    """
    full_env = kernel_env()
    full_env.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=root,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


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
