"""Build the source notebooks from their plain-text form (``notebooks/src/*.py``).

A notebook is authored once, as a percent-format Python file that reads well in a diff, and
built into ``notebooks/NN_name.ipynb`` carrying nbgrader's cell metadata. Cell markers:

``# %% [markdown]``
    a markdown cell; every line is written ``# text`` (or ``#`` alone for a blank line).
``# %%``
    an ordinary code cell.
``# %% [solution] id=NAME``
    an exercise stub: code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` is the
    instructor's answer; the student release replaces it with ``raise NotImplementedError()``.
``# %% [tests] id=NAME points=N``
    an auto-graded test cell: visible checks, then hidden tests between
    ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``.
``# %% [think] id=NAME points=N``
    a manually graded written answer (markdown); a model answer may sit between
    ``### BEGIN SOLUTION`` and ``### END SOLUTION``.

Any marker may add ``tags=a,b`` for cell tags. ``python -m course build`` rebuilds all
notebooks; ``tests/test_notebook_sources.py`` checks that the committed ``.ipynb`` match.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

__all__ = ["parse_source", "build_notebook", "build_all"]

_MARKER = re.compile(r"^# %%(?:\s+\[(\w+)\])?(.*)$")
_KINDS = {None, "markdown", "solution", "tests", "think"}


def _parse_options(text: str, where: str) -> dict[str, str]:
    opts = {}
    for item in text.split():
        if "=" not in item:
            raise ValueError(f"{where}: cell option {item!r} should look like key=value")
        key, value = item.split("=", 1)
        opts[key] = value
    return opts


def _markdown_text(lines: list[str], where: str) -> str:
    out = []
    for line in lines:
        if line == "#":
            out.append("")
        elif line.startswith("# "):
            out.append(line[2:])
        elif line.strip() == "":
            out.append("")
        else:
            raise ValueError(f"{where}: markdown lines must start with '# ', got {line!r}")
    return "\n".join(out).strip("\n")


def _nbgrader_meta(kind: str, opts: dict[str, str], where: str) -> dict:
    if "id" not in opts:
        raise ValueError(f"{where}: a [{kind}] cell needs id=NAME")
    meta = {"grade_id": opts["id"], "schema_version": 3, "locked": False}
    if kind == "solution":
        meta.update(grade=False, solution=True)
    elif kind == "tests":
        meta.update(grade=True, solution=False, locked=True, points=int(opts.get("points", 1)))
    elif kind == "think":
        meta.update(grade=True, solution=True, points=int(opts.get("points", 1)))
    return meta


def parse_source(text: str, name: str = "<source>") -> nbformat.NotebookNode:
    """Parse a percent-format source into a notebook with nbgrader metadata.

    Parameters
    ----------
    text : str
        Contents of a ``notebooks/src/*.py`` file.
    name : str
        Used in error messages.
    """
    cells: list[tuple[str | None, dict[str, str], list[str], int]] = []
    current = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _MARKER.match(line)
        if m:
            kind = m.group(1)
            if kind not in _KINDS:
                raise ValueError(f"{name}:{lineno}: unknown cell kind [{kind}]")
            current = (kind, _parse_options(m.group(2), f"{name}:{lineno}"), [], lineno)
            cells.append(current)
        elif current is None:
            if line.strip():
                raise ValueError(f"{name}:{lineno}: text before the first '# %%' marker")
        else:
            current[2].append(line)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    seen: set[str] = set()
    for kind, opts, lines, lineno in cells:
        where = f"{name}:{lineno}"
        if kind in ("markdown", "think"):
            cell = nbformat.v4.new_markdown_cell(_markdown_text(lines, where))
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines).strip("\n"))
        if kind in ("solution", "tests", "think"):
            meta = _nbgrader_meta(kind, opts, where)
            if meta["grade_id"] in seen:
                raise ValueError(f"{where}: duplicate id={meta['grade_id']}")
            seen.add(meta["grade_id"])
            cell.metadata["nbgrader"] = meta
        if "tags" in opts:
            cell.metadata["tags"] = opts["tags"].split(",")
        cell.id = f"{kind or 'code'}-{len(nb.cells):03d}".replace("_", "-")
        nb.cells.append(cell)
    return nb


def build_notebook(src: Path, dest: Path) -> bool:
    """Write ``dest`` from ``src``; return True if the file changed."""
    nb = parse_source(src.read_text(encoding="utf-8"), name=str(src))
    text = nbformat.writes(nb) + "\n"
    if dest.exists() and dest.read_text(encoding="utf-8") == text:
        return False
    dest.write_text(text, encoding="utf-8")
    return True


def build_all(notebook_dir: Path) -> list[Path]:
    """Build every ``notebook_dir/src/*.py`` into ``notebook_dir``; return the changed files."""
    changed = []
    for src in sorted((notebook_dir / "src").glob("[0-9][0-9]_*.py")):
        dest = notebook_dir / (src.stem + ".ipynb")
        if build_notebook(src, dest):
            changed.append(dest)
    return changed
