"""Build the source notebooks from their jupytext sources (``notebooks/src/*.py``).

A notebook is authored once, as a `jupytext <https://jupytext.readthedocs.io>`_ percent-format
Python file that reads well in a diff, and built into ``notebooks/NN_name.ipynb`` without
outputs. nbgrader's cell metadata sits in the cell headers, as jupytext writes it::

    # %% [markdown]
        a markdown cell, every line written "# text"
    # %%
        an ordinary code cell
    # %% nbgrader={"grade": false, "grade_id": "NAME", "locked": false, "schema_version": 3,
    #              "solution": true}                                    (on one line)
        an exercise stub: the code between ### BEGIN SOLUTION and ### END SOLUTION becomes
        raise NotImplementedError() in the student release
    # %% nbgrader={"grade": true, "grade_id": "NAME", "locked": true, "points": 2,
    #              "schema_version": 3, "solution": false}              (on one line)
        an auto-graded test cell: visible checks, then hidden tests between
        ### BEGIN HIDDEN TESTS and ### END HIDDEN TESTS
    # %% [markdown] nbgrader={"grade": true, "grade_id": "NAME", "locked": false, "points": 1,
    #                         "schema_version": 3, "solution": true}    (on one line)
        a "Think!" answer, graded by hand

Cells may also carry ``tags=[...]``. The pairing (``notebooks/X.ipynb`` with
``notebooks/src/X.py``) and the metadata filters are configured in ``pyproject.toml``
(``[tool.jupytext]``), so an instructor can open a source in JupyterLab as a notebook, edit,
and save both files. ``python -m course build`` then rewrites every ``.ipynb`` in the committed
form (no outputs, fixed cell ids and notebook metadata); ``tests/test_notebook_sources.py``
checks that the committed ``.ipynb`` match their sources.
"""
from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat

__all__ = ["CELL_METADATA_FILTER", "parse_source", "to_source", "build_notebook", "build_all"]

#: cell metadata kept in a source: nbgrader's and tags (whatever else JupyterLab adds is dropped)
CELL_METADATA_FILTER = "nbgrader,tags,-all"
_KERNEL = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
_NBGRADER_KEYS = {"grade", "grade_id", "locked", "points", "schema_version", "solution", "task"}


def _kind(cell: nbformat.NotebookNode) -> str:
    """The cell's role: markdown, code, solution, tests or think (used in its id)."""
    meta = cell.metadata.get("nbgrader")
    if not meta:
        return "markdown" if cell.cell_type == "markdown" else "code"
    if cell.cell_type == "markdown":
        return "think"
    return "tests" if meta.get("grade") else "solution"


def _check_nbgrader(meta: object, where: str, seen: set[str]) -> None:
    if not isinstance(meta, dict):
        raise ValueError(f"{where}: nbgrader metadata must be a mapping, got {meta!r}")
    unknown = set(meta) - _NBGRADER_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown nbgrader key(s) {sorted(unknown)}")
    grade_id = meta.get("grade_id")
    if not grade_id:
        raise ValueError(f"{where}: an nbgrader cell needs a grade_id")
    if grade_id in seen:
        raise ValueError(f"{where}: duplicate grade_id {grade_id!r}")
    seen.add(grade_id)
    if meta.get("grade") and not isinstance(meta.get("points"), int):
        raise ValueError(f"{where}: graded cell {grade_id!r} needs integer points, got {meta.get('points')!r}")


def parse_source(text: str, name: str = "<source>") -> nbformat.NotebookNode:
    """Read a jupytext percent-format source into the committed form of its notebook.

    Parameters
    ----------
    text : str
        Contents of a ``notebooks/src/*.py`` file.
    name : str
        Used in error messages.

    Returns
    -------
    nbformat.NotebookNode
        The notebook: no outputs, cell ids ``<kind>-<index>``, only nbgrader metadata and tags.

    Raises
    ------
    ValueError
        If the nbgrader metadata of a cell is malformed, or two cells share a grade_id.
    """
    nb = jupytext.reads(text, fmt="py:percent")
    out = nbformat.v4.new_notebook()
    out.metadata = nbformat.from_dict(_KERNEL)
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        where = f"{name}: cell {index}"
        if cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(cell.source)
        elif cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(cell.source)
        else:
            raise ValueError(f"{where}: {cell.cell_type} cells are not used in this collection")
        if "nbgrader" in cell.metadata:
            _check_nbgrader(cell.metadata["nbgrader"], where, seen)
            new.metadata["nbgrader"] = dict(sorted(cell.metadata["nbgrader"].items()))
        if "tags" in cell.metadata:
            new.metadata["tags"] = list(cell.metadata["tags"])
        new.id = f"{_kind(new)}-{index:03d}"
        out.cells.append(new)
    return out


def to_source(nb: nbformat.NotebookNode) -> str:
    """Write a notebook as its percent-format source (the inverse of :func:`parse_source`)."""
    nb = nbformat.from_dict(nb)
    nb.metadata = nbformat.from_dict({"jupytext": {
        "notebook_metadata_filter": "-all", "cell_metadata_filter": CELL_METADATA_FILTER}})
    return jupytext.writes(nb, fmt="py:percent")


def build_notebook(src: Path, dest: Path) -> bool:
    """Write ``dest`` from ``src``; return True if the file changed.

    A source saved by JupyterLab may list its metadata in another order; it is rewritten in
    the canonical form of :func:`to_source` (same cells, same metadata), and a line says so.
    """
    source = src.read_text(encoding="utf-8")
    nb = parse_source(source, name=str(src))
    canonical = to_source(nb)
    if canonical != source:
        src.write_text(canonical, encoding="utf-8")
        print(f"normalised {src} (metadata order, blank lines between cells)")
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
