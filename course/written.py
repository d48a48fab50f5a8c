"""Grade the written ("Think!") answers question by question, then merge the points.

Step 1, ``python -m course written SUBMISSIONS --out written/``, writes

``written/index.html``
    the questions in notebook order, with links;
``written/<notebook>__<question>.html``
    one page per question: the question, its maximum points, the rubric (the instructor's
    model answer) and every student's answer side by side;
``written/points.csv``
    one row per student, notebook and question (``student, notebook, question, points,
    comment``) to fill in; an answer left empty is pre-filled with 0 points.

Step 2, ``python -m course merge written/points.csv --grades grades.csv``, checks every row
(points a number between 0 and the question's maximum; student, notebook and question known)
and refuses the whole file, naming each bad row, when one is wrong. It then adds to
``grades.csv`` a column per question (``01_rnn_basics:think_regime``), ``manual_score`` and
``total`` (= ``score`` + ``manual_score``), and the written answers' points and comments to
each student's feedback page. Points already merged are never changed without ``force``;
rows with no points yet are left for a later merge.
"""
from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .feedback import WRITTEN_BEGIN, WRITTEN_END
from .nbgrader_course import REPO_NOTEBOOKS, source_notebooks

__all__ = ["Question", "questions", "written_pages", "merge_points", "POINTS_COLUMNS"]

POINTS_COLUMNS = ["student", "notebook", "question", "points", "comment"]
_STUB = "YOUR ANSWER HERE"
_SOLUTION = re.compile(r"^\s*#*\s*BEGIN SOLUTION\s*$(.*?)^\s*#*\s*END SOLUTION\s*$", re.M | re.S)
_STUDENT_ID = re.compile(r"^[A-Za-z0-9_.@+-]+$")


@dataclass
class Question:
    """One manually graded written answer of a notebook."""

    notebook: str
    name: str
    points: float
    prompt: str
    rubric: str


def _think_cells(nb: nbformat.NotebookNode):
    for i, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
            yield i, cell, meta


def questions(notebook_dir: Path = REPO_NOTEBOOKS) -> list[Question]:
    """Every written question of the instructor notebooks, in notebook order."""
    out = []
    for path in source_notebooks(notebook_dir):
        nb = nbformat.read(path, as_version=4)
        for i, cell, meta in _think_cells(nb):
            prompt = ""
            for prev in reversed(nb.cells[:i]):
                if prev.cell_type == "markdown":
                    text = prev.source
                    k = text.rfind("**Think!**")
                    prompt = text[k:] if k >= 0 else text
                    break
            m = _SOLUTION.search(cell.source)
            rubric = (m.group(1) if m else cell.source).strip()
            out.append(Question(path.stem, meta["grade_id"], float(meta.get("points", 0)), prompt.strip(), rubric))
    return out


def _answers(nb_path: Path) -> dict[str, str]:
    """``{question: answer}`` of one submission (the first cell of each question)."""
    try:
        nb = nbformat.read(nb_path, as_version=4)
    except Exception as err:  # noqa: BLE001 -- a broken file has no answers
        raise ValueError(f"not a readable notebook ({err.__class__.__name__})") from None
    out: dict[str, str] = {}
    for _, cell, meta in _think_cells(nb):
        out.setdefault(str(meta.get("grade_id")), cell.source)
    return out


def _is_empty(answer: str | None) -> bool:
    return answer is None or answer.strip() in ("", _STUB)


_STYLE = """body{font-family:sans-serif;margin:1.5em;line-height:1.4}
.q{max-width:60em}.rubric{background:#eef6ee;border-left:4px solid #1a7f37;padding:.5em 1em}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(22em,1fr));gap:1em;margin-top:1em}
.card{border:1px solid #ccc;border-radius:4px;padding:.6em}.card h3{margin:.1em 0 .4em;font-size:1em}
.card pre,.rubric pre,.q pre{white-space:pre-wrap;font-family:inherit;margin:0}.empty{color:#999}"""


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>{body}</body></html>\n")


def _find(submissions: Path) -> dict[str, dict[str, Path]]:
    """``{student: {notebook: path}}`` of a SUBMISSIONS folder."""
    out: dict[str, dict[str, Path]] = {}
    for entry in sorted(Path(submissions).iterdir()):
        if entry.is_dir() and not entry.is_symlink() and _STUDENT_ID.match(entry.name):
            out[entry.name] = {p.stem: p for p in sorted(entry.glob("*.ipynb")) if p.is_file()}
    return out


def written_pages(submissions: Path, out: Path, notebook_dir: Path = REPO_NOTEBOOKS,
                  force: bool = False) -> tuple[list[Path], Path, list[str]]:
    """Write one HTML page per written question and ``points.csv`` into ``out``.

    Parameters
    ----------
    submissions : Path
        The class's ``SUBMISSIONS/<student>/<notebook>.ipynb`` (the folder that was graded);
        only read.
    out : Path
        Destination folder.
    notebook_dir : Path
        The instructor notebooks (questions, points, model answers).
    force : bool
        Overwrite an existing ``out/points.csv`` (and its pages).

    Returns
    -------
    pages, points_csv, problems
    """
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise FileNotFoundError(f"SUBMISSIONS {submissions} is not a folder")
    points_csv = out / "points.csv"
    if points_csv.exists() and not force:
        raise FileExistsError(f"{points_csv} exists (points may be filled in already); "
                              "choose another --out or pass --force to overwrite it")
    found = _find(submissions)
    qs = [q for q in questions(notebook_dir) if any(q.notebook in nbs for nbs in found.values())]
    problems: list[str] = []
    answers: dict[tuple[str, str], dict[str, str] | None] = {}
    for student, nbs in found.items():
        for notebook, path in nbs.items():
            try:
                answers[student, notebook] = _answers(path)
            except ValueError as err:
                problems.append(f"{student}/{notebook}: {err}")
                answers[student, notebook] = None
    out.mkdir(parents=True, exist_ok=True)
    e = html.escape
    pages, rows, links = [], [], []
    for q in qs:
        students = [s for s in found if q.notebook in found[s]]
        cards = []
        for s in students:
            got = answers.get((s, q.notebook))
            answer = None if got is None else got.get(q.name)
            if got is None:
                text, note = "(the notebook could not be read)", "notebook not readable"
            elif answer is None:
                text, note = "(the answer cell is missing)", "answer cell missing"
            elif _is_empty(answer):
                text, note = "(not answered)", "not answered"
            else:
                text, note = answer.strip(), ""
            cls = " empty" if note else ""
            cards.append(f"<div class='card'><h3>{e(s)}</h3><pre class='answer{cls}'>{e(text)}</pre></div>")
            rows.append([s, q.notebook, q.name, "0" if note else "", note])
        page = out / f"{q.notebook}__{q.name}.html"
        body = (f"<div class='q'><p><a href='index.html'>all questions</a></p>"
                f"<h1>{e(q.notebook)} &middot; {e(q.name)}</h1><p>Maximum: <b>{q.points:g}</b> points. "
                f"Enter the points in <code>points.csv</code> (rows <code>{e(q.notebook)}, {e(q.name)}</code>).</p>"
                f"<h2>Question</h2><pre>{e(q.prompt)}</pre><h2>Rubric (model answer)</h2>"
                f"<div class='rubric'><pre>{e(q.rubric)}</pre></div></div>"
                f"<h2>Answers ({len(students)})</h2><div class='grid'>{''.join(cards)}</div>")
        page.write_text(_page(f"{q.notebook} {q.name}", body), encoding="utf-8")
        pages.append(page)
        links.append(f"<li><a href='{e(page.name)}'>{e(q.notebook)} &middot; {e(q.name)}</a> "
                     f"({q.points:g} points, {len(students)} answers)</li>")
    (out / "index.html").write_text(_page("written answers", "<h1>Written answers by question</h1><ol>"
                                          + "".join(links) + "</ol>"), encoding="utf-8")
    tmp = points_csv.with_name(points_csv.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(POINTS_COLUMNS)
        w.writerows(sorted(rows, key=lambda r: (r[1], [q.name for q in qs].index(r[2]), r[0])))
    tmp.replace(points_csv)
    return pages, points_csv, problems


# -- merge ---------------------------------------------------------------------------------

def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def merge_points(points_csv: Path, grades_csv: Path, notebook_dir: Path = REPO_NOTEBOOKS,
                 feedback_dir: Path | None = None, force: bool = False) -> tuple[int, int]:
    """Merge the filled ``points.csv`` into ``grades.csv`` and the feedback pages.

    Parameters
    ----------
    points_csv : Path
        ``student, notebook, question, points, comment``; rows without points are skipped.
    grades_csv : Path
        The auto-grader's table; rewritten with the question columns, ``manual_score`` and
        ``total``.
    notebook_dir : Path
        The instructor notebooks (questions and their maximum points).
    feedback_dir : Path, optional
        The feedback pages (default ``feedback/`` next to ``grades_csv``).
    force : bool
        Replace points that were merged before with different ones.

    Returns
    -------
    (merged, pending)
        Rows merged, and rows still without points.

    Raises
    ------
    ValueError
        Naming every invalid row (nothing is written then).
    """
    points_csv, grades_csv = Path(points_csv), Path(grades_csv)
    feedback_dir = Path(feedback_dir) if feedback_dir is not None else grades_csv.parent / "feedback"
    with open(grades_csv, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, table = list(reader.fieldnames or []), list(reader)
    for needed in ("student", "notebook", "score"):
        if needed not in fields:
            raise ValueError(f"{grades_csv} has no column {needed!r}: is it the grader's grades.csv?")
    graded = {(r["student"], r["notebook"]): r for r in table}
    qs = {(q.notebook, q.name): q for q in questions(notebook_dir)}
    with open(points_csv, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in POINTS_COLUMNS[:4] if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{points_csv}: missing column(s) {', '.join(missing)}; "
                             f"expected {', '.join(POINTS_COLUMNS)}")
        rows = list(reader)
    errors, given, seen, pending = [], {}, set(), 0
    for n, row in enumerate(rows, start=2):  # line 1 is the header
        where = f"{points_csv.name} line {n} ({row.get('student')}, {row.get('notebook')}, {row.get('question')})"
        key = (row.get("student") or "", row.get("notebook") or "", row.get("question") or "")
        q = qs.get((key[1], key[2]))
        if (key[0], key[1]) not in graded:
            errors.append(f"{where}: unknown student or notebook (no such row in {grades_csv.name})")
            continue
        if q is None:
            errors.append(f"{where}: unknown question for notebook {key[1]}")
            continue
        if key in seen:
            errors.append(f"{where}: the same answer appears twice")
            continue
        seen.add(key)
        text = (row.get("points") or "").strip()
        if not text:
            pending += 1
            continue
        value = _number(text)
        if value is None:
            errors.append(f"{where}: points {text!r} is not a number")
        elif value < 0:
            errors.append(f"{where}: points {value:g} is negative")
        elif value > q.points:
            errors.append(f"{where}: points {value:g} is above the maximum {q.points:g}")
        else:
            given[key] = (value, (row.get("comment") or "").strip())
    if errors:
        raise ValueError(f"{len(errors)} invalid row(s), nothing merged:\n  " + "\n  ".join(errors))
    columns = [f"{nb}:{name}" for (nb, name) in qs if any(k[1] == nb for k in graded)]
    clashes = []
    for (student, nb, name), (value, _) in given.items():
        old = graded[student, nb].get(f"{nb}:{name}", "")
        if old not in ("", None) and _number(old) != value:
            clashes.append(f"{student}/{nb} {name}: {old} already merged, now {value:g}")
    if clashes and not force:
        raise ValueError(f"{len(clashes)} point(s) already merged would change (pass --force to replace them):\n  "
                         + "\n  ".join(clashes))
    for (student, nb, name), (value, _) in given.items():
        graded[student, nb][f"{nb}:{name}"] = f"{value:g}"
    for r in table:
        manual = [_number(r.get(c, "") or "") for c in columns if c.startswith(r["notebook"] + ":")]
        manual_score = sum(v for v in manual if v is not None)
        r["manual_score"] = f"{manual_score:g}"
        r["total"] = f"{(_number(r['score']) or 0.0) + manual_score:g}"
    head = [c for c in fields if c not in ("manual_score", "total")]
    at = head.index("manual_max_score") + 1 if "manual_max_score" in head else len(head)
    head[at:at] = ["manual_score", "total"]
    head += [c for c in columns if c not in head]
    tmp = grades_csv.with_name(grades_csv.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=head, restval="")
        w.writeheader()
        w.writerows(table)
    tmp.replace(grades_csv)
    comments = {k: c for k, (_, c) in given.items()}
    for (student, nb), r in graded.items():
        _feedback_section(feedback_dir / student / f"{nb}.html", r, [q for q in qs.values() if q.notebook == nb],
                          comments, student)
    return len(given), pending


def _feedback_section(page: Path, row: dict, nb_questions: list[Question], comments: dict, student: str) -> None:
    if not page.is_file():
        return
    e = html.escape
    cells = []
    for q in nb_questions:
        pts = row.get(f"{q.notebook}:{q.name}", "")
        shown = f"{pts} / {q.points:g}" if pts not in ("", None) else f"not graded yet / {q.points:g}"
        comment = comments.get((student, q.notebook, q.name), "")
        cells.append(f"<tr><td><code>{e(q.name)}</code></td><td>{e(shown)}</td>"
                     f"<td>{f'<pre>{e(comment)}</pre>' if comment else ''}</td></tr>")
    section = (f"{WRITTEN_BEGIN}<p>Written answers (&ldquo;Think!&rdquo;): <b>{e(row['manual_score'])}"
               f" / {e(row.get('manual_max_score', ''))}</b> points. Total: <b>{e(row['total'])}</b> points.</p>"
               f"<table><tr><th>question</th><th>points</th><th>comment</th></tr>{''.join(cells)}</table>"
               f"{WRITTEN_END}")
    text = page.read_text(encoding="utf-8")
    i, j = text.find(WRITTEN_BEGIN), text.find(WRITTEN_END)
    if i >= 0 and j > i:
        text = text[:i] + section + text[j + len(WRITTEN_END):]
    else:
        text = text.replace("</body>", section + "</body>", 1)
    page.write_text(text, encoding="utf-8")
