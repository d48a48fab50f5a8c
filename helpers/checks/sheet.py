"""Visible checks of notebook 05 (the Mexican hat: hand-designed vs learned sheet).

Each check calls the student's function on small inputs, compares with the reference in
:mod:`helpers.sheet_analysis`, and raises :class:`~helpers.checks.base.CheckError` with what was
expected, what came back, and a hint.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import sheet_analysis as sa
from .base import expect_close, expect_true, passed, visible_check

__all__ = ["check_average_outgoing", "check_shift_push"]


def _kernel_sheet(n: int) -> np.ndarray:
    """A sorted J_out whose rows are one known kernel rolled to each site (so the average is it)."""
    rng = np.random.default_rng(7)
    kern = rng.normal(size=(n, n))
    rows = []
    for a in range(n):
        for b in range(n):
            rows.append(np.roll(kern, (a - n // 2, b - n // 2), axis=(0, 1)).ravel())
    return np.array(rows), kern


@visible_check
def check_average_outgoing(average_outgoing: Callable) -> None:
    """``average_outgoing(J_out, n)``: rows rolled so the presynaptic site is centred, then averaged."""
    name = "check_average_outgoing"
    n = 4
    J_out, kern = _kernel_sheet(n)
    got = average_outgoing(J_out, n)
    expect_true(got is not None, name, "average_outgoing returned None", "did you forget `return`?")
    expect_close(np.shape(got), (n, n), name, "the shape of average_outgoing(J_out, 4)",
                 "reshape each row to an (n, n) image of the sheet and average those images")
    got = np.asarray(got, dtype=float)
    if np.allclose(got, J_out.mean(0).reshape(n, n)) and not np.allclose(got, kern):
        expect_close(got, kern, name, "average_outgoing of a sheet whose every unit has the same kernel",
                     "you averaged the rows as they are: first roll row p by (n//2 - a, n//2 - b), where "
                     "(a, b) = divmod(p, n) is the site of the presynaptic unit")
    if np.allclose(np.roll(got, (n // 2, n // 2), axis=(0, 1)), kern):
        expect_close(got, kern, name, "average_outgoing (the zero offset belongs at the centre)",
                     "roll by (n//2 - a, n//2 - b), not by (-a, -b)")
    expect_close(got, kern, name, "average_outgoing of a sheet whose every unit has the same kernel",
                 "row p of J_out belongs to the unit at site divmod(p, n); after rolling every row by that "
                 "site, the rows should all be the same kernel")
    rng = np.random.default_rng(3)
    J = rng.normal(size=(9, 9))
    expect_close(average_outgoing(J, 3), sa.average_outgoing(J, 3), name, "average_outgoing(random 9 x 9, 3)",
                 "use the argument n, and average over all n^2 presynaptic units", rtol=1e-6, atol=1e-9)
    passed(name, "the average outgoing profile comes back for a shuffled kernel sheet")


@visible_check
def check_shift_push(shift_push: Callable) -> None:
    """``shift_push(J, M, g, heading)`` = J @ ((M v) * (g > 0)) with v = (cos, sin)(heading)."""
    name = "check_shift_push"
    rng = np.random.default_rng(5)
    J = rng.normal(size=(6, 6))
    M = rng.normal(size=(6, 2))
    g = np.array([0.0, 1.2, 0.0, 0.5, 2.0, 0.0])
    got = shift_push(J, M, g, 0.0)
    expect_true(got is not None, name, "shift_push returned None", "did you forget `return`?")
    expect_close(np.shape(got), (6,), name, "the shape of shift_push(J, M, g, heading)", "one value per unit")
    want = sa.shift_push(J, M, g[None], np.array([0.0]))[0, 0]
    got = np.asarray(got, dtype=float)
    if np.allclose(got, J @ M[:, 0]):
        expect_close(got, want, name, "shift_push(J, M, g, 0)",
                     "the velocity input reaches only the active units: multiply M v by (g > 0) before J")
    if np.allclose(got, J.T @ (M[:, 0] * (g > 0))):
        expect_close(got, want, name, "shift_push(J, M, g, 0)", "rows of J are postsynaptic: use J @ x, not J.T @ x")
    expect_close(got, want, name, "shift_push(J, M, g, 0)",
                 "v = (cos(heading), sin(heading)); drive = M @ v; push = J @ (drive * (g > 0))")
    expect_close(shift_push(J, M, g, np.pi / 3), sa.shift_push(J, M, g[None], np.array([np.pi / 3]))[0, 0], name,
                 "shift_push(J, M, g, pi/3)", "the velocity is (cos(heading), sin(heading))")
    passed(name, "J applied to the velocity input of the active units")
