"""The shape of ``helpers``: small single-purpose modules, no import cycles, no upward imports."""
from __future__ import annotations

import ast

import pytest

from tools.import_graph import PACKAGE, ROOT, UPPER, cycles, graph, imports, line_counts, module_name

#: a reader's budget for one module ("about 600 lines")
MAX_LINES = 620


def test_import_graph_has_no_cycles():
    assert cycles(graph()) == []


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]


@pytest.mark.parametrize("name", sorted(line_counts()))
def test_module_fits_a_readers_budget(name):
    assert line_counts()[name] <= MAX_LINES, (
        f"{name} has {line_counts()[name]} lines (budget {MAX_LINES}): split it along its seams")


def test_models_never_import_plotting_checks_or_widgets():
    offenders = []
    for name, deps in graph().items():
        if name.startswith(UPPER) or name == "helpers":
            continue
        offenders += [f"{name} imports {d}" for d in deps if d.startswith(UPPER)]
    assert not offenders, offenders


def test_checks_and_widgets_stay_off_plotting_internals_and_each_other():
    g = graph()
    assert not any(d.startswith("helpers.checks") for d in g if d.startswith("helpers.plotting")
                   for d in g[d]), "plotting must not import checks"


def test_helpers_imports_at_module_top():
    """A module's real dependencies show at its top: no import inside a function."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    if isinstance(node, (ast.Import, ast.ImportFrom)):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} in {fn.name}()")
    assert not offenders, offenders


def test_graph_reads_relative_and_absolute_imports(tmp_path):
    pkg = ROOT / "helpers" / "plotting" / "ring.py"
    assert module_name(pkg) == "helpers.plotting.ring"
    assert "helpers.plotting.common" in imports(pkg) or "helpers.plotting" in imports(pkg)
