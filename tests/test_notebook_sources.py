"""The committed notebooks are exactly what their sources in notebooks/src build."""
from __future__ import annotations

import ast
import re

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


#: logic lines a cell a student reads may hold: it orchestrates, the helpers do the work
MAX_CELL_LOGIC_LINES = 15


def _logic_lines(source: str) -> int:
    return sum(1 for line in source.splitlines() if line.strip() and not line.strip().startswith("#"))


@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_cells_orchestrate(src):
    """No code cell outside an exercise holds more than a few lines of logic."""
    nb = parse_source(src.read_text(encoding="utf-8"), str(src))
    long = [f"cell {i} ({_logic_lines(c.source)} lines): {c.source.splitlines()[0][:60]}"
            for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and not c.metadata.get("nbgrader", {}).get("solution")
            and _logic_lines(c.source) > MAX_CELL_LOGIC_LINES]
    assert not long, f"move the logic of these cells into helpers: {long}"


@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_one_convention_for_headings_exercises_fallbacks_and_figures(src):
    """Every notebook is written the same way, so a student who knows one can read them all.

    - sections ``## N · Title`` numbered 1, 2, ... then ``## Take-home messages``;
    - exercises ``### Exercise N · title`` numbered 1, 2, ... through the notebook;
    - a checked student function is used as ``my_NAME = fallback(NAME, reference, check=...)``,
      with ``from helpers.checks import fallback``;
    - figures come from ``helpers.plotting`` (``fig = plotting.name(...)``), shown by the
      inline backend: no ``pyplot`` import, no ``plt.show()``.
    """
    text = src.read_text(encoding="utf-8")
    nb = parse_source(text, str(src))
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    sections = re.findall(r"^## (.*)$", markdown, flags=re.M)
    assert sections[-1] == "Take-home messages", sections
    numbers = [re.match(r"(\d+) · \S", s) for s in sections[:-1]]
    assert all(numbers), f"sections must read '## N · Title': {sections}"
    assert [int(m.group(1)) for m in numbers] == list(range(1, len(numbers) + 1)), sections
    exercises = re.findall(r"^### Exercise (.*)$", markdown, flags=re.M)
    numbered = [re.match(r"(\d+) · \S", e) for e in exercises]
    assert exercises and all(numbered), f"exercises must read '### Exercise N · title': {exercises}"
    assert [int(m.group(1)) for m in numbered] == list(range(1, len(numbered) + 1)), exercises
    assert "from helpers.checks import fallback" in code
    for call in re.findall(r"^(.*)\bfallback\((\w+),", code, flags=re.M):
        assert call[0] == f"my_{call[1]} = ", f"use `my_{call[1]} = fallback({call[1]}, ...)`, got {call[0]!r}"
    assert "checks.fallback" not in code
    assert "matplotlib.pyplot" not in code and "plt.show()" not in code


def _assigned(node: ast.stmt) -> set[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
        node, ast.AnnAssign | ast.AugAssign) else []
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_the_setup_cell_is_the_parameters_cell(src):
    """papermill injects ``-p NAME VALUE`` in a cell right after the one tagged ``parameters``: that
    is the setup cell (the first code cell), which sets ``FULL`` from the environment and computes
    nothing from the names it assigns, so everything derived from a parameter (sizes, budgets,
    what is printed) comes in later cells and sees an injected value."""
    nb = parse_source(src.read_text(encoding="utf-8"), str(src))
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", [])]
    assert tagged == [0], f"the first code cell, and only it, is tagged parameters (tagged: {tagged})"
    setup = code[0].source
    assert 'FULL = os.environ.get("FULL", "0") == "1"' in setup
    assigned: set[str] = set()
    for stmt in ast.parse(setup).body:
        read = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        assert not read & assigned, (f"the parameters cell computes from {sorted(read & assigned)} "
                                     f"(line {stmt.lineno}): move that to the next cell")
        assigned |= _assigned(stmt)
