"""helpers.validation: errors name the argument, the expectation and what was received."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import validation as v


def test_as_array_accepts_and_converts():
    a = v.as_array([[1, 2], [3, 4]], "x", ndim=2, shape=(2, None))
    assert a.dtype == np.float64 and a.shape == (2, 2)


def pos(x, name):
    return v.check_scalar(x, name, min_val=0, include_boundaries="neither")


def test_check_scalar_converts_and_keeps_boundaries():
    assert v.check_scalar(np.int64(3), "n", int) == 3 and isinstance(v.check_scalar(np.int64(3), "n", int), int)
    assert v.check_scalar(2, "x") == 2.0 and isinstance(v.check_scalar(2, "x"), float)
    assert v.check_scalar(0, "x", min_val=0) == 0.0
    assert v.check_scalar(1, "p", min_val=0, max_val=1) == 1.0
    with pytest.raises(ValueError, match="x must be finite and > 0, got 0"):
        v.check_scalar(0, "x", min_val=0, include_boundaries="neither")


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: v.as_array(None, "x"), TypeError, "x must be an array, got None"),
        (lambda: v.as_array("abc", "x"), TypeError, "x must be a numeric array, got str"),
        (lambda: v.as_array(np.ones(3), "x", ndim=2), ValueError, r"x must have 2 dimension\(s\), got shape \(3,\)"),
        (lambda: v.as_array(np.ones((2, 3)), "x", shape=(2, 2)), ValueError,
         r"x must have shape \(2, 2\), got \(2, 3\)"),
        (lambda: v.as_array([1.0, np.inf], "x"), ValueError, "x must be finite, got 1 NaN or infinite entries"),
        (lambda: v.check_square(np.ones((2, 3)), "W"), ValueError, r"W must be square \(N, N\), got shape \(2, 3\)"),
        (lambda: pos(-1, "tau"), ValueError, "tau must be finite and > 0, got -1"),
        (lambda: pos(float("nan"), "tau"), ValueError, "tau must be finite"),
        (lambda: pos("1", "tau"), TypeError, "tau must be a real number"),
        (lambda: v.check_scalar(float("inf"), "x"), ValueError, "x must be finite, got inf"),
        (lambda: v.check_scalar(True, "x"), TypeError, "x must be a real number, got True"),
        (lambda: v.check_scalar(2.0, "N", int), TypeError, "N must be an integer, got float"),
        (lambda: v.check_scalar(2, "N", int, min_val=3), ValueError, "N must be >= 3, got 2"),
        (lambda: v.check_scalar(9, "N", int, max_val=8), ValueError, "N must be <= 8, got 9"),
        (lambda: v.check_scalar(1.5, "p", min_val=0, max_val=1), ValueError,
         r"p must be finite and in \[0, 1\], got 1.5"),
        (lambda: v.check_scalar(1.0, "p", min_val=0, max_val=1, include_boundaries="left"), ValueError,
         r"p must be finite and in \[0, 1\), got 1.0"),
        (lambda: v.check_scalar(1, "p", str), TypeError, "target_type must be int or float"),
        (lambda: v.check_scalar(1, "p", include_boundaries="all"), ValueError, "include_boundaries must be"),
        (lambda: v.check_rng("seed"), TypeError, "seed must be an int, None or numpy.random.Generator"),
    ],
)
def test_errors_name_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_check_rng_is_deterministic():
    assert v.check_rng(3).random() == v.check_rng(3).random()
    g = np.random.default_rng(0)
    assert v.check_rng(g) is g
