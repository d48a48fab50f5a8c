"""The grading kernel: an IPython kernel that runs a submission in a sandbox.

nbgrader starts this kernel (``python -m course.sandbox -f CONNECTION_FILE``) for
every submission it grades. The grader passes the settings in the environment variable
``COURSE_GRADING_SANDBOX`` (JSON, no secrets in it). Before any student code runs:

* **isolation** (as root): the kernel gets a private mount namespace in which ``/tmp`` and
  ``/dev/shm`` are fresh, small tmpfs, and the grader's work folder (gradebook, source
  notebooks), the submissions folder and every file of the repository that the kernel does
  not need (``notebooks/``, ``.git``, ``tests/`` ...) are covered by empty folders; it then
  drops to an unprivileged user id of its own. Hidden tests cannot be read from disk.
  Without root the kernel runs as the grader's user and the grader logs a warning.
* **limits**: address space, file size, processes, no core dumps.
* **guard**: the state hidden tests rely on is snapshotted (functions and classes of
  numpy, torch, helpers, builtins, the IPython/ipykernel plumbing; the names the source
  notebook imports). Before each graded test cell the kernel restores that state, rebinds
  the notebook's imported names, and wraps the student's solution functions so that, inside
  a test cell, they receive copies of array arguments, return plain numpy/torch values
  (no subclass overriding comparisons), and any tampering during the call is detected. A
  test cell during which library state or the test's own variables change scores 0. An
  audit hook refuses ``sys.settrace``/``setprofile``, garbage-collector walks, raw memory
  access through ctypes, and rewriting the code of library functions or classes.

Pure-Python isolation inside one process cannot be perfect: code written specifically
against this guard's internals could still defeat it. What it stops is the obvious:
monkey-patching comparison and check functions, rebinding names, hooking IPython, lying
return values, patching at call time, and reading the hidden tests from disk.
"""
from __future__ import annotations

import builtins
import ctypes
import functools
import gc
import importlib
import json
import linecache
import os
import resource
import signal
import socket
import sys
import tempfile
import threading
import time
import types
import warnings
from pathlib import Path
from typing import Any

__all__ = ["ENV_VAR", "TEST_MARK", "REPORT_PREFIX", "main"]

#: Environment variable carrying the sandbox settings (JSON) from the grader to the kernel.
ENV_VAR = "COURSE_GRADING_SANDBOX"
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


def _report(fd: int | None, text: str) -> None:
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
                self.user_values[name] = _resolve(module, attr)
            except Exception as err:  # noqa: BLE001 -- the notebook itself will report it
                _report(self.report_fd, f"could not pre-import {module}: {err!r}")
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
            _report(self.report_fd, "restored before a graded test cell: " + ", ".join(sorted(set(blamed))[:12]))
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


def _resolve(module: str, attr: str | None) -> Any:
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


def _audit_hook(guard: Guard):
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


# ---------------------------------------------------------------------------------------
# process set-up (runs as root when isolation is possible)
# ---------------------------------------------------------------------------------------
_CLONE_NEWNS = 0x00020000
_MS_BIND, _MS_REC, _MS_PRIVATE, _MS_RDONLY, _MS_NOSUID, _MS_NODEV = 4096, 16384, 1 << 18, 1, 2, 4
_MS_MOVE = 8192


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _mount(libc: ctypes.CDLL, source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    rc = libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                    data.encode() if data else None)
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def _unreachable_ancestor(path: Path) -> Path | None:
    """Highest ancestor of ``path`` that other users cannot enter (no ``o+x``), if any."""
    for anc in reversed(path.parents):
        if anc == Path("/"):
            continue
        try:
            if not os.stat(anc).st_mode & 0o001:
                return anc
        except OSError:
            return None
    return None


def _private_tmp(libc: ctypes.CDLL, cfg: dict) -> None:
    """Mount a fresh tmpfs on /tmp, keeping visible what the kernel needs that lives below /tmp.

    The collection (its ``helpers`` package and ``.venv``) may itself be checked out below /tmp
    (a CI clone, say). The new tmpfs is first mounted on a staging folder, those folders are
    bind-mounted into it at their own paths, and the whole is then moved onto /tmp.
    """
    opts = f"size={cfg.get('tmp_mb', 512)}m,mode=1777"
    repo = Path(__file__).resolve().parents[1]
    needed = sorted({p for p in (repo, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve())
                     if Path("/tmp") in p.parents})
    if not needed:
        _mount(libc, "tmpfs", "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, opts)
        return
    stage = next((d for d in ("/mnt", "/media", "/opt", "/srv") if os.path.isdir(d)), None)
    if stage is None:
        raise OSError(2, "no folder to stage the private /tmp on")
    _mount(libc, "tmpfs", stage, "tmpfs", _MS_NOSUID | _MS_NODEV, opts)
    for p in needed:
        target = Path(stage) / p.relative_to("/tmp")
        if any(q in p.parents for q in needed):
            continue  # already inside a folder bound below
        target.mkdir(parents=True, exist_ok=True)
        _mount(libc, str(p), str(target), None, _MS_BIND | _MS_REC, None)
    os.chmod(stage, 0o1777)
    _mount(libc, stage, "/tmp", None, _MS_MOVE, None)


def _isolate(cfg: dict) -> Path:
    """New mount namespace with private /tmp; returns the kernel's base folder.

    When Python itself lives below a folder other users cannot enter (``/root/.pyenv``),
    that folder is replaced by an empty one holding only the Python installation.
    """
    libc = _libc()
    if libc.unshare(_CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS) failed")
    _mount(libc, "none", "/", None, _MS_REC | _MS_PRIVATE, None)
    _private_tmp(libc, cfg)
    if os.path.isdir("/dev/shm"):
        _mount(libc, "tmpfs", "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, "size=64m,mode=1777")
    pythons = sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()})
    blocked: dict[Path, list[Path]] = {}
    for p in pythons:
        anc = _unreachable_ancestor(p)
        if anc is not None:
            blocked.setdefault(anc, []).append(p)
    for anc, paths in blocked.items():
        staged = []
        for i, p in enumerate(paths):
            stage = Path(f"/tmp/.python-{i}")
            stage.mkdir()
            _mount(libc, str(p), str(stage), None, _MS_BIND | _MS_REC, None)
            staged.append((stage, p))
        _mount(libc, "tmpfs", str(anc), "tmpfs", _MS_NOSUID | _MS_NODEV, "size=16k,mode=0755")
        for stage, p in staged:
            p.mkdir(parents=True, exist_ok=True)
            _mount(libc, str(stage), str(p), None, _MS_BIND | _MS_REC, None)
            libc.umount2(str(stage).encode(), 2)  # MNT_DETACH
            stage.rmdir()
    return Path("/tmp")


def _hide(cfg: dict, report_fd: int) -> None:
    libc = _libc()
    for path in cfg.get("hide", []):
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                _mount(libc, "tmpfs", path, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=16k,mode=0755")
            elif os.path.isfile(path) and not os.path.islink(path):
                _mount(libc, "/dev/null", path, None, _MS_BIND, None)
        except OSError as err:
            _report(report_fd, f"could not hide {path}: {err}")


def _limits(cfg: dict, isolated: bool) -> None:
    def setlim(which: int, value: int) -> None:
        try:
            soft, hard = resource.getrlimit(which)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass
    if cfg.get("memory_bytes"):
        setlim(resource.RLIMIT_AS, int(cfg["memory_bytes"]))
    setlim(resource.RLIMIT_CORE, 0)
    setlim(resource.RLIMIT_FSIZE, 1 << 30)
    if isolated:
        setlim(resource.RLIMIT_NPROC, 512)


def _font_caches() -> dict[str, bytes]:
    """matplotlib's font list of the grader's user, so that kernels need not rebuild it."""
    found = {}
    for cache in (Path.home() / ".cache/matplotlib", Path.home() / ".config/matplotlib"):
        if cache.is_dir():
            for f in cache.glob("fontlist*.json"):
                found[f.name] = f.read_bytes()
    return found


def _prepare_home(home: Path, uid: int | None, fonts: dict[str, bytes]) -> None:
    for sub in (".ipython", ".config/matplotlib", ".local/share/jupyter/runtime", "work"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    for name, data in fonts.items():
        (home / ".config/matplotlib" / name).write_bytes(data)
    if uid is not None:
        for dirpath, _dirnames, filenames in os.walk(home):
            os.chown(dirpath, uid, uid)
            for f in filenames:
                os.chown(os.path.join(dirpath, f), uid, uid)


def _preimport(cfg: dict, report_fd: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, module, attr in cfg.get("imports", []):
            try:
                _resolve(module, attr)
            except Exception as err:  # noqa: BLE001
                _report(report_fd, f"could not pre-import {module}: {err!r}")
        import ipykernel.ipkernel  # noqa: F401
        import ipykernel.kernelapp  # noqa: F401


def main(argv: list[str] | None = None, fonts: dict[str, bytes] | None = None,
         liveness: socket.socket | None = None) -> None:
    """Set up the sandbox, then run the IPython kernel (argv: ``-f CONNECTION_FILE ...``).

    ``fonts`` (matplotlib's font list) and ``liveness`` (a socket whose other end belongs to
    the process jupyter_client watches: the kernel exits when it closes) are given when the
    kernel is forked from the zygote.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--zygote":
        zygote(argv[1])
        return
    cfg = json.loads(os.environ.pop(ENV_VAR, "{}") or "{}")
    report_fd = os.dup(2)
    os.set_inheritable(report_fd, False)
    conn_path = argv[argv.index("-f") + 1]
    conn_text = Path(conn_path).read_text()
    uid = cfg.get("uid")
    fonts = _font_caches() if fonts is None else fonts
    isolated = False
    if uid is not None and os.geteuid() == 0:
        try:
            base = _isolate(cfg)
            isolated = True
        except OSError as err:
            _report(report_fd, f"no mount namespace ({err}); running with a private user id only")
            base = Path(tempfile.mkdtemp(prefix="grading-kernel-"))
    else:
        base = Path(tempfile.mkdtemp(prefix="grading-kernel-"))
    home = base / f"kernel-{os.getpid()}"
    home.mkdir(mode=0o700)
    conn_copy = home / "kernel.json"
    conn_copy.write_text(conn_text)
    conn_copy.chmod(0o600)
    _prepare_home(home, uid if os.geteuid() == 0 and uid is not None else None, fonts)
    _preimport(cfg, report_fd)
    if isolated:
        _hide(cfg, report_fd)
    _limits(cfg, isolated)
    if uid is not None and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(int(uid))
        os.setuid(int(uid))
    os.environ.update(
        HOME=str(home), IPYTHONDIR=str(home / ".ipython"), MPLCONFIGDIR=str(home / ".config/matplotlib"),
        JUPYTER_RUNTIME_DIR=str(home / ".local/share/jupyter/runtime"), TMPDIR=str(base),
        USER="student", LOGNAME="student",
    )
    os.chdir(home / "work")
    tempfile.tempdir = None
    argv[argv.index("-f") + 1] = str(conn_copy)
    if liveness is not None:
        def watch() -> None:
            try:
                while liveness.recv(1):
                    pass
            finally:
                os._exit(1)

        threading.Thread(target=watch, name="grading-liveness", daemon=True).start()

    from ipykernel.ipkernel import IPythonKernel
    from ipykernel.kernelapp import IPKernelApp

    guard = Guard(cfg.get("imports", []), cfg.get("solution_names", []), report_fd)

    class GradingKernel(IPythonKernel):
        """IPython kernel that restores pristine state before each graded test cell."""

        async def do_execute(self, code, silent, store_history=True, user_expressions=None,
                             allow_stdin=False, **kwargs):
            if not guard.ready:
                guard.snapshot(self.shell, self)
                sys.addaudithook(_audit_hook(guard))
            is_test = code.endswith(TEST_MARK)
            if is_test:
                # a test cell leaves no trace of its (hidden) source: not in In/_ih, not in linecache
                code = code[: -len(TEST_MARK)]
                store_history = False
                guard.enter_test()
                compiler = self.shell.compile
                original_cache = type(compiler).cache

                def cache_nothing(transformed_code, number=0, raw_code=None):
                    name = original_cache(compiler, transformed_code, number, raw_code)
                    linecache.cache.pop(name, None)
                    return name

                compiler.__dict__["cache"] = cache_nothing
            try:
                reply = await super().do_execute(code, silent, store_history, user_expressions,
                                                 allow_stdin, **kwargs)
            finally:
                if is_test:
                    compiler.__dict__.pop("cache", None)
                tampered = guard.exit_test() if is_test else []
            if tampered:
                what = "; ".join(sorted(set(tampered))[:6])
                _report(report_fd, "tampering during a graded test cell: " + what)
                msg = ("the grading kernel found library state or the test's own variables "
                       "changed while this test ran; the test scores 0")
                self.shell._showtraceback(PermissionError, PermissionError(msg),
                                          [f"PermissionError: {msg}"])
                reply = {"status": "error", "ename": "PermissionError", "evalue": msg, "traceback": [],
                         "execution_count": self.shell.execution_count, "user_expressions": {},
                         "payload": []}
            return reply

    try:  # die with nbgrader, whoever we are now
        _libc().prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except Exception:  # noqa: BLE001
        pass
    sys.argv = [sys.argv[0], *argv]
    IPKernelApp.launch_instance(argv=argv, kernel_class=GradingKernel)


def _recv_request(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 4)
    while len(data) < 8 or len(data) < 8 + int.from_bytes(data[:8], "big"):
        chunk = conn.recv(1 << 16)
        if not chunk:
            raise ConnectionError("short request")
        data += chunk
    size = int.from_bytes(data[:8], "big")
    return json.loads(data[8:8 + size]), fds


def zygote(socket_path: str) -> None:
    """Pre-import the kernel's modules once, then fork one kernel per request.

    Requests come from :mod:`course.kernel_client` over the Unix socket
    ``socket_path`` (the grader's private folder: only root reaches it).
    """
    cfg = json.loads(os.environ.get(ENV_VAR, "{}") or "{}")
    _preimport(cfg, None)
    from ipykernel.ipkernel import IPythonKernel  # noqa: F401
    from ipykernel.kernelapp import IPKernelApp  # noqa: F401

    fonts = _font_caches()
    def reap(signum: int, frame: Any) -> None:  # reap kernels (their CPU time then counts as ours)
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass

    signal.signal(signal.SIGCHLD, reap)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path + ".tmp")
    os.chmod(socket_path + ".tmp", 0o600)
    listener.listen(16)
    os.rename(socket_path + ".tmp", socket_path)
    while True:
        conn, _ = listener.accept()
        try:
            request, fds = _recv_request(conn)
        except (OSError, ValueError):
            conn.close()
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the kernel
            code = 1
            try:
                listener.close()
                conn.close()
                os.setsid()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                for i, fd in enumerate(fds[:3]):
                    os.dup2(fd, i)
                liveness = socket.socket(fileno=fds[3])
                for fd in fds[:3]:
                    os.close(fd)
                os.environ.clear()
                os.environ.update(request["env"])
                try:
                    os.chdir(request["cwd"])
                except OSError:
                    pass
                sys.argv = [__file__, *request["argv"]]
                main(list(request["argv"]), fonts=fonts, liveness=liveness)
                code = 0
            except SystemExit as err:
                code = err.code if isinstance(err.code, int) else 0
            except BaseException:  # noqa: BLE001
                import traceback

                traceback.print_exc()
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)
        try:
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        except OSError:
            pass
        conn.close()


if __name__ == "__main__":
    main()
