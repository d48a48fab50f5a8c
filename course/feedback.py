"""Per-student feedback that never shows a hidden test.

For each graded test cell the feedback says passed / failed / not run and the points. A
failure is explained only by what the student could see anyway: the visible check's message
(``CheckError: ... Hint: ...``) when the error was raised by the visible lines of the test
cell; a failure inside the hidden tests reads "a hidden test failed" with the exception's
name only. Any line of hidden-test source that appears in a message is blanked out. No cell
source, output or traceback of the graded notebook is copied into the feedback.

Tests are listed in notebook order under the title of their exercise. A long message is
shortened in its arrays (long lines and long runs of lines), never in its hint. The written
answers' points are added to the page later, between :data:`WRITTEN_BEGIN` and
:data:`WRITTEN_END` (``python -m course merge``).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .submission import hidden_region, strip_ansi

__all__ = ["CellFeedback", "cell_feedback", "exercise_titles", "shorten", "write_feedback", "WRITTEN_BEGIN",
           "WRITTEN_END"]

_LINE = re.compile(r"(?:Cell In\[\d+\]|<ipython-input-[^>]*>|<cell line: \d+>)[^\n]*?line (\d+)")
_FRAME = re.compile(r"(Cell In\[\d+\]|File [^\n:]+\.py)")
#: A message line longer than this is cut in its middle (an array printed on one line).
_MAX_LINE = 160
#: A message with more lines than this keeps its first and last ones (a printed 2-D array).
_MAX_LINES = 14
#: Markers around the written answers' section of a feedback page.
WRITTEN_BEGIN, WRITTEN_END = "<!-- written answers -->", "<!-- /written answers -->"
_HEADING = re.compile(r"^#{2,4}\s+(.*)$", re.M)


def _count_cells(err: dict) -> int:
    return sum(len(re.findall(r"Cell In\[\d+\]", strip_ansi(e))) for e in err.get("traceback", []))


@dataclass
class CellFeedback:
    """What one graded cell gets in the feedback."""

    name: str
    points: float
    max_points: float
    status: str
    message: str = ""
    title: str = ""


def _redact(text: str, hidden: list[str]) -> str:
    for line in sorted({ln.strip() for ln in hidden}, key=len, reverse=True):
        if len(line) >= 6 and not line.startswith("#"):
            text = text.replace(line, "[hidden]")
    for token in ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        text = text.replace(token, "[hidden]")
    return shorten(text)


def shorten(text: str) -> str:
    """Shorten the printed arrays of a check's message; the hint (``Hint: ...``) is kept whole."""
    head, sep, hint = text.rpartition("Hint:")
    if not sep:
        head, hint = text, ""
    # "expected ..., got ...": each printed value is shortened on its own
    return ", got ".join(_shorten_lines(part) for part in head.split(", got ")) + sep + hint


def _shorten_lines(text: str) -> str:
    lines = text.split("\n")
    lines = [ln if len(ln) <= _MAX_LINE else f"{ln[:_MAX_LINE - 40]} ... {ln[-30:]}" for ln in lines]
    if len(lines) > _MAX_LINES // 2:
        keep = _MAX_LINES // 4
        lines = [*lines[:keep], f"   ... ({len(lines) - 2 * keep} lines left out) ...", *lines[-keep:]]
    return "\n".join(lines)


def exercise_titles(nb: nbformat.NotebookNode) -> dict[str, str]:
    """``{graded cell id: title}``, the title being the last heading above the cell.

    Exercise headings (``### Exercise 1 · one time step``) win over section headings.
    """
    titles, section, exercise = {}, "", ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for heading in _HEADING.findall(cell.source):
                heading = heading.strip()
                if heading.lower().startswith("exercise"):
                    exercise = heading
                elif not heading.startswith(("BEGIN", "END")):
                    section, exercise = heading, ""
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid and cell.cell_type == "code":
            titles[gid] = exercise or section
    return titles


def _failure(cell: nbformat.NotebookNode, hidden_start: int, hidden: list[str]) -> tuple[str, str]:
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors:
        if any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in cell.get("outputs", [])):
            return "failed", "the test wrote to the error stream (a warning?): nbgrader counts that as a failure"
        return "failed", ""
    err = errors[-1] if errors[-1].get("ename") in ("NotRun", "DeadKernelError", "CellTimeoutError",
                                                   "PermissionError") else errors[0]
    ename, evalue = str(err.get("ename", "Error")), str(err.get("evalue", ""))
    if ename == "NotRun":
        return "not run", evalue.removeprefix("not run: ")
    if ename in ("DeadKernelError",):
        return "not run", evalue
    if ename in ("CellTimeoutError", "KeyboardInterrupt"):
        return "failed", "interrupted: the test ran past the time limit"
    if ename == "PermissionError" and "grading kernel" in evalue:
        return "failed", evalue
    line, innermost = None, None
    for entry in err.get("traceback", []):
        text = strip_ansi(entry)
        m = _LINE.search(text)
        if m and line is None:
            line = int(m.group(1))
        for where in _FRAME.findall(text):
            innermost = where
    in_visible = line is not None and line <= hidden_start
    if ename == "NotImplementedError" and (in_visible or line is None):
        return "failed", "not implemented yet (NotImplementedError)"
    if not in_visible and not (line is None and ename == "CheckError"):
        return "failed", f"a hidden test failed ({ename})"
    if innermost is not None and innermost.startswith("Cell") and line is not None and _count_cells(err) > 1:
        # raised inside the student's own code: its message is the student's, not the check's
        return "failed", f"{ename} raised in your code"
    return "failed", _redact(f"{ename}: {strip_ansi(evalue)}", hidden)


def cell_feedback(autograded: nbformat.NotebookNode | None, scores: dict[str, float],
                  max_scores: dict[str, float], sources: dict[str, str],
                  titles: dict[str, str] | None = None) -> list[CellFeedback]:
    """Feedback for each auto-graded cell.

    Parameters
    ----------
    autograded : NotebookNode or None
        The notebook as nbgrader executed it (None when grading did not run).
    scores, max_scores : dict
        Points per graded cell id, from the gradebook.
    sources : dict
        Source (with hidden tests) of each graded test cell, by id.
    titles : dict, optional
        Exercise title of each graded test cell (:func:`exercise_titles`).

    The feedback follows the order of ``max_scores`` (the notebook's order).
    """
    titles = titles or {}
    cells = {}
    if autograded is not None:
        for cell in autograded.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid and gid not in cells:
                cells[gid] = cell
    out = []
    all_hidden = [ln for src in sources.values() for ln in hidden_region(src)[1]]
    for name in max_scores:
        pts, mx = scores.get(name, 0.0), max_scores[name]
        start, _ = hidden_region(sources.get(name, ""))
        hidden = all_hidden
        cell = cells.get(name)
        if cell is None:
            out.append(CellFeedback(name, pts, mx, "not run", "the notebook was not graded"))
        elif pts >= mx:
            out.append(CellFeedback(name, pts, mx, "passed"))
        else:
            status, msg = _failure(cell, start, hidden)
            if status == "failed" and not msg and not cell.get("outputs") and cell.get("execution_count") is None:
                status, msg = "not run", ""
            out.append(CellFeedback(name, pts, mx, status, msg))
    for fb in out:
        fb.title = titles.get(fb.name, "")
    return out


_STYLE = """body{font-family:sans-serif;max-width:52em;margin:2em auto;line-height:1.4}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4em;text-align:left;vertical-align:top}
.passed{color:#1a7f37}.failed{color:#c0392b}.notrun{color:#888}code{white-space:pre-wrap}
pre{white-space:pre-wrap;margin:0;font-size:.9em}th.exercise{background:#f4f4f4}"""


def write_feedback(path: Path, student: str, notebook: str, score: float, max_score: float,
                   cells: list[CellFeedback], notes: list[str], manual_max: float = 0.0) -> None:
    """Write the HTML feedback file of one student and notebook."""
    e = html.escape
    rows, title = [], None
    for c in cells:
        if c.title and c.title != title:
            rows.append(f"<tr><th class='exercise' colspan='4'>{e(c.title)}</th></tr>")
        title = c.title
        rows.append(
            f"<tr><td><code>{e(c.name)}</code></td><td>{c.points:g} / {c.max_points:g}</td>"
            f"<td class='{c.status.replace(' ', '')}'>{e(c.status)}</td>"
            f"<td>{f'<pre>{e(c.message)}</pre>' if c.message else ''}</td></tr>"
        )
    rows = "".join(rows)
    notes_html = "".join(f"<li>{e(n)}</li>" for n in notes)
    manual = (f"<p>Written answers (&ldquo;Think!&rdquo;, {manual_max:g} points) are graded by hand.</p>"
              if manual_max else "")
    text = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(notebook)} - {e(student)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{e(notebook)}</h1><p>Student: <b>{e(student)}</b></p>"
        f"<p>Automatically graded: <b>{score:g} / {max_score:g}</b> points.</p>{WRITTEN_BEGIN}{manual}{WRITTEN_END}"
        f"<table><tr><th>exercise test</th><th>points</th><th>result</th><th>details</th></tr>{rows}</table>"
        + (f"<h2>Notes from the grader</h2><ul>{notes_html}</ul>" if notes else "")
        + "</body></html>\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
