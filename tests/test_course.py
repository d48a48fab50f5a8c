"""Student release and grading round trip, through nbgrader.

For every source notebook: the release holds no solution and no hidden test; the untouched
release scores 0 on every auto-graded cell; the source notebook scores full marks.
"""
from __future__ import annotations

import csv
import shutil

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


@pytest.mark.notebook
@pytest.mark.parametrize("nb_path", NBS, ids=[p.stem for p in NBS])
def test_grading_round_trip(tmp_path, released, nb_path):
    subs = tmp_path / "submissions"
    (subs / "untouched").mkdir(parents=True)
    (subs / "instructor").mkdir(parents=True)
    shutil.copy(released / nb_path.name, subs / "untouched" / nb_path.name)
    shutil.copy(nb_path, subs / "instructor" / nb_path.name)
    before = {p: p.read_bytes() for p in subs.rglob("*.ipynb")}
    out = tmp_path / "grades.csv"
    grade(subs, out, NOTEBOOKS, workers=2)
    rows = {r["student"]: r for r in csv.DictReader(open(out))}
    assert set(rows) == {"untouched", "instructor"}
    for r in rows.values():
        assert r["notebook"] == nb_path.stem
        assert float(r["max_score"]) > 0
    cells = [k for k in rows["instructor"] if k.startswith(f"{nb_path.stem}:test_")]
    assert cells, "the CSV has a column per graded exercise, named notebook:test"
    assert all(r["flags"] == "" for r in rows.values()), "the instructor's answers call no reference"
    assert float(rows["untouched"]["score"]) == 0, rows["untouched"]
    assert all(float(rows["untouched"][c]) == 0 for c in cells)
    assert float(rows["instructor"]["score"]) == float(rows["instructor"]["max_score"]), rows["instructor"]
    assert before == {p: p.read_bytes() for p in subs.rglob("*.ipynb")}, "submissions were modified"
    log = out.with_suffix(".log").read_text()
    problems = log.splitlines()[1:]
    assert not [p for p in problems if p != "no problem met"], log  # nothing suspected, no cell too slow
    assert (tmp_path / "feedback" / "instructor" / f"{nb_path.stem}.html").is_file()


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
