#!/usr/bin/env python
"""The rendered handout: every notebook executed as a user runs it, written as a static HTML site.

    python3 tasks.py handout                    # instructor notebooks -> handout/
    python3 tasks.py handout --release          # also the student release (stubs, fallbacks on)
    python3 tasks.py handout --only 03 --out /tmp/h --force

Each notebook runs in a fresh kernel under nbclient (what nbconvert, papermill, jupyter-book and
nbgrader run) with the default inline matplotlib backend: the figures in the pages are the ones
a student sees. ``index.html`` lists the notebooks in lecture order. Widgets appear as the figure
of their default setting (a static page has no kernel to move a slider). Equations are typeset
by MathJax 2 from a copy in ``_mathjax/`` beside the pages (the jupyter-server-mathjax package's),
so the site needs no network and can be handed out as a folder. An existing output folder is
never overwritten without ``--force``. Generated; never committed.
"""
from __future__ import annotations

import argparse
import html
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: Seconds any one cell may take before execution is stopped as hung (the longest default-mode
#: cell, notebook 04's live training, takes about a minute).
CELL_TIMEOUT_S = 240
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: Folder of the site that holds MathJax, and the configuration the pages load (one that
#: jupyter-server-mathjax ships: TeX and MathML input, HTML-CSS output, the Safe extension).
MATHJAX_FOLDER = "_mathjax"
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
#: nbconvert's lab template with nothing taken from a CDN: a page without a kernel or widget state
#: runs no require.js, the collection draws no mermaid diagram, and MathJax comes from the site,
#: with the web font that jupyter-server-mathjax ships (STIX; it has no TeX font).
_PAGE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null}});
</script>
{{ super() }}
{%- endblock html_head_js_mathjax -%}
"""


@dataclass
class Executed:
    """A notebook after execution: the notebook, its seconds and per-cell seconds."""

    path: Path
    nb: nbformat.NotebookNode
    seconds: float
    cell_seconds: list[float] = field(default_factory=list)

    @property
    def title(self) -> str:
        for cell in self.nb.cells:
            if cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
                return cell.source.lstrip()[2:].splitlines()[0].strip()
        return self.path.stem

    def images(self) -> int:
        """Number of ``image/png`` outputs."""
        return sum("image/png" in o.get("data", {}) for c in self.nb.cells if c.cell_type == "code"
                   for o in c.outputs)


def _cell_seconds(cell: nbformat.NotebookNode) -> float:
    ex = cell.get("metadata", {}).get("execution", {})
    start, end = ex.get("iopub.execute_input"), ex.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def execute(path: str | Path, timeout: int = CELL_TIMEOUT_S) -> Executed:
    """Run a notebook top to bottom in a fresh kernel, in its own folder, as nbconvert does.

    Parameters
    ----------
    path : path
        The ``.ipynb`` file.
    timeout : int
        Seconds any one cell may take (nbclient's ``CellTimeoutError`` past it).

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        A cell raised and is not tagged ``raises-exception``.
    """
    from nbclient import NotebookClient

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path {path} is not a notebook file")
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    cells = [_cell_seconds(c) for c in nb.cells if c.cell_type == "code"]
    return Executed(path, nb, time.perf_counter() - start, cells)


def static_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy for a page without a kernel: widget views give way to their figure."""
    nb = nbformat.from_dict(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW in data and len(data) > 1:
                del data[WIDGET_VIEW]
    return nb


def copy_mathjax(out: Path) -> Path:
    """Copy MathJax 2 (from the jupyter-server-mathjax package) into ``out/_mathjax``.

    Returns
    -------
    Path
        The copy's ``MathJax.js``, for :func:`write_page`.
    """
    import jupyter_server_mathjax

    static = Path(jupyter_server_mathjax.__file__).parent / "static"
    dest = Path(out) / MATHJAX_FOLDER
    shutil.copytree(static, dest, dirs_exist_ok=True)
    return dest / "MathJax.js"


def write_page(ex: Executed, dest: Path, mathjax: Path) -> Path:
    """Write one executed notebook as a standalone HTML page (figures embedded).

    Parameters
    ----------
    ex : Executed
        The executed notebook.
    dest : Path
        The ``.html`` file to write.
    mathjax : Path
        The site's ``MathJax.js`` (:func:`copy_mathjax`); the page loads it by a relative URL.
    """
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    mathjax = Path(mathjax)
    if not mathjax.is_file():
        raise FileNotFoundError(f"mathjax {mathjax} is not a file: copy it with copy_mathjax(out) first")
    url = Path(os.path.relpath(mathjax, Path(dest).parent)).as_posix() + f"?config={MATHJAX_CONFIG}"
    exporter = HTMLExporter(template_name="lab", template_file="handout.html.j2", mathjax_url=url,
                            extra_loaders=[DictLoader({"handout.html.j2": _PAGE_TEMPLATE})])
    body, _ = exporter.from_notebook_node(static_copy(ex.nb))
    dest.write_text(body, encoding="utf-8")
    return dest


def write_index(pages: list[tuple[str, Executed, Path]], out: Path) -> Path:
    """``index.html``: the notebooks in lecture order, with their figure counts."""
    rows = "\n".join(
        f'<li><a href="{html.escape(p.relative_to(out).as_posix())}">{html.escape(ex.title)}</a>'
        f' <small>({html.escape(kind)}, {ex.images()} figures)</small></li>'
        for kind, ex, p in pages
    )
    text = (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Task-driven models of the brain"
        "</title></head>\n<body style='font-family: sans-serif; max-width: 48em; margin: 2em auto'>\n"
        "<h1>Task-driven models of the brain: the notebooks</h1>\n"
        f"<ol>\n{rows}\n</ol>\n</body></html>\n"
    )
    index = out / "index.html"
    index.write_text(text, encoding="utf-8")
    return index


def _selected(folder: Path, only: list[str] | None) -> list[Path]:
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if only:
        paths = [p for p in paths if p.name[:2] in only]
    if not paths:
        raise FileNotFoundError(f"no notebooks NN_*.ipynb in {folder} (only={only})")
    return paths


def build(out: str | Path, release: bool = False, only: list[str] | None = None, force: bool = False,
          log=print) -> Path:
    """Execute the notebooks and write the site; return the index page.

    Parameters
    ----------
    out : path
        Output folder; it must not exist unless ``force``.
    release : bool
        Also render the student release (stubs unanswered, so every exercise uses its fallback).
    only : list of str, optional
        Two-digit numbers of the notebooks to include (default all).
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not force:
            raise FileExistsError(f"out folder {out} exists and is not empty: pass --force to replace it")
        shutil.rmtree(out)
    (out / "instructor").mkdir(parents=True)
    mathjax = copy_mathjax(out)
    pages = []
    sources = [("instructor", p) for p in _selected(NOTEBOOKS, only)]
    with tempfile.TemporaryDirectory() as tmp:
        if release:
            from course.release import release as make_release

            rel = Path(tmp) / "release"
            make_release(rel, NOTEBOOKS)
            (out / "student").mkdir()
            sources += [("student", p) for p in _selected(rel, only)]
        for kind, path in sources:
            ex = execute(path)
            page = write_page(ex, out / kind / (path.stem + ".html"), mathjax)
            log(f"{kind:10s} {path.name:32s} {ex.seconds:6.1f} s  {ex.images():3d} figures  "
                f"slowest cell {max(ex.cell_seconds, default=0):5.1f} s")
            pages.append((kind, ex, page))
    pages.sort(key=lambda t: (t[2].name, t[0]))
    return write_index(pages, out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "handout"), help="output folder (default: handout/)")
    ap.add_argument("--release", action="store_true", help="also render the student release")
    ap.add_argument("--only", nargs="*", help="two-digit notebook numbers, e.g. --only 01 03")
    ap.add_argument("--force", action="store_true", help="replace an existing output folder")
    args = ap.parse_args(argv)
    try:
        index = build(args.out, release=args.release, only=args.only, force=args.force)
    except (FileExistsError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"handout written: {index}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
