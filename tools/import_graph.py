#!/usr/bin/env python3
"""Print the import graph of the ``helpers`` package, with each module's size.

    python tools/import_graph.py            # one line per module: lines, and what it imports
    python tools/import_graph.py --dot      # the same as a Graphviz digraph

The layers, from the bottom up: ``validation``/``paths``/``torch_setup`` (infrastructure), the
models and analyses, then ``plotting``, ``checks`` and ``widgets``, which may import models but
are never imported by them. ``tests/test_architecture.py`` checks the same rules.
"""
from __future__ import annotations

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "helpers"
#: sub-packages that sit above the models: a model module must not import them
UPPER = ("helpers.plotting", "helpers.checks", "helpers.widgets")


def module_name(path: Path) -> str:
    """``helpers/plotting/ring.py`` -> ``helpers.plotting.ring`` (``__init__`` -> the package)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if node.level == 0:
        base = node.module or ""
    else:
        anchor = module.split(".")
        anchor = anchor if is_package else anchor[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join(anchor + ([node.module] if node.module else []))
    # "from helpers import ring" imports the module helpers.ring
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def imports(path: Path) -> set[str]:
    """The ``helpers`` modules that ``path`` imports (anywhere in the file)."""
    module = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.update(_resolve(node, module, path.name == "__init__.py"))
    return {name for name in found if name == "helpers" or name.startswith("helpers.")}


def graph() -> dict[str, set[str]]:
    """Module -> the helpers modules it imports (only names that are modules of the package)."""
    paths = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    # "from . import ring" also names the package itself; only the modules it brings count
    return {name: {m for m in imports(path) if m in paths and m not in (name, "helpers")}
            for name, path in paths.items()}


def line_counts() -> dict[str, int]:
    return {module_name(p): len(p.read_text(encoding="utf-8").splitlines()) for p in sorted(PACKAGE.rglob("*.py"))}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle found by depth-first search (empty when the graph is acyclic)."""
    found, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(g.get(node, ())):
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(g):
        if node not in state:
            visit(node, [node])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dot", action="store_true", help="print a Graphviz digraph")
    args = parser.parse_args()
    g, sizes = graph(), line_counts()
    if args.dot:
        print("digraph helpers {")
        for name in sorted(g):
            for dep in sorted(g[name]):
                print(f'  "{name}" -> "{dep}";')
        print("}")
        return
    for name in sorted(g):
        deps = ", ".join(d.removeprefix("helpers.") for d in sorted(g[name])) or "-"
        print(f"{sizes[name]:5d}  {name:34s} <- {deps}")
    print(f"{len(g)} modules, largest {max(sizes.values())} lines, cycles: {cycles(g) or 'none'}")


if __name__ == "__main__":
    main()
