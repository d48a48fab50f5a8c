"""Input validation shared by every helpers module.

Each function checks one argument at the public boundary and raises a ``ValueError`` or
``TypeError`` that names the argument, what was expected, and what was received, in the
spirit of scikit-learn's ``check_array``.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = [
    "as_array",
    "check_square",
    "check_positive",
    "check_int",
    "check_in_range",
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
            s is not None and s != a for s, a in zip(shape, arr.shape)
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


def check_positive(x: Any, name: str, strict: bool = True) -> float:
    """Return ``x`` as a float, requiring it finite and > 0 (or >= 0 if ``strict`` is False)."""
    if isinstance(x, bool) or not np.isscalar(x) or not np.isreal(x):
        raise TypeError(f"{name} must be a real number, got {x!r}")
    val = float(x)
    if not np.isfinite(val) or (val <= 0 if strict else val < 0):
        bound = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be finite and {bound}, got {x!r}")
    return val


def check_int(x: Any, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``x`` as an int within [minimum, maximum]."""
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__} {x!r}")
    val = int(x)
    if minimum is not None and val < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {val}")
    if maximum is not None and val > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {val}")
    return val


def check_in_range(x: Any, name: str, low: float, high: float) -> float:
    """Return ``x`` as a float in the closed interval [low, high]."""
    if isinstance(x, bool) or not np.isscalar(x) or not np.isreal(x):
        raise TypeError(f"{name} must be a real number, got {x!r}")
    val = float(x)
    if not (np.isfinite(val) and low <= val <= high):
        raise ValueError(f"{name} must be in [{low}, {high}], got {x!r}")
    return val


def check_rng(seed: Any) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a seed (int or None) or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be an int, None or numpy.random.Generator, got {type(seed).__name__}")
