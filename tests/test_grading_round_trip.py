"""The grading round trip through nbgrader: the release run of every notebook.

Each notebook is graded once, as the submission of a student who answered every second
exercise with the instructor's solution and left the rest untouched. One execution therefore
shows both directions of grading, cell by cell:

- an answered exercise scores full marks on its graded cell;
- an untouched stub scores 0 on its graded cell;
- the total is the sum, nothing is flagged, the submission is not modified, the log is clean
  and the feedback page is written.

The source run (nbval, ``tests/notebook_runs.py``) executes every hidden test against every
solution. The executed release is kept for the browser tier (``executed_notebook``).
"""
from __future__ import annotations

import csv

import nbformat
import pytest

from course.grade import grade
from course.release import release

from .conftest import NOTEBOOKS
from .notebook_runs import publish

pytestmark = pytest.mark.grading
NBS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
STUDENT = "half_answered"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    release(out, NOTEBOOKS)
    return out


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _without_markers(source: str) -> str:
    return "\n".join(ln for ln in source.splitlines()
                     if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def half_answered(student: nbformat.NotebookNode, source: nbformat.NotebookNode,
                  ) -> tuple[nbformat.NotebookNode, dict[str, bool]]:
    """The release with the instructor's solution in exercises 2, 4, 6, ... (the others untouched:
    the first exercise of every notebook has a fallback, whose line the release run must show).

    Returns the notebook and, for each graded test cell id, whether its exercise is answered
    (the exercise of a test cell is the nearest solution code cell above it).
    """
    solutions = {_meta(c)["grade_id"]: c.source for c in source.cells
                 if c.cell_type == "code" and _meta(c).get("solution")}
    nb = nbformat.from_dict(student)
    answered: dict[str, bool] = {}
    exercise, current = 0, False
    for cell in nb.cells:
        meta = _meta(cell)
        if cell.cell_type != "code":
            continue
        if meta.get("solution"):
            current = exercise % 2 == 1
            exercise += 1
            if current:
                cell.source = _without_markers(solutions[meta["grade_id"]])
        elif meta.get("grade"):
            answered[meta["grade_id"]] = current
    return nb, answered


def _points(nb: nbformat.NotebookNode) -> dict[str, float]:
    return {_meta(c)["grade_id"]: float(_meta(c)["points"]) for c in nb.cells
            if c.cell_type == "code" and _meta(c).get("grade") and not _meta(c).get("solution")}


def test_half_answered_splits_the_exercises(released):
    """The submission model answers some exercises and leaves some untouched in every notebook."""
    for path in NBS:
        nb, answered = half_answered(nbformat.read(released / path.name, as_version=4),
                                     nbformat.read(path, as_version=4))
        assert any(answered.values()) and not all(answered.values()), path.name
        exercises = [c for c in nb.cells if c.cell_type == "code" and _meta(c).get("solution")]
        stubs = [c for c in exercises if "raise NotImplementedError()" in c.source]
        assert 1 <= len(stubs) < len(exercises), path.name
        assert "BEGIN SOLUTION" not in "\n".join(c.source for c in nb.cells)


@pytest.mark.parametrize("nb_path", [pytest.param(p, marks=pytest.mark.executes("release", p.stem), id=p.stem)
                                     for p in NBS])
def test_grading_round_trip(tmp_path, released, nb_path, request):
    stem = nb_path.stem
    problems = ["the grading round trip stopped before it kept the executed notebook"]
    executed = None
    try:
        sub, answered = half_answered(nbformat.read(released / nb_path.name, as_version=4),
                                      nbformat.read(nb_path, as_version=4))
        subs = tmp_path / "submissions"
        (subs / STUDENT).mkdir(parents=True)
        nbformat.write(sub, subs / STUDENT / nb_path.name)
        before = {p: p.read_bytes() for p in subs.rglob("*.ipynb")}
        out = tmp_path / "grades.csv"
        grade(subs, out, NOTEBOOKS, workers=1, executed_dir=tmp_path / "executed")
        kept = tmp_path / "executed" / STUDENT / nb_path.name
        executed = nbformat.read(kept, as_version=4) if kept.is_file() else None
        problems = [] if executed is not None else ["nbgrader kept no executed notebook"]

        rows = list(csv.DictReader(open(out)))
        assert len(rows) == 1 and rows[0]["student"] == STUDENT and rows[0]["notebook"] == stem, rows
        row = rows[0]
        points = _points(nbformat.read(nb_path, as_version=4))
        assert set(points) == set(answered), "every graded test cell belongs to an exercise"
        for cell, full in points.items():
            got = float(row[f"{stem}:{cell}"])
            want = full if answered[cell] else 0.0
            assert got == want, (f"{cell}: {got} points, expected {want} "
                                 f"({'answered with the solution' if answered[cell] else 'untouched stub'})")
        assert float(row["score"]) == sum(p for c, p in points.items() if answered[c]), row
        assert float(row["max_score"]) == sum(points.values()), row
        assert row["flags"] == "", "the instructor's answers call no reference"
        assert before == {p: p.read_bytes() for p in subs.rglob("*.ipynb")}, "submissions were modified"
        log = out.with_suffix(".log").read_text()
        assert not [p for p in log.splitlines()[1:] if p != "no problem met"], log
        assert (tmp_path / "feedback" / STUDENT / f"{stem}.html").is_file()
        errors = [(_meta(c).get("grade_id"), o.ename) for c in executed.cells if c.cell_type == "code"
                  for o in c.outputs if o.output_type == "error"]
        wrong = [e for e in errors if e[1] != "NotImplementedError" or answered.get(e[0], True)]
        assert not wrong, f"errors other than the untouched stubs' NotImplementedError in graded cells: {wrong}"
        assert errors, "no graded check failed on the untouched stubs"
        said = [o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs]
        assert any("is not implemented yet" in t for t in said), "the untouched exercises fell back to the reference"
    except BaseException as err:
        problems = problems or [f"{err.__class__.__name__}: {str(err)[:500]}"]
        raise
    finally:
        publish(request.config, "release", stem, executed, problems)
