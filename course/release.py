"""Student release: nbgrader's ``generate_assignment`` over every source notebook."""
from __future__ import annotations

import tempfile
from pathlib import Path

import nbformat

from .nbgrader_course import REPO_NOTEBOOKS, prepare_course, source_notebooks

__all__ = ["release"]


def _tag_graded_tests(nb: nbformat.NotebookNode) -> int:
    """Tag graded test cells ``raises-exception`` so "Run All" goes past a failing check.

    JupyterLab and nbclient keep executing after a cell with this tag raises; nbgrader still
    records the error and gives the cell 0 points. Returns the number of cells tagged.
    """
    n = 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            tags = cell.metadata.setdefault("tags", [])
            if "raises-exception" not in tags:
                tags.append("raises-exception")
            n += 1
    return n


def release(out: Path, notebook_dir: Path = REPO_NOTEBOOKS, force: bool = False) -> list[Path]:
    """Write the student version of every source notebook into ``out``.

    Solutions become ``raise NotImplementedError()`` stubs, hidden tests are removed, and
    outputs are cleared -- all by nbgrader's ``generate_assignment``.

    Parameters
    ----------
    out : Path
        Destination folder; created if missing.
    notebook_dir : Path
        Folder of the source notebooks.
    force : bool
        Overwrite notebooks already in ``out``; without it an existing file is an error.

    Returns
    -------
    list of Path
        The written student notebooks.
    """
    out = Path(out)
    notebooks = source_notebooks(notebook_dir)
    if not notebooks:
        raise FileNotFoundError(f"no source notebooks (NN_name.ipynb) in {notebook_dir}")
    clash = [out / nb.name for nb in notebooks if (out / nb.name).exists()]
    if clash and not force:
        raise FileExistsError(
            f"{len(clash)} notebook(s) already in {out} (e.g. {clash[0].name}); "
            "choose an empty folder or pass --force to overwrite them"
        )
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        root = Path(tmp)
        for aid in prepare_course(root, notebooks):
            src = root / "release" / aid / f"{aid}.ipynb"
            nb = nbformat.read(src, as_version=4)
            _tag_graded_tests(nb)
            dest = out / f"{aid}.ipynb"
            nbformat.write(nb, dest)
            written.append(dest)
    return written

