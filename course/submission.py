"""Reading a student's submission safely, and what the grader needs to know of a notebook.

:func:`sanitize` rebuilds a submitted notebook from scratch before nbgrader sees it: only
cell types, sources, nbgrader metadata and tags are kept (no outputs, attachments or
notebook-level metadata the student could have crafted). Graded cells are checked against
the released notebook: a graded cell's metadata always comes from the release, a test cell
or any locked cell keeps the released source (nbgrader then puts its hidden tests back),
later duplicates of a graded cell and cells claiming unknown ids become ordinary cells, and
deleted graded cells are put back where they belong. Every change is reported.
"""
from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path

import nbformat

__all__ = ["SubmissionError", "sanitize", "notebook_names", "hidden_region"]

#: Largest notebook file accepted (bytes).
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024

_HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
_HIDDEN_END = "### END HIDDEN TESTS"


class SubmissionError(ValueError):
    """A submitted file that cannot be graded at all (the reason is its message)."""


def _meta(cell: nbformat.NotebookNode) -> dict:
    m = cell.get("metadata", {}).get("nbgrader", {})
    return m if isinstance(m, dict) else {}


def _grade_id(cell: dict) -> str | None:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    gid = nbg.get("grade_id") if isinstance(nbg, dict) else None
    return gid if isinstance(gid, str) else None


def _is_test(meta: dict) -> bool:
    return bool(meta.get("grade")) and not meta.get("solution")


def _source_text(src) -> str:
    if isinstance(src, str):
        return src
    if isinstance(src, list) and all(isinstance(s, str) for s in src):
        return "".join(src)
    return ""


def _new_cell(kind: str, source: str, nbgrader: dict | None = None, tags: list | None = None):
    if kind == "markdown":
        cell = nbformat.v4.new_markdown_cell(source)
    elif kind == "raw":
        cell = nbformat.v4.new_raw_cell(source)
    else:
        cell = nbformat.v4.new_code_cell(source)
    if nbgrader:
        cell.metadata["nbgrader"] = copy.deepcopy(nbgrader)
    if tags:
        cell.metadata["tags"] = [t for t in tags if isinstance(t, str)][:20]
    return cell


def _read_cells(path: Path) -> list[dict]:
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(
            f"file is {size / 2**20:.0f} MiB, more than the {MAX_NOTEBOOK_BYTES // 2**20} MiB accepted")
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SubmissionError("not a notebook: the file is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise SubmissionError(f"not a valid notebook: broken JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(data, dict) or ("cells" not in data and "worksheets" not in data):
        raise SubmissionError("not a notebook: the JSON has no cells")
    if data.get("nbformat", 4) < 4:
        try:
            data = nbformat.reads(raw.decode("utf-8-sig"), as_version=4)
        except Exception as err:  # noqa: BLE001
            raise SubmissionError(f"old notebook format could not be converted ({err.__class__.__name__})") from None
    cells = data.get("cells")
    if not isinstance(cells, list):
        raise SubmissionError("not a notebook: 'cells' is not a list")
    return [c for c in cells if isinstance(c, dict)]


def sanitize(
    path: Path, release: nbformat.NotebookNode, sources: dict[str, str] | None = None
) -> tuple[nbformat.NotebookNode, list[str]]:
    """Rebuild the submission at ``path`` against the released notebook.

    Parameters
    ----------
    path : Path
        The submitted ``.ipynb`` (only read).
    release : NotebookNode
        The student version of the same notebook, as released.
    sources : dict, optional
        Instructor sources of read-only cells by id (with hidden tests): a read-only cell
        equal to one of them is not reported as edited.

    Returns
    -------
    notebook : NotebookNode
        A clean notebook to hand to nbgrader.
    problems : list of str
        What was changed, one sentence each.

    Raises
    ------
    SubmissionError
        When the file is not a readable notebook.
    """
    released = {}
    order = []
    for cell in release.cells:
        gid = _meta(cell).get("grade_id")
        if gid:
            released[gid] = cell
            order.append(gid)
    problems: list[str] = []
    out = nbformat.v4.new_notebook()
    out.metadata = copy.deepcopy(release.metadata)
    seen: dict[str, int] = {}
    for raw in _read_cells(path):
        kind = raw.get("cell_type") if raw.get("cell_type") in ("code", "markdown", "raw") else "code"
        source = _source_text(raw.get("source", ""))
        meta = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
        tags = meta.get("tags") if isinstance(meta.get("tags"), list) else None
        gid = _grade_id(raw)
        has_nbg = isinstance(meta.get("nbgrader"), dict) and any(
            meta["nbgrader"].get(k) for k in ("grade", "solution", "locked", "task"))
        if gid is None or gid not in released:
            if has_nbg or gid is not None:
                problems.append(f"a cell claims nbgrader id {gid!r}, which the notebook does not have: "
                                "run as an ordinary cell")
            out.cells.append(_new_cell(kind, source, tags=tags))
            continue
        if gid in seen:
            problems.append(f"cell {gid!r} appears more than once: the first copy is graded, "
                            "the others run as ordinary cells")
            out.cells.append(_new_cell(kind, source, tags=tags))
            continue
        ref = released[gid]
        ref_meta = _meta(ref)
        if kind != ref.cell_type:
            problems.append(f"cell {gid!r} was turned into a {kind} cell: set back to {ref.cell_type}")
            kind = ref.cell_type
        if _is_test(ref_meta) or ref_meta.get("locked"):
            if source.strip() not in (ref.source.strip(), (sources or {}).get(gid, "").strip()):
                problems.append(f"read-only cell {gid!r} was edited: restored from the source")
            source = ref.source
        seen[gid] = len(out.cells)
        out.cells.append(_new_cell(kind, source, nbgrader=ref_meta, tags=ref.metadata.get("tags")))
    # put back deleted graded cells, after the graded cell that precedes them in the release
    for i, gid in enumerate(order):
        if gid in seen:
            continue
        ref = released[gid]
        pos = 0
        for prev in reversed(order[:i]):
            if prev in seen:
                pos = seen[prev] + 1
                break
        what = "test cell" if _is_test(_meta(ref)) else "cell"
        problems.append(f"{what} {gid!r} was deleted: restored from the source")
        out.cells.insert(pos, _new_cell(ref.cell_type, ref.source, nbgrader=_meta(ref), tags=ref.metadata.get("tags")))
        seen = {k: (v + 1 if v >= pos else v) for k, v in seen.items()}
        seen[gid] = pos
    nbformat.validate(out)
    return out, problems


def _parse(source: str) -> ast.Module | None:
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def notebook_names(nb: nbformat.NotebookNode) -> tuple[list[list], list[str]]:
    """Names the grading kernel must protect in a source notebook.

    Returns
    -------
    imports : list of [name, module, attribute or None]
        Top-level imports of the cells that are not exercises (``import numpy as np`` gives
        ``["np", "numpy", None]``; ``from helpers import rnn`` gives
        ``["rnn", "helpers", "rnn"]``).
    solution_names : list of str
        Functions defined at top level by the exercise (solution) cells.
    """
    imports, solutions = [], []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = _parse(cell.source)
        if tree is None:
            continue
        is_solution = bool(_meta(cell).get("solution"))
        for node in tree.body:
            if is_solution and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                solutions.append(node.name)
            elif not is_solution and isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        imports.append([a.asname, a.name, None])
                    else:
                        top = a.name.split(".")[0]
                        imports.append([top, top, None])
            elif not is_solution and isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for a in node.names:
                    if a.name != "*":
                        imports.append([a.asname or a.name, node.module, a.name])
    # a name the notebook also binds otherwise (``x = ...``, ``for x in``, ``def x``) is not an import to guard
    rebound = set()
    for cell in nb.cells:
        tree = _parse(cell.source) if cell.cell_type == "code" else None
        for node in tree.body if tree is not None else []:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    rebound.add(sub.id)
                elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    rebound.add(sub.name)
    uniq = {i[0]: i for i in imports if i[0] not in rebound}
    return list(uniq.values()), list(dict.fromkeys(solutions))


def hidden_region(source: str) -> tuple[int, list[str]]:
    """Return (number of visible lines before the hidden tests, the hidden lines)."""
    lines = source.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == _HIDDEN_BEGIN:
            hidden = []
            for line2 in lines[i + 1:]:
                if line2.strip() == _HIDDEN_END:
                    break
                hidden.append(line2)
            return i, hidden
    return len(lines), []


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes."""
    return _ANSI.sub("", text)
