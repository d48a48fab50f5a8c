"""Feedback pages a student can use: the hint always kept, notebook order, exercise titles, line breaks."""
from __future__ import annotations

import csv

import nbformat
import numpy as np

from course.feedback import cell_feedback, exercise_titles, shorten, write_feedback
from course.grade import GradeRow, write_csv

HINT = "Hint: build W from the difference theta_i - theta_j, not from theta_i."


def _failing_cell(gid: str, message: str):
    cell = nbformat.v4.new_code_cell(f"check({gid})\n### BEGIN HIDDEN TESTS\nassert secret_value\n### END HIDDEN TESTS")
    cell.metadata["nbgrader"] = {"grade_id": gid, "grade": True, "solution": False, "points": 1}
    cell.outputs = [nbformat.v4.new_output("error", ename="CheckError", evalue=message,
                                           traceback=["Cell In[3], line 1", "File /x/helpers/checks/ring.py:20"])]
    return cell


def test_long_arrays_are_shortened_and_the_hint_kept():
    big = np.array2string(np.arange(2000.0).reshape(40, 50), threshold=10**6)  # printed in full
    message = f"check_w: W should be {big}, got {big}. {HINT}"
    short = shorten(message)
    assert short.endswith(HINT) and len(short) < len(message) / 4
    assert "lines left out" in short and ", got [[" in short
    assert "\n" in short  # line breaks of the printed arrays stay


def test_feedback_in_notebook_order_under_exercise_titles(tmp_path):
    md1 = nbformat.v4.new_markdown_cell("## 1 · Weights\n\n### Exercise 1 · the ring")
    md2 = nbformat.v4.new_markdown_cell("### Exercise 2 · a step")
    big = repr(np.ones((30, 30)))
    cells = [md1, _failing_cell("test_z_ring", f"check_w: W should be {big}, got {big}. {HINT}"), md2,
             _failing_cell("test_a_step", "check_step: wrong sign. Hint: subtract.")]
    nb = nbformat.v4.new_notebook(cells=cells)
    sources = {c.metadata.nbgrader.grade_id: c.source for c in cells if c.cell_type == "code"}
    titles = exercise_titles(nb)
    fb = cell_feedback(nb, {}, {"test_z_ring": 1.0, "test_a_step": 1.0}, sources, titles)
    assert [f.name for f in fb] == ["test_z_ring", "test_a_step"]  # notebook order, not alphabetical
    assert [f.title for f in fb] == ["Exercise 1 · the ring", "Exercise 2 · a step"]
    assert fb[0].message.endswith(HINT)
    page = tmp_path / "fb.html"
    write_feedback(page, "alice", "03_ring", 0, 2, fb, [], manual_max=2)
    text = page.read_text()
    assert text.index("Exercise 1 · the ring") < text.index("test_z_ring") < text.index("Exercise 2 · a step")
    assert "<pre>" in text and "secret_value" not in text
    assert "from theta_i." in text


def test_csv_columns_are_unambiguous(tmp_path):
    rows = [GradeRow("alice", "06_hmax", 1, 2, 1, cells={"test_gabor": 1.0, "test_decode": 0.0}),
            GradeRow("alice", "07_v4_vs_it_decoding", 2, 2, 1, cells={"test_decode": 2.0},
                     flags=["exercise 'decode' calls helpers.decoding.cross_validated_accuracy"])]
    write_csv(rows, tmp_path / "g.csv")
    table = list(csv.DictReader(open(tmp_path / "g.csv")))
    assert list(table[0])[-3:] == ["06_hmax:test_gabor", "06_hmax:test_decode", "07_v4_vs_it_decoding:test_decode"]
    assert table[0]["07_v4_vs_it_decoding:test_decode"] == "" and table[1]["07_v4_vs_it_decoding:test_decode"] == "2"
    assert table[0]["flags"] == "" and table[1]["flags"] == "decode"
