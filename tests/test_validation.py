"""helpers.validation: errors name the argument, the expectation and what was received."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import validation as v


def test_as_array_accepts_and_converts():
    a = v.as_array([[1, 2], [3, 4]], "x", ndim=2, shape=(2, None))
    assert a.dtype == np.float64 and a.shape == (2, 2)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: v.as_array(None, "x"), TypeError, "x must be an array, got None"),
        (lambda: v.as_array("abc", "x"), TypeError, "x must be a numeric array, got str"),
        (lambda: v.as_array(np.ones(3), "x", ndim=2), ValueError, r"x must have 2 dimension\(s\), got shape \(3,\)"),
        (lambda: v.as_array(np.ones((2, 3)), "x", shape=(2, 2)), ValueError, r"x must have shape \(2, 2\), got \(2, 3\)"),
        (lambda: v.as_array([1.0, np.inf], "x"), ValueError, "x must be finite, got 1 NaN or infinite entries"),
        (lambda: v.check_square(np.ones((2, 3)), "W"), ValueError, r"W must be square \(N, N\), got shape \(2, 3\)"),
        (lambda: v.check_positive(-1, "tau"), ValueError, "tau must be finite and > 0, got -1"),
        (lambda: v.check_positive(float("nan"), "tau"), ValueError, "tau must be finite"),
        (lambda: v.check_positive("1", "tau"), TypeError, "tau must be a real number"),
        (lambda: v.check_int(2.0, "N"), TypeError, "N must be an integer, got float"),
        (lambda: v.check_int(2, "N", minimum=3), ValueError, "N must be >= 3, got 2"),
        (lambda: v.check_in_range(1.5, "p", 0, 1), ValueError, r"p must be in \[0, 1\], got 1.5"),
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
