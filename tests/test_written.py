"""Written answers graded by question: pages, points.csv, merge into grades.csv and feedback.

A class of 6 students x 2 notebooks is laid out as the grader leaves it (SUBMISSIONS, grades.csv
written by ``course.grade.write_csv``, feedback pages by ``course.feedback.write_feedback``);
no kernel runs.
"""
from __future__ import annotations

import csv
import shutil

import nbformat
import pytest

from course.__main__ import main
from course.feedback import cell_feedback, write_feedback
from course.grade import GradeRow, write_csv
from course.written import merge_points, questions, written_pages

from .conftest import NOTEBOOKS

NBS = ["01_rnn_basics", "06_hmax"]
STUDENTS = ["ada", "ben", "chloe", "dev", "emma", "farid"]


@pytest.fixture
def klass(tmp_path):
    src = tmp_path / "instructor"
    src.mkdir()
    for nb in NBS:
        shutil.copy(NOTEBOOKS / f"{nb}.ipynb", src / f"{nb}.ipynb")
    subs, graded = tmp_path / "SUBMISSIONS", tmp_path / "grades"
    rows = []
    for k, student in enumerate(STUDENTS):
        for nb in NBS:
            book = nbformat.read(src / f"{nb}.ipynb", as_version=4)
            tests = {}
            for cell in book.cells:
                meta = cell.metadata.get("nbgrader", {})
                if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
                    # farid leaves the first answer of each notebook as released
                    first = "YOUR ANSWER HERE" if student == "farid" and not tests.get("_answered") else None
                    cell.source = first or f"{student} on {meta['grade_id']}:\nline one\n  line two <b>"
                    tests["_answered"] = True
                elif cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                    tests[meta["grade_id"]] = float(meta["points"])
            tests.pop("_answered", None)
            (subs / student).mkdir(parents=True, exist_ok=True)
            nbformat.write(book, subs / student / f"{nb}.ipynb")
            manual = sum(q.points for q in questions(src) if q.notebook == nb)
            cells = {t: (mx if (k + i) % 2 else 0.0) for i, (t, mx) in enumerate(tests.items())}
            row = GradeRow(student, nb, sum(cells.values()), sum(tests.values()), manual, cells=cells)
            rows.append(row)
            fb = cell_feedback(None, row.cells, tests, {})
            write_feedback(graded / "feedback" / student / f"{nb}.html", student, nb, row.score, row.max_score,
                           fb, [], manual)
    write_csv(rows, graded / "grades.csv")
    return {"src": src, "subs": subs, "grades": graded / "grades.csv", "rows": rows, "tmp": tmp_path}


def _fill(points_csv, value=lambda row: "1", comment="clear"):
    with open(points_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        if r["points"] == "":
            r["points"], r["comment"] = value(r), comment
    _write(points_csv, rows)
    return rows


def _write(points_csv, rows):
    with open(points_csv, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["student", "notebook", "question", "points", "comment"])
        w.writeheader()
        w.writerows(rows)


def test_written_pages_and_merge_add_up(klass):
    out = klass["tmp"] / "written"
    pages, points_csv, problems = written_pages(klass["subs"], out, klass["src"])
    qs = questions(klass["src"])
    assert problems == [] and len(pages) == len(qs) >= 4
    page = (out / f"01_rnn_basics__{qs[0].name}.html").read_text()
    assert all(s in page for s in STUDENTS) and "line two &lt;b&gt;" in page  # side by side, escaped
    assert "Rubric" in page and qs[0].rubric.splitlines()[0][:40] in page and f"<b>{qs[0].points:g}</b>" in page
    assert "(not answered)" in page  # farid's first answer
    rows = list(csv.DictReader(open(points_csv)))
    assert len(rows) == len(STUDENTS) * len(qs)
    assert [r for r in rows if r["points"] == "0"] == [r for r in rows if r["comment"] == "not answered"]
    assert len([r for r in rows if r["comment"] == "not answered"]) == len(NBS)
    with pytest.raises(FileExistsError, match="--force"):
        written_pages(klass["subs"], out, klass["src"])

    _fill(points_csv, value=lambda r: "0.5" if r["student"] == "ada" else "1", comment="good\nsecond line")
    merged, pending = merge_points(points_csv, klass["grades"], klass["src"])
    assert merged == len(rows) and pending == 0
    table = list(csv.DictReader(open(klass["grades"])))
    assert len(table) == len(STUDENTS) * len(NBS)
    for r in table:
        qcols = [f"{q.notebook}:{q.name}" for q in qs if q.notebook == r["notebook"]]
        manual = sum(float(r[c]) for c in qcols)
        assert all(r[f"{q.notebook}:{q.name}"] == "" for q in qs if q.notebook != r["notebook"])
        assert float(r["manual_score"]) == manual
        assert float(r["total"]) == float(r["score"]) + manual
        expected = sum(0.0 if (r["student"] == "farid" and i == 0) else (0.5 if r["student"] == "ada" else 1.0)
                       for i, _ in enumerate(qcols))
        assert manual == expected, r
    fb = (klass["grades"].parent / "feedback" / "ada" / "06_hmax.html").read_text()
    assert "Total:" in fb and "good\nsecond line" in fb and fb.count("<!-- written answers -->") == 1

    # merging the same file again changes nothing; changed points need --force
    before = klass["grades"].read_text()
    merge_points(points_csv, klass["grades"], klass["src"])
    assert klass["grades"].read_text() == before
    rows = list(csv.DictReader(open(points_csv)))
    ben = next(r for r in rows if r["student"] == "ben")
    ben["points"] = "0.5"
    _write(points_csv, rows)
    with pytest.raises(ValueError, match="already merged"):
        merge_points(points_csv, klass["grades"], klass["src"])
    assert klass["grades"].read_text() == before
    merge_points(points_csv, klass["grades"], klass["src"], force=True)
    changed = {(r["student"], r["notebook"]): r for r in csv.DictReader(open(klass["grades"]))}
    r0 = changed["ben", ben["notebook"]]
    assert r0[f"{ben['notebook']}:{ben['question']}"] == "0.5"
    assert float(r0["total"]) == float(r0["score"]) + float(r0["manual_score"])


@pytest.mark.parametrize("edit, message", [
    (lambda r, q: r.update(points="99"), "above the maximum"),
    (lambda r, q: r.update(points="-1"), "is negative"),
    (lambda r, q: r.update(points="two"), "not a number"),
    (lambda r, q: r.update(student="zoe"), "unknown student or notebook"),
    (lambda r, q: r.update(notebook="03_ring_attractors"), "unknown student or notebook"),
    (lambda r, q: r.update(question="think_nothing"), "unknown question"),
])
def test_invalid_rows_are_refused_by_line(klass, edit, message):
    out = klass["tmp"] / "written"
    _, points_csv, _ = written_pages(klass["subs"], out, klass["src"])
    rows = _fill(points_csv)
    edit(rows[3], None)
    _write(points_csv, rows)
    before = klass["grades"].read_text()
    with pytest.raises(ValueError, match=message) as err:
        merge_points(points_csv, klass["grades"], klass["src"])
    assert "line 5" in str(err.value)  # header is line 1, rows[3] is line 5
    assert klass["grades"].read_text() == before  # nothing written


def test_command_line(klass, capsys):
    out = klass["tmp"] / "w"
    assert main(["written", str(klass["subs"]), "--out", str(out), "--notebooks", str(klass["src"])]) == 0
    rows = _fill(out / "points.csv")
    rows[0]["points"] = ""  # one answer still to grade: merged later
    _write(out / "points.csv", rows)
    assert main(["merge", str(out / "points.csv"), "--grades", str(klass["grades"]),
                 "--notebooks", str(klass["src"])]) == 0
    assert "1 answer(s) without points yet" in capsys.readouterr().out
    rows[1]["points"] = "12"
    _write(out / "points.csv", rows)
    assert main(["merge", str(out / "points.csv"), "--grades", str(klass["grades"]),
                 "--notebooks", str(klass["src"])]) == 2
    assert "line 3" in capsys.readouterr().err
