"""Every notebook as the standard headless tools run it: nbclient (nbconvert, papermill,
jupyter-book and nbgrader all use it), a fresh kernel, the default inline matplotlib backend.

Nothing is forced here: no backend, no environment variable. A cell that takes longer than
``CELL_TIMEOUT_S`` fails the test (nbclient's own default is to wait forever), every cell that
draws a figure must leave an ``image/png`` output, and the number of figures per notebook is
pinned so that a figure that silently stops rendering is noticed.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools import handout

ROOT = Path(__file__).resolve().parents[1]

#: Seconds any one cell may take before it counts as hung (the slowest default-mode cell, the
#: live training of notebook 04, takes about a minute on a loaded 2-core machine).
CELL_TIMEOUT_S = 240

#: ``image/png`` outputs of each executed source notebook.
FIGURES = {
    "01_rnn_basics": 6,
    "02_bptt": 5,
    "03_ring_attractors": 10,
    "04_grid_cell_rnn": 10,
    "05_mexican_hat": 5,
    "06_hmax": 6,
    "07_v4_vs_it_decoding": 5,
    "08_task_driven_ventral_stream": 4,
}

#: A code cell that draws: it makes a figure (``fig = ...``), shows one, or builds an explorer.
DRAWS = re.compile(r"plt\.show\(\)|widgets\.\w+_explorer\(|^\s*fig\w*\s*=", re.MULTILINE)


def figure_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and DRAWS.search(c.source)]


@pytest.mark.notebook
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_notebook_runs_headless_with_its_figures(name: str) -> None:
    ex = handout.execute(ROOT / "notebooks" / f"{name}.ipynb", timeout=CELL_TIMEOUT_S)
    errors = [o for c in ex.nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{name}: error outputs {[e.ename for e in errors]}"
    for cell in figure_cells(ex.nb):
        kinds = [o.get("data", {}).keys() for o in cell.outputs]
        assert any("image/png" in k for k in kinds), (
            f"{name}: this cell draws but left no image/png output:\n{cell.source[:300]}"
        )
    assert ex.images() == FIGURES[name], f"{name}: {ex.images()} figures, pinned {FIGURES[name]}"


def test_figure_cells_are_recognised() -> None:
    """The pattern that finds drawing cells finds them in every notebook (it can fail)."""
    import nbformat

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
