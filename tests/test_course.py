"""Student release and grading round trip, through nbgrader.

For every source notebook the release holds no solution and no hidden test, and graded cells are
tagged so that Run All goes on. The graded round trip is tests/test_grading_round_trip.py (grading tier).
"""
from __future__ import annotations

import nbformat
import pytest

from course.grade import grade
from course.release import release

from .conftest import NOTEBOOKS

NBS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    release(out, NOTEBOOKS)
    return out


def test_release_has_every_notebook(released):
    assert sorted(p.name for p in released.glob("*.ipynb")) == [p.name for p in NBS]


@pytest.mark.parametrize("nb_path", NBS, ids=[p.stem for p in NBS])
def test_release_strips_solutions_and_hidden_tests(released, nb_path):
    student = nbformat.read(released / nb_path.name, as_version=4)
    text = "\n".join(c.source for c in student.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    stubs = [c for c in student.cells if c.metadata.get("nbgrader", {}).get("solution")
             and c.cell_type == "code"]
    assert stubs and all("raise NotImplementedError()" in c.source for c in stubs)
    graded = [c for c in student.cells if c.metadata.get("nbgrader", {}).get("grade")
              and c.cell_type == "code"]
    assert all("raises-exception" in c.metadata.get("tags", []) for c in graded)


def test_release_refuses_to_overwrite(released):
    with pytest.raises(FileExistsError, match="--force"):
        release(released, NOTEBOOKS)


def test_grade_refuses_to_overwrite_csv(tmp_path):
    out = tmp_path / "grades.csv"
    out.write_text("keep me")
    (tmp_path / "subs").mkdir()
    with pytest.raises(FileExistsError, match="--force"):
        grade(tmp_path / "subs", out, NOTEBOOKS)
    assert out.read_text() == "keep me"


def test_grade_rejects_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="SUBMISSIONS"):
        grade(tmp_path / "nope", tmp_path / "g.csv", NOTEBOOKS)
