"""Flag submissions whose exercise function hands the work to the collection's own reference.

Every exercise has a reference implementation in ``helpers`` (the notebook's fall-back cell
uses it when the student's function is not finished). Calling it from the answer passes every
test; this module spots that statically, from the submission's source, without running it.

The map *exercise -> reference(s)* comes from the instructor notebook:

* fall-back lines ``checks.fallback(student_fn, module.reference_fn, ...)``;
* graded test cells: a statement that calls both the student's function and a ``helpers``
  function (``np.allclose(rnn_step(...), grid_rnn.rnn_step(...))``) names that function as
  a reference (the checks modules excepted);
* the exercise (solution) cells give the exercise function names.

A submission's exercise function is flagged when it, or any function of the notebook it
calls (followed through the notebook's own functions), refers to a reference:

* directly: ``rnn.rate_step(...)``, ``helpers.rnn.rate_step(...)``;
* through an alias: ``from helpers.rnn import rate_step as f``, ``f = rnn.rate_step``,
  ``import helpers.rnn as R``, a default argument ``step=rnn.rate_step``, or the same function
  reached through another module that imports it;
* through ``getattr(rnn, "rate_step")``, ``vars(rnn)["rate_step"]``,
  ``rnn.__dict__["rate_step"]`` or ``importlib.import_module("helpers.rnn")`` with a constant;
* by copying the reference's source: its body (docstring left out) has the same syntax tree
  as the reference's after renaming every local variable and argument in order of first use
  and writing every module-level name as its full dotted path. A body of fewer than
  :data:`MIN_COPY_NODES` syntax nodes is not compared (a short correct answer can coincide
  with a short reference).

Not caught: names built at run time (``getattr(rnn, "rate_" + "step")``, ``eval``, ``exec``,
``importlib`` with a computed string, ``sys.modules[...]`` lookups), calling a higher-level
``helpers`` function that uses the reference internally, and an edited copy (reordered
statements, dropped validation, a changed expression). A flag is a reason to look at the
answer, not a verdict.
"""
from __future__ import annotations

import ast
import copy
import functools
import importlib
import inspect
import textwrap
import threading
from dataclasses import dataclass

import nbformat

from .submission import _parse

__all__ = ["Flag", "MIN_COPY_NODES", "reference_map", "find_delegation"]

#: A reference body smaller than this (syntax nodes, without load/store markers) is never
#: compared for copying.
MIN_COPY_NODES = 30
_PACKAGE = "helpers"
#: The grader analyses submissions from several threads; the analysis imports the reference
#: modules (and fills caches) on first use, which must not happen twice at once (a concurrent
#: first import of the same extension modules raised SystemError in one grading run).
_LOCK = threading.RLock()
_NOT_REFERENCES = ("helpers.checks",)


@dataclass(frozen=True)
class Flag:
    """One exercise of one submission that reaches its reference."""

    exercise: str
    reference: str
    how: str

    def __str__(self) -> str:
        return f"exercise '{self.exercise}' {self.how} {self.reference}"


# -- names -> dotted paths -----------------------------------------------------------------

def _bind_import(node: ast.AST, env: dict[str, str], package: str = "") -> None:
    if isinstance(node, ast.ImportFrom) and node.level and package:  # inside a helpers module
        base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
        module = f"{base}.{node.module}" if node.module else base
        for a in node.names:
            if a.name != "*":
                env[a.asname or a.name] = f"{module}.{a.name}"
    elif isinstance(node, ast.Import):
        for a in node.names:
            if a.asname:
                env[a.asname] = a.name
            else:
                top = a.name.split(".")[0]
                env[top] = top
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        for a in node.names:
            if a.name != "*":
                env[a.asname or a.name] = f"{node.module}.{a.name}"


def _const_str(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _resolve(node: ast.AST, env: dict[str, str]) -> str | None:
    """Dotted path an expression stands for (``rnn.rate_step`` -> ``helpers.rnn.rate_step``)."""
    if isinstance(node, ast.Name):
        return env.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, env)
        if base is not None and node.attr == "__dict__":
            return base + ".__dict__"
        return f"{base}.{node.attr}" if base is not None else None
    if isinstance(node, ast.Call):
        fn = node.func
        if isinstance(fn, ast.Name) and fn.id == "getattr" and len(node.args) >= 2:
            base, attr = _resolve(node.args[0], env), _const_str(node.args[1])
            return f"{base}.{attr}" if base is not None and attr else None
        if isinstance(fn, ast.Name) and fn.id == "vars" and len(node.args) == 1:
            base = _resolve(node.args[0], env)
            return base + ".__dict__" if base is not None else None
        target = _resolve(fn, env)
        if target in ("importlib.import_module", "builtins.__import__") or (
                isinstance(fn, ast.Name) and fn.id == "__import__"):
            return _const_str(node.args[0]) if node.args else None
        return None
    if isinstance(node, ast.Subscript):
        base, key = _resolve(node.value, env), _const_str(node.slice)
        if base is not None and base.endswith(".__dict__") and key:
            return base.removesuffix(".__dict__") + "." + key
    return None


def _environment(trees: list[ast.AST], package: str = "") -> dict[str, str]:
    """Names bound to modules or their attributes anywhere in ``trees`` (flow-insensitive).

    ``package`` is the package of a module's source, for its relative imports.
    """
    env: dict[str, str] = {}
    for _ in range(3):  # aliases of aliases
        for tree in trees:
            for node in ast.walk(tree):
                _bind_import(node, env, package)
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    path = _resolve(node.value, env)
                    if path is not None:
                        env[node.targets[0].id] = path
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                    args = node.args
                    positional = args.posonlyargs + args.args
                    pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults, strict=True))
                    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None]
                    for arg, default in pairs:
                        path = _resolve(default, env)
                        if path is not None:
                            env[arg.arg] = path
    return env


@functools.cache
def _object(path: str):
    """The object a dotted path names (importing ``helpers`` modules), or None."""
    with _LOCK:
        return _import_object(path)


def _import_object(path: str):
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except Exception:  # noqa: BLE001 -- not a module (or not importable): try a shorter prefix
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return inspect.unwrap(obj) if callable(obj) else obj
    return None


def _same(path: str, reference: str) -> bool:
    if path == reference:
        return True
    if not path.startswith(_PACKAGE + "."):
        return False
    a, b = _object(path), _object(reference)
    return a is not None and a is b


# -- the instructor notebook: which reference belongs to which exercise --------------------

def _cells(nb: nbformat.NotebookNode):
    for cell in nb.cells:
        if cell.cell_type == "code":
            tree = _parse(cell.source)
            if tree is not None:
                yield cell, tree


def _simple_statements(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not hasattr(node, "body"):
            yield node


def reference_map(nb: nbformat.NotebookNode) -> dict[str, list[str]]:
    """``{exercise function: [dotted path of each reference]}`` from an instructor notebook."""
    trees = [tree for _, tree in _cells(nb)]
    env = _environment(trees)
    exercises = []
    for cell, tree in _cells(nb):
        if cell.metadata.get("nbgrader", {}).get("solution"):
            exercises += [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    refs: dict[str, list[str]] = {name: [] for name in exercises}

    def add(name: str, path: str | None) -> None:
        if name in refs and path and path.startswith(_PACKAGE + ".") and not path.startswith(_NOT_REFERENCES) \
                and path not in refs[name] and callable(_object(path)):
            refs[name].append(path)

    for cell, tree in _cells(nb):
        is_test = bool(cell.metadata.get("nbgrader", {}).get("grade"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _resolve(node.func, env) == "helpers.checks.fallback" \
                    and len(node.args) >= 2 and isinstance(node.args[0], ast.Name):
                add(node.args[0].id, _resolve(node.args[1], env))
        if not is_test:
            continue
        for stmt in _simple_statements(tree):
            calls = [n for n in ast.walk(stmt) if isinstance(n, ast.Call)]
            students = [c for c in calls if isinstance(c.func, ast.Name) and c.func.id in refs]
            for s in students:
                for c in calls:
                    # a reference is compared with the student's call, not wrapped around it
                    # (``relative_error(bptt_manual(...), autograd_gradients(...))``)
                    if c not in students and s not in ast.walk(c):
                        add(s.func.id, _resolve(c.func, env))
    return {k: v for k, v in refs.items() if v}


# -- copies of the reference's source ------------------------------------------------------

def _body(fn: ast.FunctionDef) -> list[ast.stmt]:
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return body


def _canonical(path: str) -> str:
    """``helpers.rnn.check_square`` -> ``helpers.validation.check_square`` (where it is defined)."""
    if path.startswith(_PACKAGE + "."):
        obj = _object(path)
        module, name = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        if isinstance(module, str) and isinstance(name, str) and module.startswith(_PACKAGE):
            return f"{module}.{name}"
    return path


class _Normalise(ast.NodeTransformer):
    """Locals renamed in order of first use; module-level names written as dotted paths."""

    def __init__(self, local: set[str], env: dict[str, str]) -> None:
        self.local, self.env, self.names = local, env, {}

    def _rename(self, name: str) -> str:
        return self.names.setdefault(name, f"_v{len(self.names)}")

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg, node.annotation = self._rename(node.arg), None
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.local:
            return ast.Name(id=self._rename(node.id), ctx=ast.Load())
        path = self.env.get(node.id)
        return ast.Name(id=_canonical(path) if path else node.id, ctx=ast.Load())

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        path = _resolve(node, self.env)
        if path is not None and not (isinstance(node.value, ast.Name) and node.value.id in self.local):
            return ast.Name(id=_canonical(path), ctx=ast.Load())
        self.generic_visit(node)
        node.ctx = ast.Load()
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        node.ctx = ast.Load()
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = self._rename(node.name)
        node.returns = None
        self.generic_visit(node)
        return node


def _locals(fn: ast.FunctionDef) -> set[str]:
    names = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
    for node in ast.walk(ast.Module(body=_body(fn), type_ignores=[])):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def _shape(fn: ast.FunctionDef, env: dict[str, str]) -> tuple[str, int]:
    """Normalised dump of a function's arguments and body, and the body's size in nodes."""
    norm = _Normalise(_locals(fn), env)
    args = copy.deepcopy(fn.args)
    args.defaults, args.kw_defaults = [], []
    args = norm.visit(args)
    body = [norm.visit(copy.deepcopy(s)) for s in _body(fn)]
    module = ast.Module(body=body, type_ignores=[])
    size = sum(1 for n in ast.walk(module) if not isinstance(n, ast.expr_context))
    return ast.dump(args) + ast.dump(module), size


@functools.cache
def _reference_shape(path: str) -> tuple[str, int] | None:
    obj = _object(path)
    try:
        source = textwrap.dedent(inspect.getsource(obj))
        module = inspect.getmodule(obj)
        module_source = inspect.getsource(module)
    except (TypeError, OSError):
        return None
    tree = ast.parse(source)
    fn = tree.body[0] if tree.body and isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)) else None
    if fn is None:
        return None
    mod_tree = ast.parse(module_source)
    env = _environment([mod_tree], module.__name__.rpartition(".")[0] or module.__name__)
    for node in mod_tree.body:  # the module's own functions and constants
        for name in _defined(node):
            env.setdefault(name, f"{module.__name__}.{name}")
    return _shape(fn, env)


def _defined(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [t.id for t in targets if isinstance(t, ast.Name)]
    return []


# -- a submission -------------------------------------------------------------------------

def find_delegation(nb: nbformat.NotebookNode, references: dict[str, list[str]]) -> list[Flag]:
    """Exercises of a submission whose function reaches its reference (see the module's doc).

    Parameters
    ----------
    nb : NotebookNode
        The submission (any code cell may define or import what the exercise uses).
    references : dict
        :func:`reference_map` of the instructor notebook.
    """
    with _LOCK:  # one analysis at a time: see _LOCK
        return _find_delegation(nb, references)


def _find_delegation(nb: nbformat.NotebookNode, references: dict[str, list[str]]) -> list[Flag]:
    trees = [tree for _, tree in _cells(nb)]
    env = _environment(trees)
    functions: dict[str, ast.FunctionDef] = {}
    for tree in trees:
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.setdefault(node.name, node)  # the first definition: that is what the grader checks
    for cell, tree in _cells(nb):  # ... unless an exercise cell redefines it
        if cell.metadata.get("nbgrader", {}).get("solution"):
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    functions[node.name] = node
    flags = []
    for exercise, refs in references.items():
        fn = functions.get(exercise)
        if fn is None:
            continue
        flag = _reaches(fn, exercise, refs, functions, env)
        if flag is not None:
            flags.append(flag)
    return flags


def _reaches(fn, exercise: str, refs: list[str], functions: dict, env: dict[str, str]) -> Flag | None:
    seen, todo = set(), [fn]
    while todo:
        f = todo.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        local = _locals(f)
        for node in ast.walk(f):
            if not isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)):
                continue
            if isinstance(node, ast.Name) and node.id in local:
                continue
            path = _resolve(node, env)
            if path is not None:
                for ref in refs:
                    if _same(path, ref):
                        how = "calls" if f is fn else f"calls (through its function '{f.name}')"
                        return Flag(exercise, ref, how)
            if isinstance(node, ast.Name) and node.id in functions and functions[node.id] is not f:
                todo.append(functions[node.id])
    mine = _shape(fn, env)
    for ref in refs:
        theirs = _reference_shape(ref)
        if theirs is not None and theirs[1] >= MIN_COPY_NODES and mine[0] == theirs[0]:
            return Flag(exercise, ref, "is a copy of the source of")
    return None
