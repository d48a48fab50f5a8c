"""Building blocks of the visible checks: a readable failure and a student-friendly fallback.

A failing check shows its message only, never its own source: the reference answer sits in
the check's lines. :class:`CheckError` renders as one message in IPython (JupyterLab, nbconvert,
the grader), and :func:`visible_check` gives any other error that passes through a check (the
stub's ``NotImplementedError``, a bug in the student's function) a traceback without the
frames of :mod:`helpers`.
"""
from __future__ import annotations

import contextlib
import functools
import io
import os
import traceback
import types
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from IPython import get_ipython

__all__ = ["CheckError", "expect_close", "expect_true", "passed", "fallback", "visible_check"]

_HELPERS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class CheckError(AssertionError):
    """A failed exercise check: the message says what was expected, what came back, and a hint."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing the traceback (whose frames hold the check's code)
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


def _in_helpers(tb: types.TracebackType) -> bool:
    return os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(_HELPERS_DIR + os.sep)


def _without_helpers(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback ``tb`` with the frames of :mod:`helpers` left out."""
    kept = []
    while tb is not None:
        if not _in_helpers(tb):
            kept.append((tb.tb_frame, tb.tb_lasti, tb.tb_lineno))
        tb = tb.tb_next
    out = None
    for frame, lasti, lineno in reversed(kept):
        out = types.TracebackType(out, frame, lasti, lineno)
    return out


def _hide_check_frames(exc: BaseException, check: str, student: str) -> None:
    """Make IPython show ``exc`` without the frames of the check (its code would give the answer away)."""

    def render() -> list[str]:
        shell = get_ipython()
        tb = _without_helpers(exc.__traceback__)
        note = f"(raised while `{check}` ran your `{student}`)"
        if shell is None:
            return traceback.format_exception(type(exc), exc, tb) + [note]
        return shell.InteractiveTB.structured_traceback(type(exc), exc, tb, tb_offset=1) + [note]

    try:
        exc._render_traceback_ = render  # type: ignore[attr-defined]
    except (AttributeError, TypeError):  # exceptions without a __dict__: keep the usual traceback
        pass


def visible_check(check: Callable) -> Callable:
    """Decorate a check ``check(student_fn, ...)`` so that no failure shows the check's source."""

    @functools.wraps(check)
    def wrapper(student: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return check(student, *args, **kwargs)
        except CheckError:
            raise
        except Exception as exc:
            _hide_check_frames(exc, check.__name__, getattr(student, "__name__", "function"))
            raise

    return wrapper


def _fmt(x: Any) -> str:
    arr = np.asarray(x)
    if arr.size == 1:
        return f"{arr.item():.6g}" if np.issubdtype(arr.dtype, np.number) else repr(arr.item())
    with np.printoptions(precision=4, threshold=8, edgeitems=3, suppress=True):
        return f"array of shape {arr.shape}: {arr}"


def expect_true(condition: bool, check: str, what: str, hint: str) -> None:
    """Raise :class:`CheckError` ``"{check}: {what}. Hint: {hint}"`` unless ``condition``."""
    if not bool(condition):
        raise CheckError(f"{check}: {what}. Hint: {hint}")


def expect_close(
    got: Any,
    expected: Any,
    check: str,
    what: str,
    hint: str,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> None:
    """Compare ``got`` with ``expected`` (shape, then values) and explain any difference.

    Parameters
    ----------
    got, expected : array_like
        The student's value and the reference value.
    check : str
        Name of the check, printed first.
    what : str
        The quantity, e.g. ``"rate_step(...)"``.
    hint : str
        What to look at when the values differ.
    rtol, atol : float
        Tolerances as in ``numpy.allclose``.
    """
    if got is None:
        raise CheckError(f"{check}: {what} returned None. Hint: did you forget `return`?")
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise CheckError(f"{check}: {what} should be numeric, got {type(got).__name__}. Hint: {hint}") from None
    e = np.asarray(expected, dtype=float)
    if g.shape != e.shape:
        raise CheckError(
            f"{check}: {what} should have shape {e.shape}, got {g.shape}. Hint: {hint}"
        )
    if not np.all(np.isfinite(g)):
        raise CheckError(f"{check}: {what} contains NaN or inf. Hint: {hint}")
    if not np.allclose(g, e, rtol=rtol, atol=atol):
        idx = np.unravel_index(np.argmax(np.abs(g - e)), g.shape) if g.ndim else ()
        where = f" (largest difference at index {tuple(int(i) for i in idx)})" if g.ndim else ""
        raise CheckError(
            f"{check}: {what} should be {_fmt(e)}, got {_fmt(g)}{where}. Hint: {hint}"
        )


def passed(check: str, detail: str = "") -> None:
    """Print the success line of a check."""
    print(f"\u2714 {check} passed" + (f": {detail}" if detail else ""))


def fallback(student: Callable, reference: Callable, *probe_args: Any, check: Callable | None = None,
             **probe_kwargs: Any) -> Callable:
    """Return the student's function if it works, else the reference implementation.

    The cell after an exercise calls this so that a student who is stuck, or whose answer is
    still wrong, can run the rest of the notebook. With ``check`` (the exercise's visible check)
    the check is run quietly on the student's function: if it fails, one line says so and the
    reference from ``helpers`` is returned. Without ``check`` the student's function is called
    once with the probe arguments and replaced only if it raises ``NotImplementedError``.
    """
    name = getattr(student, "__name__", "your function")
    ref = f"`{getattr(reference, '__module__', 'helpers')}.{getattr(reference, '__name__', 'reference')}`"
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if check is not None:
                check(student)
            else:
                student(*probe_args, **probe_kwargs)
    except NotImplementedError:
        print(f"\u2192 `{name}` is not implemented yet: the rest of this notebook uses the reference "
              f"{ref} instead. Come back to the exercise when you can.")
        return reference
    except Exception:  # noqa: BLE001 -- the visible check above explains what is wrong
        if check is None:
            return student
        print(f"\u2192 `{name}` does not pass its check yet (see the test cell above): the rest of this "
              f"notebook uses the reference {ref} instead.")
        return reference
    return student
