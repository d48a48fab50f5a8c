"""Input validation shared by every helpers module.

Each function checks one argument at the public boundary and raises a ``ValueError`` or
``TypeError`` that names the argument, what was expected, and what was received, in the
spirit of scikit-learn's ``check_array``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "as_array",
    "check_square",
    "check_scalar",
    "check_rng",
]


def _shape_str(shape: Sequence[Any]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + (",)" if len(shape) == 1 else ")")


def as_array(
    x: Any,
    name: str,
    ndim: int | None = None,
    shape: Sequence[int | None] | None = None,
    dtype: Any = np.float64,
    finite: bool = True,
) -> np.ndarray:
    """Convert ``x`` to a numpy array and check its dimensions, shape and values.

    Parameters
    ----------
    x : array_like
        The argument to check.
    name : str
        Argument name used in error messages.
    ndim : int, optional
        Required number of dimensions.
    shape : sequence of int or None, optional
        Required shape; ``None`` entries match any length.
    dtype : numpy dtype, optional
        dtype to convert to (default float64). ``None`` keeps the input's dtype.
    finite : bool
        If True (default), NaN or infinite entries are rejected.

    Returns
    -------
    numpy.ndarray
    """
    if x is None:
        raise TypeError(f"{name} must be an array, got None")
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, got {type(x).__name__}")
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x) if dtype is None else np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a numeric array, got {type(x).__name__} ({err})") from None
    if arr.dtype == object:
        raise TypeError(f"{name} must be a numeric array, got dtype object")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {_shape_str(arr.shape)}")
    if shape is not None:
        if arr.ndim != len(shape) or any(
            s is not None and s != a for s, a in zip(shape, arr.shape, strict=True)
        ):
            want = _shape_str(["?" if s is None else s for s in shape])
            raise ValueError(f"{name} must have shape {want}, got {_shape_str(arr.shape)}")
    if finite and np.issubdtype(arr.dtype, np.number) and not np.all(np.isfinite(arr)):
        n_bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite, got {n_bad} NaN or infinite entries")
    return arr


def check_square(x: Any, name: str) -> np.ndarray:
    """Return ``x`` as a finite float64 square matrix of shape (N, N)."""
    arr = as_array(x, name, ndim=2)
    if arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be square (N, N), got shape {_shape_str(arr.shape)}")
    return arr


def _bound_text(min_val: float | None, max_val: float | None, include: str) -> str:
    low_in = include in ("both", "left")
    high_in = include in ("both", "right")
    if min_val is not None and max_val is not None:
        return f"in {'[' if low_in else '('}{min_val}, {max_val}{']' if high_in else ')'}"
    if min_val is not None:
        return f"{'>=' if low_in else '>'} {min_val}"
    return f"{'<=' if high_in else '<'} {max_val}"


def check_scalar(
    x: Any,
    name: str,
    target_type: type = float,
    *,
    min_val: float | None = None,
    max_val: float | None = None,
    include_boundaries: str = "both",
) -> Any:
    """Return the scalar ``x`` as ``target_type``, checking its type and its range.

    The one scalar validator of the package, in the style of scikit-learn's ``check_scalar``.

    Parameters
    ----------
    x : Any
        The value received.
    name : str
        The argument's name, used in the error message.
    target_type : {float, int}
        ``float`` accepts any finite real number (not a bool); ``int`` accepts Python and
        numpy integers only (not ``2.0``, not a bool).
    min_val, max_val : float or None
        Bounds of the allowed interval; None leaves that side open.
    include_boundaries : {"both", "left", "right", "neither"}
        Which bounds belong to the interval, e.g. ``min_val=0, include_boundaries="neither"``
        means strictly positive.

    Returns
    -------
    float or int
        ``x`` converted to ``target_type``.

    Raises
    ------
    TypeError
        If ``x`` is not a number of the target type.
    ValueError
        If ``x`` is not finite or lies outside the interval; the message names the argument,
        the interval and the value received.
    """
    if include_boundaries not in ("both", "left", "right", "neither"):
        raise ValueError("include_boundaries must be 'both', 'left', 'right' or 'neither', "
                         f"got {include_boundaries!r}")
    if target_type is int:
        if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
            raise TypeError(f"{name} must be an integer, got {type(x).__name__} {x!r}")
        val: Any = int(x)
        prefix = f"{name} must be"
    elif target_type is float:
        if isinstance(x, bool) or not np.isscalar(x) or not np.isreal(x) or isinstance(x, (str, bytes)):
            raise TypeError(f"{name} must be a real number, got {x!r}")
        val = float(x)
        prefix = f"{name} must be finite and"
    else:
        raise TypeError(f"target_type must be int or float, got {target_type!r}")
    low_in = include_boundaries in ("both", "left")
    high_in = include_boundaries in ("both", "right")
    bad = target_type is float and not np.isfinite(val)
    if min_val is not None:
        bad = bad or (val < min_val if low_in else val <= min_val)
    if max_val is not None:
        bad = bad or (val > max_val if high_in else val >= max_val)
    if bad:
        if min_val is None and max_val is None:
            raise ValueError(f"{name} must be finite, got {x!r}")
        raise ValueError(f"{prefix} {_bound_text(min_val, max_val, include_boundaries)}, got {x!r}")
    return val


def check_rng(seed: Any) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a seed (int or None) or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be an int, None or numpy.random.Generator, got {type(seed).__name__}")
