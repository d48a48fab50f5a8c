"""The committed notebooks are exactly what their sources in notebooks/src build."""
from __future__ import annotations

import nbformat
import pytest

from course.build import CELL_METADATA_FILTER, parse_source, to_source

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


SOLUTION = ('# %% nbgrader={"grade": false, "grade_id": "a", "locked": false, "schema_version": 3, "solution": true}'
            "\npass\n")


def test_parse_rejects_bad_nbgrader_metadata():
    with pytest.raises(ValueError, match="needs a grade_id"):
        parse_source('# %% nbgrader={"grade": true, "points": 1}\npass\n')
    with pytest.raises(ValueError, match="duplicate grade_id 'a'"):
        parse_source(SOLUTION + "\n" + SOLUTION)
    with pytest.raises(ValueError, match="needs integer points"):
        parse_source('# %% nbgrader={"grade": true, "grade_id": "t", "solution": false}\npass\n')
    with pytest.raises(ValueError, match=r"unknown nbgrader key\(s\) \['grade_ids'\]"):
        parse_source('# %% nbgrader={"grade_ids": "t"}\npass\n')


def test_source_round_trip_is_exact():
    """to_source and parse_source are inverses: a source re-written from its notebook is unchanged."""
    for src in SOURCES:
        text = src.read_text(encoding="utf-8")
        assert to_source(parse_source(text, str(src))) == text, (
            f"{src.name} is not in canonical form: run `python -m course build`")


def test_jupytext_pairing_is_configured():
    """JupyterLab (jupytext's contents manager) pairs each notebook with its source in src/."""
    import jupytext.config
    from jupytext.paired_paths import paired_paths

    config = jupytext.config.find_jupytext_configuration_file(str(NOTEBOOKS))
    assert config and config.endswith("pyproject.toml")
    cfg = jupytext.config.load_jupytext_configuration_file(config)
    assert cfg.cell_metadata_filter == CELL_METADATA_FILTER
    for src in SOURCES:
        nb = str(NOTEBOOKS / (src.stem + ".ipynb"))
        pairs = [path for path, _ in paired_paths(nb, "ipynb", cfg.default_formats(nb))]
        assert pairs == [nb, str(src)]
