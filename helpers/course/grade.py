"""Grade a class: nbgrader's ``autograde`` over ``SUBMISSIONS/<student>/<notebook>.ipynb``.

Each (student, notebook) pair is graded in its own throw-away nbgrader course, in its own
process, with a wall-clock limit: one broken submission cannot stop or corrupt the batch,
the submissions folder is only read, and re-running gives the same table.
"""
from __future__ import annotations

import csv
import logging
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook

from .nbgrader_course import (
    REPO_NOTEBOOKS,
    prepare_course,
    run_nbgrader,
    source_notebooks,
    write_config,
)

__all__ = ["GradeRow", "grade", "find_submissions"]

log = logging.getLogger("helpers.course.grade")

#: Wall-clock seconds one notebook's whole grading may take.
NOTEBOOK_TIMEOUT_S = 600

_STUDENT_ID = re.compile(r"^[A-Za-z0-9_.@+-]+$")


@dataclass
class GradeRow:
    """One line of ``grades.csv``: a student's auto-graded score on one notebook."""

    student: str
    notebook: str
    score: float = 0.0
    max_score: float = 0.0
    manual_max_score: float = 0.0
    status: str = "graded"
    cells: dict[str, float] = field(default_factory=dict)


def find_submissions(submissions: Path, known: set[str]) -> tuple[list[tuple[str, Path]], list[str]]:
    """List ``(student, notebook_path)`` pairs and the problems met while looking.

    Parameters
    ----------
    submissions : Path
        Folder laid out as ``<student>/<notebook>.ipynb``.
    known : set of str
        Notebook stems of the collection; other files are reported, not graded.
    """
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise FileNotFoundError(
            f"SUBMISSIONS {submissions} is not a folder: expected SUBMISSIONS/<student>/<notebook>.ipynb"
        )
    jobs, problems = [], []
    for student_dir in sorted(p for p in submissions.iterdir() if p.is_dir()):
        student = student_dir.name
        if not _STUDENT_ID.match(student):
            problems.append(f"{student!r}: student folder names may use letters, digits and _.@+- only")
            continue
        for nb in sorted(student_dir.glob("*.ipynb")):
            if nb.stem not in known:
                problems.append(f"{student}/{nb.name}: not a notebook of this collection, skipped")
                continue
            jobs.append((student, nb))
    return jobs, problems


def _read_row(root: Path, student: str, aid: str) -> GradeRow:
    row = GradeRow(student=student, notebook=aid)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(aid, aid, student)
        for g in sorted(sub.grades, key=lambda g: g.name):
            if g.cell_type == "code":
                row.cells[g.name] = float(g.score or 0.0)
                row.score += float(g.score or 0.0)
                row.max_score += float(g.max_score)
            else:
                row.manual_max_score += float(g.max_score)
    return row


def _zero_row(base: Path, student: str, aid: str, status: str) -> GradeRow:
    row = GradeRow(student=student, notebook=aid, status=status)
    with Gradebook(f"sqlite:///{base / 'gradebook.db'}") as gb:
        nb = gb.find_notebook(aid, aid)
        for cell in sorted(nb.grade_cells, key=lambda c: c.name):
            if cell.cell_type == "code":
                row.cells[cell.name] = 0.0
                row.max_score += float(cell.max_score)
            else:
                row.manual_max_score += float(cell.max_score)
    return row


def _grade_one(base: Path, work: Path, student: str, nb_path: Path, timeout: float) -> GradeRow:
    aid = nb_path.stem
    root = work / f"{student}__{aid}"
    shutil.copytree(base, root, ignore=shutil.ignore_patterns("release", "submitted", "autograded"))
    write_config(root)
    dest = root / "submitted" / student / aid
    dest.mkdir(parents=True)
    shutil.copyfile(nb_path, dest / nb_path.name)
    try:
        proc = run_nbgrader(root, ["autograde", aid, "--student", student, "--force"], timeout=timeout)
    except subprocess.TimeoutExpired:
        log.warning("%s/%s: grading took more than %.0f s; scored 0", student, nb_path.name, timeout)
        return _zero_row(base, student, aid, f"timeout after {timeout:.0f} s")
    try:
        row = _read_row(root, student, aid)
    except Exception as err:  # noqa: BLE001 -- nbgrader gave no grades: report, score 0
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
        log.warning("%s/%s: not graded (%s): %s", student, nb_path.name, err.__class__.__name__, " | ".join(tail))
        return _zero_row(base, student, aid, "not graded: " + (tail[-1] if tail else str(err)))
    if proc.returncode != 0:
        row.status = "graded with errors"
        log.warning("%s/%s: nbgrader exited with %d", student, nb_path.name, proc.returncode)
    return row


def _write_csv(rows: list[GradeRow], out: Path) -> None:
    cell_names = sorted({c for r in rows for c in r.cells})
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "notebook", "score", "max_score", "manual_max_score", "status", *cell_names])
        for r in rows:
            w.writerow(
                [r.student, r.notebook, f"{r.score:g}", f"{r.max_score:g}", f"{r.manual_max_score:g}",
                 r.status, *(f"{r.cells[c]:g}" if c in r.cells else "" for c in cell_names)]
            )


def grade(
    submissions: Path,
    out: Path,
    notebook_dir: Path = REPO_NOTEBOOKS,
    workers: int = 2,
    timeout: float = NOTEBOOK_TIMEOUT_S,
    force: bool = False,
) -> list[GradeRow]:
    """Auto-grade every ``SUBMISSIONS/<student>/<notebook>.ipynb`` into a CSV.

    Parameters
    ----------
    submissions : Path
        The class's submissions; only read, never modified.
    out : Path
        The CSV to write: columns ``student, notebook, score, max_score, manual_max_score,
        status`` and one per auto-graded test cell. ``score``/``max_score`` count the
        auto-graded points; "Think!" answers add ``manual_max_score`` points graded by hand.
    notebook_dir : Path
        The source notebooks (solutions and hidden tests).
    workers : int
        Notebooks graded at once.
    timeout : float
        Wall-clock seconds allowed per notebook.
    force : bool
        Overwrite an existing ``out``.
    """
    out = Path(out)
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists; choose another --out or pass --force to overwrite it")
    sources = {p.stem: p for p in source_notebooks(notebook_dir)}
    jobs, problems = find_submissions(Path(submissions), set(sources))
    for p in problems:
        log.warning(p)
    needed = sorted({nb.stem for _, nb in jobs})
    with tempfile.TemporaryDirectory(prefix="course-grade-") as tmp:
        work = Path(tmp)
        base = work / "_base"
        prepare_course(base, [sources[a] for a in needed])
        with ThreadPoolExecutor(max_workers=max(1, int(workers))) as pool:
            rows = list(pool.map(lambda j: _grade_one(base, work, j[0], j[1], timeout), jobs))
    _write_csv(rows, out)
    return rows
