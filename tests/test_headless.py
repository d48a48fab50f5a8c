"""Headless execution, as nbconvert, papermill and nbgrader run a notebook: the checks that
do not need a whole notebook run.

Each source notebook is executed once, by nbval, in the notebook tier. The checks that the
headless runner used to make on its own run (figures, errors, the per-cell time bound, the
pinned figure counts) are attached to that run by ``tests/notebook_runs.py``. The tests here
check that machinery, the explorer widget and the handout on small inputs.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tools import handout

from .notebook_runs import CELL_TIMEOUT_S, DRAWS, FIGURES, count_images, executed_copy, figure_cells, run_problems

ROOT = Path(__file__).resolve().parents[1]


def test_figure_cells_are_recognised() -> None:
    """The pattern that finds drawing cells finds them in every notebook (it can fail)."""
    for name in FIGURES:
        nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        assert 3 <= len(figure_cells(nb)) <= FIGURES[name], name


def test_explorer_widget_carries_its_figure() -> None:
    """Headless, an explorer is a widget view plus the PNG of its default setting; moving a
    slider redraws it as widget state (no output captured while a cell runs)."""
    import matplotlib.pyplot as plt
    from ipywidgets import FloatSlider

    from helpers import widgets

    def draw(a: float) -> plt.Figure:
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, a])
        return fig

    open_before = plt.get_fignums()  # figures other tests of this worker may have left open
    w = widgets.figure_explorer(draw, a=FloatSlider(value=1.0, min=0.0, max=2.0))
    bundle = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" in bundle
    first = w.png
    assert first.startswith(b"\x89PNG")
    w.children[0].value = 2.0
    assert w.png != first
    assert w.figure.outputs[0]["data"]["image/png"]
    assert plt.get_fignums() == open_before  # the explorer leaves nothing open for a backend to show twice
    with pytest.raises(ValueError, match="sliders"):
        widgets.figure_explorer(draw)


def test_handout_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("precious")
    with pytest.raises(FileExistsError, match="--force"):
        handout.build(tmp_path, only=["01"])
    assert (tmp_path / "keep.txt").read_text() == "precious"


def test_a_handout_page_loads_mathjax_from_the_site(tmp_path: Path) -> None:
    """Offline equations: the page loads the site's own MathJax by a relative URL, and nothing from
    a CDN (the browser tier checks that it typesets)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("$$W_{ij} = \\cos(\\theta_i - \\theta_j)$$")]
    mathjax = handout.copy_mathjax(tmp_path)
    assert (tmp_path / handout.MATHJAX_FOLDER / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()
    assert (tmp_path / handout.MATHJAX_FOLDER / "extensions" / "Safe.js").is_file()
    (tmp_path / "instructor").mkdir()
    page = handout.write_page(handout.Executed(tmp_path / "x.ipynb", nb, 0.0), tmp_path / "instructor" / "x.html",
                              mathjax).read_text()
    assert f'<script src="../_mathjax/MathJax.js?config={handout.MATHJAX_CONFIG}">' in page
    assert "cdnjs" not in page and not re.search(r'(?:src|href)="(?:https?:)?//', page), "nothing from a CDN"
    with pytest.raises(FileNotFoundError, match="copy_mathjax"):
        handout.write_page(handout.Executed(tmp_path / "x.ipynb", nb, 0.0), tmp_path / "y.html", tmp_path / "none.js")


def _tiny_notebook(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nx = 6 * 7\nprint(x)"),
                nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nax.plot([0, 1], [1, 0])")]
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    return path


def test_handout_execute_runs_a_notebook_with_the_inline_backend(tmp_path):
    """The runner of the handout (and of a browser test run without its notebook tier): a fresh
    kernel, the default inline backend, one PNG per drawing cell, per-cell seconds."""
    ex = handout.execute(_tiny_notebook(tmp_path))
    assert ex.images() == 1 and count_images(ex.nb) == 1
    assert ex.nb.cells[0].outputs[0]["text"] == "42\n"
    assert len(ex.cell_seconds) == 2 and all(0 <= s < CELL_TIMEOUT_S for s in ex.cell_seconds)


def _recorded(nb, outputs_by_cell: dict[int, list], seconds: float = 1.0) -> dict:
    return {n: (outs, seconds) for n, outs in outputs_by_cell.items()}


PNG = {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "<Figure>"}, "metadata": {}}


def _two_cell_nb() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("fig = plotting.thing(x)")]
    return nb


def test_a_whole_run_is_checked_for_figures_errors_and_cells_that_did_not_run():
    """The whole-notebook item of the source run fails for each way a run can be broken."""
    nb = _two_cell_nb()
    good = executed_copy(nb, _recorded(nb, {0: [], 1: [PNG]}))
    assert count_images(good) == 1 and good.cells[1].execution_count == 2
    assert run_problems(good, _recorded(nb, {0: [], 1: [PNG]}), "not_pinned") == []
    no_figure = _recorded(nb, {0: [], 1: [{"output_type": "stream", "name": "stdout", "text": "hi"}]})
    assert any("draw but left no image/png" in p
               for p in run_problems(executed_copy(nb, no_figure), no_figure, "not_pinned"))
    error = _recorded(nb, {0: [{"output_type": "error", "ename": "ValueError", "evalue": "x", "traceback": []}],
                           1: [PNG]})
    assert any("error outputs" in p for p in run_problems(executed_copy(nb, error), error, "not_pinned"))
    missing = _recorded(nb, {0: []})
    assert any("did not run" in p for p in run_problems(executed_copy(nb, missing), missing, "not_pinned"))
    slow = _recorded(nb, {0: [], 1: [PNG]}, seconds=CELL_TIMEOUT_S + 1)
    assert any("slower than" in p for p in run_problems(executed_copy(nb, slow), slow, "not_pinned"))
    ok = _recorded(nb, {0: [], 1: [PNG]})
    assert any("pinned" in p for p in run_problems(executed_copy(nb, ok), ok, "01_rnn_basics"))
    assert DRAWS.search("fig = plotting.x()") and not DRAWS.search("x = fig")
