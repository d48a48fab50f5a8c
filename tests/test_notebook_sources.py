"""The committed notebooks are exactly what their sources in notebooks/src build."""
from __future__ import annotations

import nbformat
import pytest

from course.build import parse_source

from .conftest import NOTEBOOKS

SOURCES = sorted((NOTEBOOKS / "src").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_notebook_matches_source(src):
    built = nbformat.writes(parse_source(src.read_text(encoding="utf-8"), str(src))) + "\n"
    dest = NOTEBOOKS / (src.stem + ".ipynb")
    assert dest.exists(), f"{dest.name} missing: run `python -m course build`"
    assert dest.read_text(encoding="utf-8") == built, (
        f"{dest.name} differs from {src.name}: run `python -m course build` and commit both"
    )


@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_notebook_skeleton(src):
    """Every notebook has objectives, a FULL switch, exercises with tests, Think! and take-homes."""
    nb = parse_source(src.read_text(encoding="utf-8"), str(src))
    text = "\n".join(c.source for c in nb.cells)
    kinds = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    assert "Learning objectives" in text
    assert "FULL" in text
    assert "Take-home" in text
    assert any(k.get("solution") and not k.get("grade") for k in kinds), "no exercise"
    assert any(k.get("grade") and not k.get("solution") for k in kinds), "no graded test cell"
    assert any(k.get("grade") and k.get("solution") for k in kinds), "no Think! answer cell"
    assert not any(
        c.cell_type == "code" and c.outputs for c in nb.cells
    ), "source notebooks are committed without outputs"


def test_parse_rejects_bad_marker():
    with pytest.raises(ValueError, match="unknown cell kind"):
        parse_source("# %% [weird] id=x\npass\n")
    with pytest.raises(ValueError, match="needs id"):
        parse_source("# %% [tests] points=1\npass\n")
    with pytest.raises(ValueError, match="duplicate id"):
        parse_source("# %% [solution] id=a\npass\n# %% [solution] id=a\npass\n")
