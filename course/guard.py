"""The guard of the grading kernel: what keeps a submission from tampering with its tests.

Used by :mod:`course.sandbox` inside the kernel. The state hidden tests rely on is
snapshotted (functions and classes of numpy, torch, helpers, builtins, the IPython/ipykernel
plumbing; the names the source notebook imports). Before each graded test cell the kernel
restores that state, rebinds the notebook's imported names, and wraps the student's solution
functions so that, inside a test cell, they receive copies of array arguments, return plain
numpy/torch values (no subclass overriding comparisons), and any tampering during the call is
detected. A test cell during which library state or the test's own variables change scores 0.
An audit hook refuses ``sys.settrace``/``setprofile``, garbage-collector walks, raw memory
access through ctypes, and rewriting the code of library functions or classes.

Pure-Python isolation inside one process cannot be perfect: code written specifically
against this guard's internals could still defeat it. What it stops is the obvious:
monkey-patching comparison and check functions, rebinding names, hooking IPython, lying
return values, patching at call time.
"""
from __future__ import annotations

import builtins
import ctypes
import functools
import gc
import importlib
import os
import sys
import threading
import time
import types
from typing import Any

__all__ = ["TEST_MARK", "REPORT_PREFIX", "Guard", "audit_hook", "report", "resolve"]

#: Line the grader appends to a graded test cell's code; the kernel strips it and guards.
TEST_MARK = "\n# <graded test cell: guarded by the grading kernel>"
#: Prefix of the lines the kernel writes to the grader's log (its original stderr).
REPORT_PREFIX = "[grading-guard] "

#: Modules whose functions hidden tests and checks rely on: comparison and assertion
#: helpers, the collection's references and checks, builtins. Their functions are put back
#: before every graded test cell and after every call of a student function inside one.
GUARDED_MODULES = (
    "builtins", "math", "operator",
    "numpy", "numpy.testing", "numpy.testing._private.utils", "numpy.linalg", "numpy.random",
    "numpy._core.numeric", "numpy._core.fromnumeric", "numpy.core.numeric", "numpy.core.fromnumeric",
    "torch", "torch.testing", "torch.testing._comparison", "torch.nn.functional", "torch.linalg",
    "torch.functional",
)
#: Packages whose every module is guarded (the collection's own code and this tooling).
GUARDED_PACKAGES = ("helpers", "course")

_BLOCKED_EVENTS = {
    "sys.settrace", "sys.setprofile", "gc.get_objects", "gc.get_referrers", "gc.get_referents",
    "ctypes.dlopen", "ctypes.dlsym", "ctypes.addressof", "ctypes.string_at", "ctypes.wstring_at",
    "ctypes.cdata", "ctypes.cdata/buffer",
}
_MISSING = object()
#: Builtins IPython and ipykernel themselves swap in and out around every cell.
_IPYTHON_BUILTINS = {"exit", "quit", "get_ipython", "display", "_", "__", "___", "dreload", "help",
                     "input", "raw_input"}
#: Folders holding library code; code from anywhere else (notebook cells, ``<string>``)
#: is the student's.
_LIBRARY_ROOTS: tuple[str, ...] = ()


def report(fd: int | None, text: str) -> None:
    if fd is None:
        return
    try:
        os.write(fd, (REPORT_PREFIX + text.replace("\n", " ") + "\n").encode("utf-8", "replace"))
    except OSError:
        pass


def _guarded_module(name: str | None) -> bool:
    return bool(name) and (name in GUARDED_MODULES or name.split(".")[0] in GUARDED_PACKAGES)


def _code_like(value: Any) -> bool:
    return callable(value) or isinstance(value, (types.ModuleType, property, classmethod, staticmethod))


def _library_roots() -> tuple[str, ...]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    helpers = sys.modules.get("helpers")
    if helpers is not None and getattr(helpers, "__file__", None):
        roots.add(os.path.dirname(helpers.__file__))
    roots.add(os.path.dirname(os.path.abspath(__file__)))  # this package (the grading tooling)
    out = set()
    for r in roots:
        out.add(os.path.join(r, ""))
        out.add(os.path.join(os.path.realpath(r), ""))
    return tuple(sorted(out))


def _student_file(filename: str) -> bool:
    if filename.startswith("<frozen"):
        return False
    return not filename.startswith(_LIBRARY_ROOTS)


def _is_student_code(obj: Any, depth: int = 0) -> bool:
    """True when ``obj`` is a function, method, class or callable object written in a cell."""
    if depth > 4:
        return False
    if isinstance(obj, functools.partial):
        return _is_student_code(obj.func, depth + 1)
    f = getattr(obj, "__func__", obj)
    code = getattr(f, "__code__", None)
    if isinstance(code, types.CodeType):
        return _student_file(code.co_filename)
    if isinstance(obj, type):
        if obj.__module__ == "__main__":
            return True
        mod = sys.modules.get(obj.__module__)
        return mod is None or _student_file(getattr(mod, "__file__", None) or "<frozen>")
    t = type(obj)
    if t.__module__ == "__main__":
        return True
    if not isinstance(obj, (types.BuiltinFunctionType, types.ModuleType)):
        call = getattr(t, "__call__", None)  # noqa: B004 -- the method itself, not callable()
        call_code = getattr(call, "__code__", None)
        if isinstance(call_code, types.CodeType):
            return _student_file(call_code.co_filename)
    return False


def _guarded_classes(shell: Any, kernel: Any) -> list[type]:
    roots: list[Any] = [shell, kernel, sys.stdout, sys.stderr]
    for a in ("display_pub", "displayhook", "InteractiveTB", "SyntaxTB", "compile", "input_transformer_manager",
              "events", "builtin_trap", "display_trap"):
        roots.append(getattr(shell, a, None))
    for a in ("session", "iopub_thread", "iopub_socket"):
        roots.append(getattr(kernel, a, None))
    classes: dict[int, type] = {}
    for obj in roots:
        if obj is not None:
            for cls in type(obj).__mro__:
                classes[id(cls)] = cls
    torch = sys.modules.get("torch")
    if torch is not None:
        for cls in (torch.Tensor, torch.nn.Module, torch.nn.Parameter):
            classes[id(cls)] = cls
    for name, mod in list(sys.modules.items()):
        if mod is not None and name.split(".")[0] in GUARDED_PACKAGES:
            for v in list(getattr(mod, "__dict__", {}).values()):
                if isinstance(v, type) and v.__module__ == name:
                    classes[id(v)] = v
    return [c for c in classes.values() if c is not object and not c.__flags__ & (1 << 8)]


def _from_library(cb: Any) -> bool:
    """An IPython event callback registered by a library (matplotlib's inline backend ...)."""
    return not _is_student_code(cb) and isinstance(cb, (types.FunctionType, types.MethodType))


class Guard:
    """Snapshot of the state hidden tests rely on, and its restoration.

    Everything changed since the snapshot is put back before each graded test cell (and the
    guarded module functions after each student call inside one). A change counts as
    tampering -- reported, and fatal to the test cell it happens in -- only when it is the
    student's doing: a guarded function replaced by code written in the notebook, IPython's
    hooks changed, or the test cell's own variables rebound or modified in place. Libraries
    that rewrap their own functions lazily (torch does) are restored, never blamed.

    Parameters
    ----------
    imports : list of (name, module, attribute or None)
        The names the source notebook binds by its import statements.
    solution_names : list of str
        Names defined by the exercise (solution) cells: the student's functions.
    report_fd : int or None
        File descriptor of the grader's log.
    """

    def __init__(self, imports: list, solution_names: list[str], report_fd: int | None) -> None:
        self.imports = [tuple(i) for i in imports]
        self.solution_names = list(solution_names)
        self.report_fd = report_fd
        self.ready = False
        self.in_test: str | None = None
        self.tampered: list[str] = []
        self._wrapped: set[int] = set()
        self._cell_ns: dict[str, Any] = {}
        self.restoring = False
        self.guarded_ids: set[int] = set()

    # -- snapshot -----------------------------------------------------------------------
    def snapshot(self, shell: Any, kernel: Any) -> None:
        """Record the pristine state; called once, before the first cell runs."""
        global _LIBRARY_ROOTS
        _LIBRARY_ROOTS = _library_roots()
        self.shell, self.kernel = shell, kernel
        self.user_values: dict[str, Any] = {}
        for name, module, attr in self.imports:
            try:
                self.user_values[name] = resolve(module, attr)
            except Exception as err:  # noqa: BLE001 -- the notebook itself will report it
                report(self.report_fd, f"could not pre-import {module}: {err!r}")
        self.entries: list[tuple[str, dict, str, Any]] = []
        for name, mod in list(sys.modules.items()):
            if mod is None or not _guarded_module(name):
                continue
            d = getattr(mod, "__dict__", None)
            if not isinstance(d, dict):
                continue
            skip = _IPYTHON_BUILTINS if name == "builtins" else ()
            for k, v in list(d.items()):
                if _code_like(v) and k not in skip and not (k.startswith("__") and k.endswith("__")
                                                            and name != "builtins"):
                    self.entries.append((name, d, k, v))
        self.classes = [(cls, dict(cls.__dict__)) for cls in _guarded_classes(shell, kernel)]
        self.guarded_ids = {id(c) for c, _ in self.classes}
        self.guarded_functions = {id(v) for _, _, _, v in self.entries if isinstance(v, types.FunctionType)}
        self.sys_modules = {n: m for n, m in sys.modules.items() if _guarded_module(n)}
        self.sys_state = {
            "excepthook": sys.excepthook, "displayhook": sys.displayhook,
            "stdout": sys.stdout, "stderr": sys.stderr, "stdin": sys.stdin,
        }
        self.meta_path, self.path_hooks = list(sys.meta_path), list(sys.path_hooks)
        self.gc_callbacks = list(gc.callbacks)
        self.shell_attrs = {
            a: getattr(shell, a) for a in (
                "display_pub", "displayhook", "display_trap", "compile", "input_transformer_manager",
                "InteractiveTB", "SyntaxTB", "CustomTB", "custom_exceptions", "events",
                "user_ns", "user_global_ns", "builtin_trap",
            ) if hasattr(shell, a)
        }
        self.shell_lists = {
            a: (getattr(shell, a), list(getattr(shell, a)))
            for a in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")
            if isinstance(getattr(shell, a, None), list)
        }
        itm = shell.input_transformer_manager
        self.itm_lists = {
            a: (getattr(itm, a), list(getattr(itm, a)))
            for a in ("cleanup_transforms", "line_transforms", "token_transformers")
            if isinstance(getattr(itm, a, None), list)
        }
        self.shell_vars = dict(vars(shell))
        self.kernel_vars = dict(vars(kernel))
        self.handlers = {k: dict(v) for k, v in vars(kernel).items()
                         if k.endswith("_handlers") and isinstance(v, dict)}
        self.ready = True

    # -- restore ------------------------------------------------------------------------
    def restore(self, fast: bool = False) -> tuple[list[str], list[str]]:
        """Put the snapshot back.

        ``fast`` (after a student call inside a cell) checks the guarded module functions,
        ``sys.modules`` and the notebook's names only: the rest is swapped by IPython itself
        while a cell runs.

        Returns
        -------
        blamed : list of str
            Changes that are the student's doing.
        other : list of str
            Changes made by libraries (restored all the same).
        """
        self.restoring = True
        try:
            return self._restore(fast)
        finally:
            self.restoring = False

    def _restore(self, fast: bool) -> tuple[list[str], list[str]]:
        blamed: list[str] = []
        other: list[str] = []

        def note(what: str, new: Any) -> None:
            (blamed if new is _MISSING or _is_student_code(new) else other).append(what)

        for name, d, k, v in self.entries:
            cur = d.get(k, _MISSING)
            if cur is not v:
                d[k] = v
                note(f"{name}.{k}", cur)
        for n, m in self.sys_modules.items():
            if sys.modules.get(n) is not m:
                sys.modules[n] = m
                blamed.append(f"sys.modules[{n!r}]")
        ns = self.shell.user_ns
        if ns.get("__builtins__") is not builtins:
            ns["__builtins__"] = builtins
            blamed.append("__builtins__")
        for name, v in self.user_values.items():
            cur = ns.get(name, _MISSING)
            if cur is not _MISSING and cur is not v:  # absent: the notebook has not imported it yet
                ns[name] = v
                blamed.append(f"the notebook's name {name!r}")
        if not fast:
            for cls, snap in self.classes:
                cd = cls.__dict__
                if len(cd) == len(snap) and all(cd.get(k, _MISSING) is v for k, v in snap.items()):
                    continue
                for k, v in snap.items():
                    cur = cd.get(k, _MISSING)
                    if cur is not v:
                        try:
                            type.__setattr__(cls, k, v)
                            note(f"{cls.__qualname__}.{k}", cur)
                        except (TypeError, AttributeError):
                            pass
                for k in [k for k in cd if k not in snap]:
                    cur = cd[k]
                    try:
                        type.__delattr__(cls, k)
                        note(f"{cls.__qualname__}.{k} (added)", cur)
                    except (TypeError, AttributeError):
                        pass
            for a, v in self.sys_state.items():
                if getattr(sys, a) is not v:
                    setattr(sys, a, v)
                    blamed.append(f"sys.{a}")
            if sys.meta_path != self.meta_path:
                sys.meta_path[:] = self.meta_path
                blamed.append("sys.meta_path")
            if sys.path_hooks != self.path_hooks:
                sys.path_hooks[:] = self.path_hooks
                blamed.append("sys.path_hooks")
            if gc.callbacks != self.gc_callbacks:
                gc.callbacks[:] = self.gc_callbacks
                blamed.append("gc.callbacks")
            blamed += self._restore_shell()
        return blamed, other

    def _restore_shell(self) -> list[str]:
        changed = []
        shell, kernel = self.shell, self.kernel
        for a, v in self.shell_attrs.items():
            if getattr(shell, a, _MISSING) is not v:
                try:
                    setattr(shell, a, v)
                except Exception:  # noqa: BLE001
                    shell.__dict__[a] = v
                changed.append(f"shell.{a}")
        for table in (self.shell_lists, self.itm_lists):
            for a, (lst, snap) in table.items():
                if lst != snap:
                    lst[:] = snap
                    changed.append(a)
        owner = shell.input_transformer_manager
        for a, (lst, _) in self.itm_lists.items():
            if getattr(owner, a) is not lst:
                setattr(owner, a, lst)
                changed.append(a)
        for a, (lst, _) in self.shell_lists.items():
            if getattr(shell, a) is not lst:
                setattr(shell, a, lst)
                changed.append(a)
        for event, callbacks in shell.events.callbacks.items():
            bad = [cb for cb in callbacks if not _from_library(cb)]
            for cb in bad:
                callbacks.remove(cb)
                changed.append(f"a {event!r} event callback")
        for obj, snap in ((shell, self.shell_vars), (kernel, self.kernel_vars)):
            # instance attributes that shadow a method of the class: the way to hook one object
            d, cls = vars(obj), type(obj)
            for k in [k for k in d if k not in snap and callable(getattr(cls, k, None))]:
                del d[k]
                changed.append(f"{cls.__name__}.{k}")
            for k, v in snap.items():
                if hasattr(cls, k) and callable(v) and d.get(k, _MISSING) is not v:
                    d[k] = v
                    changed.append(f"{cls.__name__}.{k}")
        for k, snap in self.handlers.items():
            d = getattr(kernel, k)
            if d != snap:
                d.clear()
                d.update(snap)
                changed.append(f"kernel.{k}")
        if shell.custom_exceptions:
            shell.custom_exceptions = ()
            changed.append("custom exception handler")
        if sys.gettrace() is not None or sys.getprofile() is not None:
            changed.append("trace/profile function")
        sys.settrace(None)
        sys.setprofile(None)
        threading.settrace(None)  # type: ignore[arg-type]
        threading.setprofile(None)  # type: ignore[arg-type]
        return changed

    # -- threads ------------------------------------------------------------------------
    def _student_threads(self) -> list[int]:
        """Threads (other than this one) running code written in the notebook."""
        me = threading.get_ident()
        found = []
        for tid, frame in sys._current_frames().items():
            f = frame
            while tid != me and f is not None:
                if _student_file(f.f_code.co_filename):
                    found.append(tid)
                    break
                f = f.f_back
        return found

    def stop_threads(self) -> tuple[bool, bool]:
        """Stop background threads running notebook code: (were there any, are some left)."""
        self.restoring = True
        try:
            tids = self._student_threads()
            if not tids:
                return False, False
            set_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
            for _ in range(20):
                for tid in tids:
                    set_exc(ctypes.c_ulong(tid), ctypes.py_object(SystemExit))
                time.sleep(0.05)
                tids = self._student_threads()
                if not tids:
                    return True, False
            return True, True
        finally:
            self.restoring = False

    # -- test cells ---------------------------------------------------------------------
    def enter_test(self) -> None:
        """Called before a graded test cell runs."""
        had, left = self.stop_threads()
        blamed, _ = self.restore()
        if had:
            blamed.append("background threads running notebook code" + (" (could not be stopped)" if left else
                                                                          " (stopped)"))
        if blamed:
            report(self.report_fd, "restored before a graded test cell: " + ", ".join(sorted(set(blamed))[:12]))
        self._wrap_solutions()
        self.tampered = ["background threads running notebook code could not be stopped"] if left else []
        self._cell_ns = dict(self.shell.user_ns)
        self.in_test = "test"
        gc.disable()

    def exit_test(self) -> list[str]:
        """Called after a graded test cell ran; return what the student tampered with during it."""
        self.in_test = None
        gc.enable()
        had, _ = self.stop_threads()
        blamed, _ = self.restore()
        if had:
            blamed.append("a background thread running notebook code")
        tampered = self.tampered + blamed
        self.tampered = []
        return tampered

    def _wrap_solutions(self) -> None:
        ns = self.shell.user_ns
        for name in self.solution_names:
            fn = ns.get(name, _MISSING)
            if fn is _MISSING or not callable(fn) or isinstance(fn, type) or id(fn) in self._wrapped:
                continue
            wrapper = self._make_wrapper(fn, name)
            self._wrapped.add(id(wrapper))
            ns[name] = wrapper

    def _make_wrapper(self, fn: Any, name: str) -> Any:
        guard = self

        def guarded(*args: Any, **kwargs: Any) -> Any:
            if guard.in_test is None:
                return fn(*args, **kwargs)
            return guard.call_in_test(fn, name, args, kwargs)

        for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
            try:
                setattr(guarded, attr, getattr(fn, attr))
            except (AttributeError, TypeError):
                pass
        guarded.__wrapped__ = fn  # type: ignore[attr-defined]
        return guarded

    def call_in_test(self, fn: Any, name: str, args: tuple, kwargs: dict) -> Any:
        """Run a student function inside a test cell, then check nothing was tampered with."""
        ns = self.shell.user_ns
        fresh = {k: v for k, v in ns.items() if self._cell_ns.get(k, _MISSING) is not v}
        saved = {k: _copy_value(v) for k, v in fresh.items() if _is_array(v)}
        args = tuple(_copy_value(a) for a in args)
        kwargs = {k: _copy_value(v) for k, v in kwargs.items()}
        try:
            result = fn(*args, **kwargs)
        finally:
            changed, _ = self.restore(fast=True)
            for k, v in fresh.items():
                if ns.get(k, _MISSING) is not v:
                    ns[k] = v
                    changed.append(f"test variable {k!r}")
            for k, copy in saved.items():
                if not _same_array(fresh[k], copy):
                    changed.append(f"test variable {k!r} (modified in place)")
            if changed:
                self.tampered.append(f"during {name}(): " + ", ".join(sorted(set(changed))[:8]))
        return _plain(result)


def resolve(module: str, attr: str | None) -> Any:
    mod = importlib.import_module(module)
    if attr is None:
        return mod
    try:
        return getattr(mod, attr)
    except AttributeError:
        return importlib.import_module(f"{module}.{attr}")


def _is_array(x: Any) -> bool:
    np = sys.modules.get("numpy")
    torch = sys.modules.get("torch")
    return (np is not None and isinstance(x, np.ndarray)) or (torch is not None and isinstance(x, torch.Tensor))


def _copy_value(x: Any) -> Any:
    np = sys.modules.get("numpy")
    torch = sys.modules.get("torch")
    if np is not None and type(x) is np.ndarray:
        return x.copy()
    if torch is not None and type(x) is torch.Tensor and not x.requires_grad:
        return x.clone()
    return x


def _same_array(a: Any, b: Any) -> bool:
    np = sys.modules.get("numpy")
    torch = sys.modules.get("torch")
    try:
        if torch is not None and isinstance(a, torch.Tensor):
            return bool(torch.equal(a.detach(), b.detach())) or bool(
                torch.isnan(a).any() and torch.allclose(a, b, equal_nan=True, rtol=0, atol=0))
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    except Exception:  # noqa: BLE001
        return False


def _plain(x: Any, depth: int = 0) -> Any:
    """Turn a student's return value into plain numbers, arrays and containers."""
    if depth > 4:
        return x
    np = sys.modules.get("numpy")
    torch = sys.modules.get("torch")
    t = type(x)
    if x is None or t in (int, float, bool, complex, str, bytes):
        return x
    if np is not None and isinstance(x, np.ndarray):
        if t is not np.ndarray:
            x = np.ndarray.view(x, np.ndarray).copy()
        if x.dtype == object:
            try:
                x = np.array([_plain(e, depth + 1) for e in x.ravel().tolist()]).reshape(x.shape)
            except Exception:  # noqa: BLE001
                pass
        return x
    if torch is not None and isinstance(x, torch.Tensor):
        if t is torch.Tensor or t is torch.nn.Parameter:
            return x
        with torch._C.DisableTorchFunctionSubclass():
            return torch.Tensor.as_subclass(x, torch.Tensor)
    if isinstance(x, float):
        return float.__float__(x)
    if isinstance(x, bool):
        return bool(int.__int__(x))
    if isinstance(x, int):
        return int.__int__(x)
    if isinstance(x, str):
        return str.__str__(x)
    if t is tuple or t is list:
        return t(_plain(e, depth + 1) for e in x)
    if isinstance(x, tuple):
        items = [_plain(e, depth + 1) for e in x]
        if (getattr(t, "__module__", "") or "").split(".")[0] in ("numpy", "torch", "helpers"):
            return t(*items) if hasattr(t, "_fields") else t(items)
        return tuple(items)
    if t is dict:
        return {k: _plain(v, depth + 1) for k, v in x.items()}
    return x


def audit_hook(guard: Guard):
    def hook(event: str, args: tuple) -> None:
        if guard.restoring:
            return
        if event in _BLOCKED_EVENTS:
            raise PermissionError(f"{event} is not allowed while grading")
        if event in ("object.__setattr__", "object.__delattr__"):
            obj, name = args[0], args[1]
            if isinstance(obj, type):
                if id(obj) not in guard.guarded_ids:
                    return
            elif not (isinstance(obj, types.FunctionType) and id(obj) in guard.guarded_functions
                      and name in ("__code__", "__defaults__", "__kwdefaults__")):
                return
            caller = sys._getframe(1)
            if _student_file(caller.f_code.co_filename):
                raise PermissionError(f"changing {getattr(obj, '__qualname__', obj)}.{name} is not allowed "
                                      "while grading")
    return hook


