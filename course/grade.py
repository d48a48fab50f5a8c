"""Grade a class: nbgrader's ``autograde`` over ``SUBMISSIONS/<student>/<notebook>.ipynb``.

nbgrader is the engine; this module makes a batch of untrusted notebooks safe to grade:

* each (student, notebook) pair is first rebuilt against the released notebook
  (:func:`course.submission.sanitize`: broken files, duplicated, deleted or edited
  graded cells), then graded in its own throw-away nbgrader course, in its own
  ``nbgrader autograde`` process, ``workers`` at a time: nothing one submission does can
  stop, slow beyond its budget, or change another's grade;
* the notebook runs in the grading kernel (:mod:`course.sandbox`): own user id,
  private ``/tmp``, no view of the gradebook, the source notebooks, the repository's other
  files or the other submissions, and pristine library state before each graded test;
* execution is bounded (:class:`course.nbgrader_plugins.GuardedExecute`): a cell
  that runs past ``cell_timeout`` is interrupted (its kernel killed if it does not stop), a
  dead kernel or an exhausted notebook budget keeps the points earned so far and scores
  what did not run 0;
* the submissions folder is only read; re-running gives the same table.

Outputs: the CSV (one row per student and notebook, a column per graded test cell), one
HTML feedback file per student and notebook (no hidden-test source or traceback in it) and
a log of every problem met (``grades.log`` next to the CSV).
"""
from __future__ import annotations

import csv
import json
import logging
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from .delegation import find_delegation, reference_map
from .feedback import cell_feedback, exercise_titles, write_feedback
from .forkserver import NbgraderServer
from .guard import REPORT_PREFIX
from .kernel_client import ZYGOTE_ENV
from .nbgrader_course import (
    CELL_TIMEOUT_S,
    NOTEBOOK_BUDGET_S,
    REPO_NOTEBOOKS,
    REPO_ROOT,
    kernel_env,
    prepare_course,
    source_notebooks,
    write_config,
    write_kernelspec,
)
from .nbgrader_plugins import PROBLEM_PREFIX
from .sandbox import ENV_VAR
from .submission import SubmissionError, notebook_names, sanitize

__all__ = ["GradeRow", "grade", "find_submissions", "write_csv", "cell_column", "NOTEBOOK_TIMEOUT_S",
           "CELL_TIMEOUT_S"]

log = logging.getLogger("course.grade")

#: Wall-clock seconds one notebook's execution may take (cells beyond it score 0).
NOTEBOOK_TIMEOUT_S = NOTEBOOK_BUDGET_S
#: Extra seconds for nbgrader itself (start, sanitising, saving) before its process is killed.
NBGRADER_OVERHEAD_S = 120
#: Address space of one grading kernel (bytes).
KERNEL_MEMORY_BYTES = 8 * 2**30
#: Repository entries the grading kernel needs to see; everything else is hidden from it.
_KERNEL_NEEDS = {"helpers", "data", ".cache"}

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
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: exercises whose function calls or copies their ``helpers`` reference (:mod:`course.delegation`)
    flags: list[str] = field(default_factory=list)


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
    for entry in sorted(submissions.iterdir()):
        if not entry.is_dir() or entry.is_symlink():
            if not entry.name.startswith("."):
                problems.append(f"{entry.name}: not a student folder, skipped")
            continue
        student = entry.name
        if not _STUDENT_ID.match(student):
            problems.append(f"{student!r}: student folder names may use letters, digits and _.@+- only")
            continue
        for nb in sorted(entry.glob("*.ipynb")):
            if nb.stem not in known:
                problems.append(f"{student}/{nb.name}: not a notebook of this collection, skipped")
            elif nb.is_symlink() or not nb.is_file():
                problems.append(f"{student}/{nb.name}: not a regular file, skipped")
            else:
                jobs.append((student, nb))
    return jobs, problems


@dataclass
class _Assignment:
    """What every job of one notebook shares."""

    aid: str
    release: nbformat.NotebookNode
    imports: list
    solution_names: list[str]
    test_sources: dict[str, str]
    max_scores: dict[str, float]
    manual_max: float
    titles: dict[str, str] = field(default_factory=dict)
    references: dict[str, list[str]] = field(default_factory=dict)


def _assignment(base: Path, source: Path) -> _Assignment:
    aid = source.stem
    src_nb = nbformat.read(source, as_version=4)
    imports, solutions = notebook_names(src_nb)
    release = nbformat.read(base / "release" / aid / f"{aid}.ipynb", as_version=4)
    tests, maxes, manual = {}, {}, 0.0
    for cell in src_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code" and not meta.get("solution"):
            tests[meta["grade_id"]] = cell.source
            maxes[meta["grade_id"]] = float(meta.get("points", 0))
        elif meta.get("grade"):
            manual += float(meta.get("points", 0))
    try:
        references = reference_map(src_nb)
    except Exception as err:  # noqa: BLE001 -- the flag is an aid; grading goes on without it
        log.warning("%s: no delegation check (%s: %s)", aid, err.__class__.__name__, err)
        references = {}
    return _Assignment(aid, release, imports, solutions, tests, maxes, manual, exercise_titles(src_nb), references)


def _hidden_paths(extra: list[Path]) -> list[str]:
    """Paths covered with an empty folder in the grading kernel's view of the disk."""
    keep = set(_KERNEL_NEEDS)
    for p in (Path(sys.prefix), Path(sys.executable)):
        try:
            keep.add(p.resolve().relative_to(REPO_ROOT).parts[0])
        except ValueError:
            pass
    hide = [str(p) for p in sorted(REPO_ROOT.iterdir()) if p.name not in keep]
    for p in extra:
        p = Path(p).resolve()
        if p.exists() and not (p == REPO_ROOT or REPO_ROOT.is_relative_to(p)):
            hide.append(str(p))
    return list(dict.fromkeys(hide))


def _kill_uid(uid: int) -> None:
    """Kill every process left running under a grading kernel's user id."""
    for _ in range(3):
        found = False
        for pid_dir in Path("/proc").glob("[0-9]*"):
            try:
                status = (pid_dir / "status").read_text()
            except OSError:
                continue
            m = re.search(r"^Uid:\s+(\d+)", status, re.M)
            if m and int(m.group(1)) == uid:
                found = True
                try:
                    os.kill(int(pid_dir.name), signal.SIGKILL)
                except OSError:
                    pass
        if not found:
            return
        time.sleep(0.2)


def _start_zygote(sock: Path, imports: list) -> subprocess.Popen | None:
    """Start the kernel zygote (pre-imported kernel modules); None if it does not come up."""
    env = kernel_env()
    env[ENV_VAR] = json.dumps({"imports": imports})
    proc = subprocess.Popen([sys.executable, "-m", "course.sandbox", "--zygote", str(sock)],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if sock.exists():
            return proc
        time.sleep(0.1)
    log.warning("the kernel zygote did not start; kernels start the slow way")
    _stop(proc)
    return None


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait()


def _zero_row(a: _Assignment, student: str, status: str, problems: list[str]) -> GradeRow:
    row = GradeRow(student=student, notebook=a.aid, status=status, problems=list(problems))
    row.cells = {k: 0.0 for k in a.max_scores}
    row.max_score = sum(a.max_scores.values())
    row.manual_max_score = a.manual_max
    return row


def _read_row(root: Path, a: _Assignment, student: str) -> GradeRow:
    row = GradeRow(student=student, notebook=a.aid, manual_max_score=a.manual_max)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(a.aid, a.aid, student)
        got = {g.name: float(g.score or 0.0) for g in sub.grades if g.cell_type == "code"}
    for name, mx in a.max_scores.items():
        row.cells[name] = min(got.get(name, 0.0), mx)
        row.score += row.cells[name]
        row.max_score += mx
    return row


def _log_lines(text: str, prefix: str) -> list[str]:
    out = []
    for line in text.splitlines():
        i = line.find(prefix)
        if i >= 0:
            out.append(line[i + len(prefix):].strip())
    return out


class _Grader:
    def __init__(self, work: Path, base: Path, jupyter_path: Path, assignments: dict[str, _Assignment],
                 feedback_dir: Path | None, hide: list[str], cell_timeout: int, notebook_timeout: float,
                 isolate: bool, executed_dir: Path | None = None) -> None:
        self.work, self.base, self.jupyter_path = work, base, jupyter_path
        self.assignments, self.feedback_dir, self.hide = assignments, feedback_dir, hide
        self.cell_timeout, self.notebook_timeout, self.isolate = cell_timeout, notebook_timeout, isolate
        self.executed_dir = executed_dir
        self._uids = random.Random(os.getpid() ^ time.time_ns())
        self._lock = threading.Lock()
        self._local = threading.local()
        self.servers: list[NbgraderServer] = []
        self.zygote: subprocess.Popen | None = None

    def _server(self) -> NbgraderServer:
        server = getattr(self._local, "server", None)
        if server is None:
            server = self._local.server = NbgraderServer(kernel_env())
            with self._lock:
                self.servers.append(server)
        return server

    def close(self) -> None:
        for server in self.servers:
            server.close()

    def _uid(self) -> int | None:
        if not self.isolate:
            return None
        with self._lock:
            return self._uids.randrange(1_000_000, 2_000_000_000)

    def grade_one(self, student: str, nb_path: Path) -> GradeRow:
        a = self.assignments[nb_path.stem]
        t0 = time.monotonic()
        try:
            clean, problems = sanitize(nb_path, a.release, a.test_sources)
        except (SubmissionError, OSError) as err:
            row = _zero_row(a, student, f"not graded: {err}", [str(err)])
            self._feedback(row, a, None)
            return row
        flags = _delegation(clean, a)
        root = self.work / f"{student}__{a.aid}"
        try:
            row = self._autograde(root, a, student, clean, problems, t0)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        row.flags = flags
        return row

    def _autograde(self, root: Path, a: _Assignment, student: str, clean, problems: list[str],
                   t0: float) -> GradeRow:
        shutil.copytree(self.base, root, ignore=shutil.ignore_patterns("release", "submitted", "autograded"))
        write_config(root, timeout=self.cell_timeout, grading=True, notebook_budget=self.notebook_timeout)
        dest = root / "submitted" / student / a.aid
        dest.mkdir(parents=True)
        nbformat.write(clean, dest / f"{a.aid}.ipynb")
        uid = self._uid()
        sandbox = {"imports": a.imports, "solution_names": a.solution_names, "hide": self.hide,
                   "uid": uid, "memory_bytes": KERNEL_MEMORY_BYTES}
        env = {"JUPYTER_PATH": str(self.jupyter_path), ENV_VAR: json.dumps(sandbox)}
        if self.zygote is not None and self.zygote.poll() is None:
            env[ZYGOTE_ENV] = str(self.work / "_zygote.sock")
        limit = self.notebook_timeout + NBGRADER_OVERHEAD_S
        try:
            rc, output = self._server().run(["autograde", a.aid, "--student", student, "--force"],
                                            root, env, timeout=limit)
        finally:
            if uid is not None:
                _kill_uid(uid)
        if rc is None:
            problems.append(f"grading took more than {limit:.0f} s; scored 0")
            row = _zero_row(a, student, "not graded: time limit", problems)
            self._feedback(row, a, None)
            return row
        problems += _log_lines(output, PROBLEM_PREFIX)
        problems += _log_lines(output, REPORT_PREFIX)
        try:
            row = _read_row(root, a, student)
            row.problems = problems
        except Exception as err:  # noqa: BLE001 -- nbgrader gave no grades: report, score 0
            tail = [ln for ln in output.strip().splitlines() if ln.strip()][-3:]
            problems.append(f"nbgrader gave no grades ({err.__class__.__name__}): " + " | ".join(tail))
            row = _zero_row(a, student, "not graded: nbgrader failed", problems)
            self._feedback(row, a, None)
            return row
        if rc != 0:
            problems.append(f"nbgrader exited with code {rc}")
        if problems:
            row.status = f"graded, {len(problems)} problem(s): see the log"
        autograded = root / "autograded" / student / a.aid / f"{a.aid}.ipynb"
        try:
            executed = nbformat.read(autograded, as_version=4)
        except Exception:  # noqa: BLE001
            executed = None
        if executed is not None and self.executed_dir is not None:
            kept = self.executed_dir / student / f"{a.aid}.ipynb"
            kept.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(executed, kept)
        self._feedback(row, a, executed)
        log.info("%s/%s: %g / %g (%.0f s)", student, a.aid, row.score, row.max_score, time.monotonic() - t0)
        return row

    def _feedback(self, row: GradeRow, a: _Assignment, executed) -> None:
        if self.feedback_dir is None:
            return
        cells = cell_feedback(executed, row.cells, a.max_scores, a.test_sources, a.titles)
        notes = [p for p in row.problems if not p.startswith("nbgrader")]
        if row.status.startswith("not graded"):
            notes.insert(0, "This notebook could not be graded: " + row.status.removeprefix("not graded: "))
        write_feedback(self.feedback_dir / row.student / f"{row.notebook}.html", row.student, row.notebook,
                       row.score, row.max_score, cells, notes, row.manual_max_score)


def _delegation(nb, a: _Assignment) -> list[str]:
    """Exercises of a sanitised submission that reach their reference, as ``name: how``."""
    if not a.references:
        return []
    try:
        return [str(f) for f in find_delegation(nb, a.references)]
    except Exception as err:  # noqa: BLE001 -- never stops grading
        return [f"(delegation check failed: {err.__class__.__name__})"]


def cell_column(notebook: str, cell: str) -> str:
    """CSV column of a graded test cell: ``06_hmax:test_decode`` (unique across notebooks)."""
    return f"{notebook}:{cell}"


#: The fixed columns of ``grades.csv``, before the per-exercise ones.
CSV_COLUMNS = ["student", "notebook", "score", "max_score", "manual_max_score", "status", "flags"]


def write_csv(rows: list[GradeRow], out: Path) -> None:
    """Write ``grades.csv``: fixed columns, then one per graded test cell in notebook order."""
    columns: list[str] = []
    for nb in sorted({r.notebook for r in rows}):
        for r in rows:
            if r.notebook == nb:
                columns += [cell_column(nb, c) for c in r.cells if cell_column(nb, c) not in columns]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*CSV_COLUMNS, *columns])
        for r in rows:
            cells = {cell_column(r.notebook, c): v for c, v in r.cells.items()}
            flags = "; ".join(m.group(1) if (m := re.match(r"exercise '([^']+)'", f)) else f for f in r.flags)
            w.writerow(
                [r.student, r.notebook, f"{r.score:g}", f"{r.max_score:g}", f"{r.manual_max_score:g}",
                 r.status, flags, *(f"{cells[c]:g}" if c in cells else "" for c in columns)]
            )
    tmp.replace(out)


def _write_log(path: Path, general: list[str], rows: list[GradeRow]) -> None:
    lines = [f"grading log ({time.strftime('%Y-%m-%d %H:%M:%S')})"]
    lines += [f"- {p}" for p in general]
    for r in rows:
        for p in r.problems:
            lines.append(f"{r.student}/{r.notebook}: {p}")
        for f in r.flags:
            lines.append(f"{r.student}/{r.notebook}: delegation: {f}")
    if len(lines) == 1 + len(general):
        lines.append("no problem met")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def grade(
    submissions: Path,
    out: Path,
    notebook_dir: Path = REPO_NOTEBOOKS,
    workers: int = 2,
    timeout: float = NOTEBOOK_TIMEOUT_S,
    force: bool = False,
    feedback_dir: Path | None = None,
    cell_timeout: int = CELL_TIMEOUT_S,
    executed_dir: Path | None = None,
) -> list[GradeRow]:
    """Auto-grade every ``SUBMISSIONS/<student>/<notebook>.ipynb`` into a CSV.

    Parameters
    ----------
    submissions : Path
        The class's submissions; only read, never modified.
    out : Path
        The CSV to write: columns ``student, notebook, score, max_score, manual_max_score,
        status, flags`` and one per auto-graded test cell (``notebook:test_id``); ``flags``
        names the exercises whose function calls or copies their reference. ``score``/``max_score`` count the
        auto-graded points; "Think!" answers add ``manual_max_score`` points graded by hand.
        The log of problems is written next to it (same name, ``.log``).
    notebook_dir : Path
        The source notebooks (solutions and hidden tests).
    workers : int
        Notebooks graded at once.
    timeout : float
        Wall-clock seconds one notebook's execution may take; cells past it score 0.
    force : bool
        Overwrite an existing ``out``.
    feedback_dir : Path, optional
        Where ``<student>/<notebook>.html`` feedback goes; default ``feedback/`` next to ``out``.
    cell_timeout : int
        Seconds one cell may run before it is interrupted (its kernel is killed
        ``KILL_GRACE_S`` later if it does not stop).
    executed_dir : Path, optional
        Where to keep each graded notebook as nbgrader executed it
        (``<student>/<notebook>.ipynb``, hidden tests and their outputs included: never hand
        these out); default: not kept.
    """
    out = Path(out)
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists; choose another --out or pass --force to overwrite it")
    if int(cell_timeout) < 1 or float(timeout) < 1 or int(workers) < 1:
        raise ValueError(f"cell_timeout, timeout and workers must be >= 1, got {cell_timeout}, {timeout}, {workers}")
    submissions = Path(submissions)
    sources = {p.stem: p for p in source_notebooks(notebook_dir)}
    jobs, general = find_submissions(submissions, set(sources))
    feedback_dir = Path(feedback_dir) if feedback_dir is not None else out.parent / "feedback"
    isolate = os.geteuid() == 0
    if not isolate:
        general.append(
            "not running as root: student code runs as your own user and could read the source "
            "notebooks (hidden tests) from disk; grade as root for isolation"
        )
    for p in general:
        log.warning(p)
    needed = sorted({nb.stem for _, nb in jobs})
    rows: list[GradeRow] = []
    with tempfile.TemporaryDirectory(prefix="course-grade-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o700)
        base = work / "_base"
        if needed:
            prepare_course(base, [sources[a] for a in needed])
        assignments = {aid: _assignment(base, sources[aid]) for aid in needed}
        jupyter_path = work / "_jupyter"
        write_kernelspec(jupyter_path)
        feedback_dir.mkdir(parents=True, exist_ok=True)
        hide = _hidden_paths([work, submissions, feedback_dir, Path(notebook_dir)])
        executed_dir = Path(executed_dir) if executed_dir is not None else None
        if executed_dir is not None:
            executed_dir.mkdir(parents=True, exist_ok=True)
            hide.append(str(executed_dir.resolve()))
        grader = _Grader(work, base, jupyter_path, assignments, feedback_dir, hide, int(cell_timeout),
                         float(timeout), isolate, executed_dir)
        imports = [i for a in assignments.values() for i in a.imports]
        grader.zygote = _start_zygote(work / "_zygote.sock", imports) if jobs else None

        def run(job: tuple[str, Path]) -> GradeRow:
            student, nb = job
            t0 = time.monotonic()
            try:
                row = grader.grade_one(student, nb)
                row.seconds = time.monotonic() - t0
                return row
            except Exception as err:  # noqa: BLE001 -- one job never stops the batch
                log.exception("%s/%s: grading failed", student, nb.name)
                row = _zero_row(assignments[nb.stem], student, "not graded: internal error",
                                [f"internal error: {err.__class__.__name__}: {err}"])
                return row

        try:
            with ThreadPoolExecutor(max_workers=int(workers)) as pool:
                rows = list(pool.map(run, jobs))
        finally:
            grader.close()
            if grader.zygote is not None:
                _stop(grader.zygote)
    write_csv(rows, out)
    _write_log(out.with_suffix(".log"), general, rows)
    return rows
